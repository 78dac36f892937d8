package opindex

import (
	"strings"

	"github.com/kobj-dev/kobj/internal/openapi"
)

// Operation is one API operation as the server's OpenAPI v3 documents
// describe it. Operations come from a shared index and must not be modified.
type Operation struct {
	ID           string // full operationId, e.g. "createCoreV1NamespacedPod"
	ShortID      string // Hikaru's short form without the group-version, e.g. "createNamespacedPod"
	GroupVersion string // "v1", "apps/v1"; "" for operations outside a group-version (getCodeVersion, getAPIVersions, getAppsAPIGroup, …)
	Group        string // "" for the core group
	Version      string
	Kind         string      // from x-kubernetes-group-version-kind; "" if none
	Action       string      // x-kubernetes-action: get list post put patch delete deletecollection watch watchlist connect proxy
	Method       string      // GET POST PUT PATCH DELETE HEAD OPTIONS
	Path         string      // template, e.g. "/api/v1/namespaces/{namespace}/pods/{name}"
	Params       []Parameter // path parameters in template order, then query parameters by name
	Body         *BodySpec   // nil when the operation takes no body
	Description  string
	ResponseKind string // kind of the 200/201 response when it is a Kubernetes object, else ""
	Streaming    bool   // a watch, watchlist, connect or proxy operation
}

// Parameter is one path or query parameter of an Operation.
type Parameter struct {
	Name        string
	In          string // "path" or "query"
	Required    bool
	Type        string // "string", "integer", "boolean"
	Description string
}

// BodySpec describes the request body of an Operation.
type BodySpec struct {
	Required     bool
	ContentTypes []string // sorted, e.g. "*/*", or the four patch types
	Kind         string   // kind of the body when it is a Kubernetes object ("Pod", "Eviction", "Scale"), "Patch" for patches
	GroupVersion string   // of Kind; "" for a patch
}

// Doc is the operations of one document, indexed by full and short name;
// never modified once built.
type Doc struct {
	ops     []*Operation // by ID
	byID    map[string]*Operation
	byShort map[string][]*Operation
}

// NewDoc builds the operations of one document from its records, as
// openapi.ParseDocument returns them for ref.
func NewDoc(records []openapi.Operation, ref *openapi.DocRef) *Doc {
	d := &Doc{ops: make([]*Operation, len(records)), byID: make(map[string]*Operation, len(records)), byShort: map[string][]*Operation{}}
	// One allocation for the operations and one for all their parameters.
	all := make([]Operation, len(records))
	n := 0
	for _, rec := range records {
		n += len(rec.Params)
	}
	params := make([]Parameter, 0, n)
	for i, rec := range records {
		op := &all[i]
		*op = Operation{
			ID: rec.ID, ShortID: ref.ShortID(rec.ID),
			GroupVersion: ref.GroupVersion, Group: ref.Group, Version: ref.Version,
			Kind: rec.Kind, Action: rec.Action, Method: rec.Method, Path: rec.Path,
			Description: rec.Description, ResponseKind: rec.ResponseKind, Streaming: rec.Streaming,
		}
		start := len(params)
		for _, p := range rec.Params {
			params = append(params, Parameter(p))
		}
		op.Params = params[start:len(params):len(params)]
		if rec.Body != nil {
			body := BodySpec(*rec.Body)
			op.Body = &body
		}
		d.ops[i] = op
		d.byID[op.ID] = op
		d.byShort[op.ShortID] = append(d.byShort[op.ShortID], op)
	}
	return d
}

// Ops returns the document's operations, sorted by ID. The slice is shared.
func (d *Doc) Ops() []*Operation { return d.ops }

// ResourceOf returns the resource an operation's path template is about:
// the segment before {name}, else the last segment that is not a
// placeholder; "" for paths outside resources (/version, /apis).
func ResourceOf(path string) string {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	for i := len(segs) - 1; i > 0; i-- {
		if segs[i] == "{name}" {
			return segs[i-1]
		}
	}
	if len(segs) < 3 || (segs[0] != "api" && segs[0] != "apis") {
		return ""
	}
	last := segs[len(segs)-1]
	if strings.HasPrefix(last, "{") || (segs[0] == "api" && len(segs) == 2) || (segs[0] == "apis" && len(segs) == 3) {
		return ""
	}
	return last
}
