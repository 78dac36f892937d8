package kobj

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// Response is the server's answer to one call: its status code, headers,
// raw body, and the body as an Object when it is a Kubernetes object (nil
// otherwise, as for a pod's log or /version).
type Response struct {
	Code   int
	Header http.Header
	Object *Object
	Body   []byte
}

// Decode unmarshals the raw body as JSON into v, for bodies that are not
// Kubernetes objects. It fails when the body is not JSON of v's shape.
func (r *Response) Decode(v any) error {
	if err := json.Unmarshal(r.Body, v); err != nil {
		return fmt.Errorf("kobj: decoding the response body into %T: %w", v, err)
	}
	return nil
}
