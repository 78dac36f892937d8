package openapi

import (
	"encoding/json"
	"slices"
	"strings"
)

// Operation is one operation of a document, as the index needs it.
type Operation struct {
	ID           string // operationId, "createCoreV1NamespacedPod"
	Method       string // GET PUT POST DELETE OPTIONS HEAD PATCH
	Path         string // template, "/api/v1/namespaces/{namespace}/pods"
	Action       string // x-kubernetes-action: get list post put patch delete deletecollection watch watchlist connect proxy
	Kind         string // of x-kubernetes-group-version-kind; "" if none
	Description  string
	Params       []Parameter // path parameters in template order, then query parameters by name, then others by name
	Body         *Body       // nil when the operation takes no body
	ResponseKind string      // kind of the JSON schema of the 200 (else 201) response, "" when it has none
	Streaming    bool        // a watch, watchlist, connect or proxy operation
}

// Parameter is one parameter of an Operation. Path parameters are always
// required.
type Parameter struct {
	Name        string
	In          string // "path", "query", …
	Required    bool
	Type        string // of its schema: "string" (also when none is given), "integer", "boolean"
	Description string
}

// Body is the request body of an Operation.
type Body struct {
	Required     bool
	ContentTypes []string // sorted
	// Kind and GroupVersion are those of the body's schema: "Pod", "v1";
	// "Patch", "" for a patch; "" when the schema has no kind.
	Kind, GroupVersion string
}

// streaming reports whether an x-kubernetes-action's answer is a stream.
func streaming(action string) bool {
	switch action {
	case "watch", "watchlist", "connect", "proxy":
		return true
	}
	return false
}

// The wire types hold only the parts of a document the index reads;
// encoding/json skips the rest. Schemas are decoded to their
// group-version-kinds alone, which costs less than keeping them raw (no
// copy of their text) and than decoding them whole.
type (
	wireDoc struct {
		Paths      map[string]*wirePathItem `json:"paths"`
		Components struct {
			Schemas map[string]wireSchema `json:"schemas"`
		} `json:"components"`
	}
	wireSchema struct {
		GVKs []wireGVK `json:"x-kubernetes-group-version-kind"`
	}
	wireGVK struct {
		Group   string `json:"group"`
		Version string `json:"version"`
		Kind    string `json:"kind"`
	}
	wirePathItem struct {
		Parameters []wireParam `json:"parameters"`
		Get        *wireOp     `json:"get"`
		Put        *wireOp     `json:"put"`
		Post       *wireOp     `json:"post"`
		Delete     *wireOp     `json:"delete"`
		Options    *wireOp     `json:"options"`
		Head       *wireOp     `json:"head"`
		Patch      *wireOp     `json:"patch"`
	}
	wireOp struct {
		OperationID string           `json:"operationId"`
		Description string           `json:"description"`
		Parameters  []wireParam      `json:"parameters"`
		RequestBody *wireRequestBody `json:"requestBody"`
		Responses   struct {
			OK      wireResponse `json:"200"`
			Created wireResponse `json:"201"`
		} `json:"responses"`
		Action string   `json:"x-kubernetes-action"`
		GVK    *wireGVK `json:"x-kubernetes-group-version-kind"`
	}
	wireParam struct {
		Name        string `json:"name"`
		In          string `json:"in"`
		Required    bool   `json:"required"`
		Description string `json:"description"`
		Schema      struct {
			Type string `json:"type"`
		} `json:"schema"`
	}
	wireRequestBody struct {
		Required bool                 `json:"required"`
		Content  map[string]wireMedia `json:"content"`
	}
	// wireResponse reads the JSON answer's schema only: the server offers
	// YAML and protobuf too, of the same schema.
	wireResponse struct {
		Content struct {
			JSON wireMedia `json:"application/json"`
		} `json:"content"`
	}
	wireMedia struct {
		Schema struct {
			Ref string `json:"$ref"`
		} `json:"schema"`
	}
)

// patchSchema is the body schema of every patch operation; it carries no
// group-version-kind.
const patchSchema = "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Patch"

// ParseDocument reads one OpenAPI v3 document into its operations, sorted
// by ID; ref is the root's entry for it, whose group-version picks the kind
// of a schema that several group-versions share (DeleteOptions). Operations
// without an operationId are left out, and of several with one id the
// first is kept, by path and then in the order GET PUT POST DELETE OPTIONS
// HEAD PATCH. It fails, naming the place, when data is not a JSON object or a
// part the index reads has the wrong type.
func ParseDocument(data []byte, ref DocRef) ([]Operation, error) {
	var d wireDoc
	if err := json.Unmarshal(data, &d); err != nil {
		return nil, describe(data, err)
	}
	p := parser{ref: ref, schemas: d.Components.Schemas, descriptions: map[string]string{}}
	ops := make([]Operation, 0, 4*len(d.Paths))
	seen := make(map[string]bool, 4*len(d.Paths))
	// By path, so that of two operations with one id the same is kept
	// every time.
	paths := make([]string, 0, len(d.Paths))
	for path := range d.Paths {
		paths = append(paths, path)
	}
	slices.Sort(paths)
	for _, path := range paths {
		item := d.Paths[path]
		if item == nil {
			continue
		}
		for _, m := range [...]struct {
			method string
			op     *wireOp
		}{{"GET", item.Get}, {"PUT", item.Put}, {"POST", item.Post}, {"DELETE", item.Delete},
			{"OPTIONS", item.Options}, {"HEAD", item.Head}, {"PATCH", item.Patch}} {
			if m.op == nil || m.op.OperationID == "" || seen[m.op.OperationID] {
				continue
			}
			seen[m.op.OperationID] = true
			ops = append(ops, p.operation(m.method, path, m.op, item.Parameters))
		}
	}
	slices.SortFunc(ops, func(a, b Operation) int { return strings.Compare(a.ID, b.ID) })
	return ops, nil
}

