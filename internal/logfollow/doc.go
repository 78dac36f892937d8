// Package logfollow follows a container's log across its restarts and
// dropped streams (kobj's FollowRestarts): when a followed stream ends, it
// reads the Pod and decides whether to open the log again from the last
// line's second, to read the end of the previous run first
// (previous=true), or to end; and it drops the lines of that second a new
// stream repeats.
//
// Its seam is two callbacks, one that opens a log stream with a query and
// one that reads the Pod as JSON. It knows neither kobj's Object nor its
// Client.
package logfollow
