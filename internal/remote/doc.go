// Package remote is the upgraded-connection plumbing of kobj's Exec and
// PortForward: client-go's remotecommand executors and portforward
// dialers made from a rest.Config and a URL, WebSocket first and SPDY when
// the server (or a proxy) does not upgrade to one, as kubectl does; the
// server's Status kept when both upgrades fail; the guard around the
// caller's Stdin reader and Stdout and Stderr writers, which client-go
// calls in goroutines of its own; the port specs; and a forward's ready,
// done and error.
//
// It knows neither kobj's Object nor its Client: the caller gives the
// connect URL (a Pod's exec or portforward subresource) and the
// rest.Config, and gets bytes, an exit code or a running forward back.
package remote