// parser turns wire operations into records.
type parser struct {
	ref     DocRef
	schemas map[string]wireSchema
	// descriptions holds one copy of each parameter description: a
	// document repeats the same few hundred times, and the index keeps them.
	descriptions map[string]string
}

func (p *parser) operation(method, path string, o *wireOp, shared []wireParam) Operation {
	op := Operation{
		ID: o.OperationID, Method: method, Path: path, Action: o.Action,
		Description: o.Description, Streaming: streaming(o.Action),
		Params: p.params(path, shared, o.Parameters),
	}
	if o.GVK != nil {
		op.Kind = o.GVK.Kind
	}
	ref := o.Responses.OK.Content.JSON.Schema.Ref
	if ref == "" {
		ref = o.Responses.Created.Content.JSON.Schema.Ref
	}
	op.ResponseKind = p.kind(ref).Kind
	if rb := o.RequestBody; rb != nil {
		body := &Body{Required: rb.Required, ContentTypes: make([]string, 0, len(rb.Content))}
		for ct := range rb.Content {
			body.ContentTypes = append(body.ContentTypes, ct)
		}
		slices.Sort(body.ContentTypes)
		gvk := p.kind(mediaRef(rb.Content))
		body.Kind = gvk.Kind
		if gvk.Version != "" {
			body.GroupVersion = gvk.Version
			if gvk.Group != "" {
				body.GroupVersion = gvk.Group + "/" + gvk.Version
			}
		}
		op.Body = body
	}
	return op
}

// mediaRef returns the schema $ref of application/json, else of the first
// media type, by name, that has one.
func mediaRef(content map[string]wireMedia) string {
	if m, ok := content["application/json"]; ok && m.Schema.Ref != "" {
		return m.Schema.Ref
	}
	best := ""
	for ct, m := range content {
		if m.Schema.Ref != "" && (best == "" || ct < best) {
			best = ct
		}
	}
	return content[best].Schema.Ref
}

// kind returns the group-version-kind of the schema that ref names: of
// several, the document's own group-version's, else the first. The patch
// schema is "Patch"; a schema without one, or a ref to nothing, gives none.
func (p *parser) kind(ref string) wireGVK {
	if ref == patchSchema {
		return wireGVK{Kind: "Patch"}
	}
	name, ok := strings.CutPrefix(ref, "#/components/schemas/")
	if !ok {
		return wireGVK{}
	}
	gvks := p.schemas[name].GVKs
	for _, g := range gvks {
		if g.Group == p.ref.Group && g.Version == p.ref.Version {
			return g
		}
	}
	if len(gvks) == 0 {
		return wireGVK{}
	}
	return gvks[0]
}

// params merges path-level and operation-level parameters (the operation's
// win) and sorts them: path parameters in template order, then query
// parameters by name, then any others by name.
func (p *parser) params(path string, shared, own []wireParam) []Parameter {
	ps := make([]Parameter, 0, len(shared)+len(own))
	for _, list := range [2][]wireParam{shared, own} {
		for _, w := range list {
			typ := w.Schema.Type
			if typ == "" {
				typ = "string"
			}
			desc, ok := p.descriptions[w.Description]
			if !ok {
				desc = w.Description
				p.descriptions[desc] = desc
			}
			np := Parameter{Name: w.Name, In: w.In, Required: w.Required || w.In == "path", Type: typ, Description: desc}
			if i := slices.IndexFunc(ps, func(q Parameter) bool { return q.Name == w.Name && q.In == w.In }); i >= 0 {
				ps[i] = np
			} else {
				ps = append(ps, np)
			}
		}
	}
	rank := func(q Parameter) (group, pos int) {
		switch q.In {
		case "path":
			if i := strings.Index(path, "{"+q.Name+"}"); i >= 0 {
				return 0, i
			}
			return 0, len(path)
		case "query":
			return 1, 0
		}
		return 2, 0
	}
	slices.SortStableFunc(ps, func(a, b Parameter) int {
		ga, ia := rank(a)
		gb, ib := rank(b)
		if ga != gb {
			return ga - gb
		}
		if ia != ib {
			return ia - ib
		}
		return strings.Compare(a.Name, b.Name)
	})
	return ps
}
