// Package wire is kobj's request path: one HTTP call to the API server,
// made the way client-go's rest.Request makes it. It bounds the requests
// in flight, waits for the client-side rate limiter, retries what is worth
// retrying (a Retry-After answer; a connection lost while sending a
// request safe to send twice), reports every attempt to client-go's
// metrics hooks, passes Warning headers to the warning handler, and turns
// a refusal into an apimachinery *StatusError.
//
// Two paths share that loop: Do reads the whole answer and holds an
// in-flight slot while the request is on the wire; Stream hands the body
// over open, takes no slot and is not cut by the http.Client's Timeout.
//
// It knows neither kobj's Object nor its Client: requests come in as
// method, path, query and bytes, answers go out as code, headers and bytes
// (or an open body).
package wire
