package kobj

// Client talks to one cluster. It is safe for concurrent use.
type Client struct{}
