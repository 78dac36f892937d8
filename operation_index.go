package kobj

import (
	"context"
	"net/http"
	"net/url"

	"github.com/kobj-dev/kobj/internal/cachekit"
	"github.com/kobj-dev/kobj/internal/discoveryindex"
	"github.com/kobj-dev/kobj/internal/opindex"
)

// Operation is one API operation as the server's OpenAPI v3 documents
// describe it: its full operationId (ID, "createCoreV1NamespacedPod") and
// Hikaru's short form without the group-version (ShortID,
// "createNamespacedPod"); the GroupVersion, Group and Version of its
// document ("" for operations outside a group-version, such as
// getCodeVersion); the Kind it acts on and its x-kubernetes-action
// (Action); the HTTP Method and Path template; its Params (path
// parameters in template order, then query parameters by name); its Body
// (nil when it takes none); the Description; the ResponseKind of a 200/201
// answer that is a Kubernetes object; and whether it is Streaming (a
// watch, watchlist, connect or proxy operation). Operations come from a
// shared index and must not be modified.
type Operation = opindex.Operation

// Parameter is one path or query parameter of an Operation: its Name, In
// ("path" or "query"), whether it is Required, its Type ("string",
// "integer", "boolean") and Description.
type Parameter = opindex.Parameter

// BodySpec describes the request body of an Operation: whether it is
// Required, the ContentTypes the server accepts (sorted: "*/*", or the
// four patch types), and the Kind and GroupVersion of the body when it is
// a Kubernetes object ("Pod", "Eviction", "Scale"; "Patch" and "" for a
// patch).
type BodySpec = opindex.BodySpec

// opsIndex is the client's operation index.
type opsIndex = opindex.Index

// newOpsIndex returns the index of c's server, caching documents in dir
// (nil keeps them in memory only): it fetches them with c.do, and asks c's
// discovery which group-versions serve a kind.
func newOpsIndex(c *Client, dir *cachekit.Dir) *opsIndex {
	return opindex.New(opindex.Config{
		Get: func(ctx context.Context, path string, query url.Values) ([]byte, http.Header, error) {
			resp, err := c.do(ctx, &request{Method: "GET", Path: path, Query: query})
			if err != nil {
				return nil, nil, err
			}
			return resp.Body, resp.Header, nil
		},
		Resources: func(ctx context.Context) ([]*discoveryindex.Resource, error) {
			if c.disc == nil {
				return nil, nil
			}
			return c.disc.resources(ctx)
		},
		Unknown: func(name string, suggestions []string) error {
			return &UnknownOperationError{Name: name, Suggestions: suggestions}
		},
		Ambiguous: func(name string, candidates []string) error {
			return &AmbiguousOperationError{Name: name, Candidates: candidates}
		},
		Dir: dir,
	})
}

// Operations lists the operations the server's OpenAPI documents describe,
// sorted by group-version and name: all of them when of is empty, else
// those of each group-version ("apps/v1", "v1") or kind ("Deployment",
// which may be served by several group-versions) that of names. Only the
// documents needed are fetched, and they are cached like the index. It
// fails when the server publishes no document for a group-version, or
// serves no such kind.
func (c *Client) Operations(ctx context.Context, of ...string) (_ []*Operation, err error) {
	defer wrapCall(&err, "Operations")
	return c.ops.Select(ctx, of)
}
