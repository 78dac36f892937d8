package kobj

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"unicode"
)

// This file turns the server's OpenAPI v3 documents into Operations. The
// structs below are the only parts of a document the index reads; readOaDoc
// (ops_json.go) fills them, skipping everything else.

// oaRoot is GET /openapi/v3: one entry per document the server publishes.
type oaRoot struct {
	Paths map[string]struct {
		URL string `json:"serverRelativeURL"`
	} `json:"paths"`
}

// oaDoc is the part of one OpenAPI v3 document the index reads. Schemas stay
// raw: only those that operations reference are decoded, and of those only
// their group-version-kind.
type oaDoc struct {
	Paths      map[string]*oaPathItem `json:"paths"`
	Components struct {
		Schemas map[string]json.RawMessage `json:"schemas"`
	} `json:"components"`
}

type oaPathItem struct {
	Parameters []oaParam `json:"parameters"`
	Get        *oaOp     `json:"get"`
	Put        *oaOp     `json:"put"`
	Post       *oaOp     `json:"post"`
	Delete     *oaOp     `json:"delete"`
	Options    *oaOp     `json:"options"`
	Head       *oaOp     `json:"head"`
	Patch      *oaOp     `json:"patch"`
}

type oaOp struct {
	OperationID string         `json:"operationId"`
	Description string         `json:"description"`
	Parameters  []oaParam      `json:"parameters"`
	RequestBody *oaRequestBody `json:"requestBody"`
	Responses   struct {
		OK      *oaResponse `json:"200"`
		Created *oaResponse `json:"201"`
	} `json:"responses"`
	Action string `json:"x-kubernetes-action"`
	GVK    *oaGVK `json:"x-kubernetes-group-version-kind"`
}

type oaRequestBody struct {
	Required bool               `json:"required"`
	Content  map[string]oaMedia `json:"content"`
}

type oaParam struct {
	Name        string `json:"name"`
	In          string `json:"in"`
	Required    bool   `json:"required"`
	Description string `json:"description"`
	Schema      struct {
		Type string `json:"type"`
	} `json:"schema"`
}

type oaResponse struct {
	Content map[string]oaMedia `json:"content"`
}

type oaMedia struct {
	Schema struct {
		Ref string `json:"$ref"`
	} `json:"schema"`
}

type oaGVK struct {
	Group   string `json:"group"`
	Version string `json:"version"`
	Kind    string `json:"kind"`
}

// docRef is one entry of the root document: where a document is and what
// its operations are called.
type docRef struct {
	key            string // "api/v1", "apis/apps/v1", "apis/apps", "version"
	path, hash     string // GET path?hash=hash
	gv             string // "v1", "apps/v1"; "" when the document is not one group-version's
	group, version string
	token          string // what operationIds carry after the verb: "CoreV1", "AppsV1", "Apps", ""
}

// parseRoot reads GET /openapi/v3. The entries are sorted by key.
func parseRoot(data []byte) ([]*docRef, error) {
	var root oaRoot
	if err := json.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("kobj: decoding /openapi/v3: %w", err)
	}
	refs := make([]*docRef, 0, len(root.Paths))
	for key, p := range root.Paths {
		u, err := url.Parse(p.URL)
		if err != nil || u.Path == "" {
			continue // not something we can fetch
		}
		r := &docRef{key: key, path: u.Path, hash: u.Query().Get("hash"), token: operationToken(key)}
		parts := strings.Split(strings.Trim(key, "/"), "/")
		switch {
		case len(parts) == 2 && parts[0] == "api":
			r.version, r.gv = parts[1], parts[1]
		case len(parts) == 3 && parts[0] == "apis":
			r.group, r.version, r.gv = parts[1], parts[2], parts[1]+"/"+parts[2]
		}
		refs = append(refs, r)
	}
	slices.SortFunc(refs, func(a, b *docRef) int { return strings.Compare(a.key, b.key) })
	return refs, nil
}

// operationToken returns what the Kubernetes OpenAPI builder (apiserver's
// endpoints/openapi.GetOperationIDAndTags, also used for custom resources)
// inserts after the verb of the operationIds of the document at key: /api
// counts as group "core", a group loses its ".k8s.io" suffix, and group and
// version are camel-cased. "api/v1" → "CoreV1", "apis/rbac.authorization.k8s.io/v1"
// → "RbacAuthorizationV1", "apis/stable.example.com/v1" → "StableExampleComV1",
// "apis/apps" → "Apps", "version" and "apis" → "".
func operationToken(key string) string {
	parts := strings.Split(strings.Trim(key, "/"), "/")
	if parts[0] == "api" {
		parts = append([]string{"apis", "core"}, parts[1:]...)
	}
	if len(parts) < 2 || parts[0] != "apis" {
		return ""
	}
	t := validOperationID(strings.TrimSuffix(parts[1], ".k8s.io"))
	if len(parts) > 2 {
		t += validOperationID(parts[2])
	}
	return t
}

// validOperationID is apiserver's ToValidOperationID(s, true): drop what is
// not a letter, '_' or a non-leading digit, and upper-case the first letter
// and each letter after a dropped character.
func validOperationID(s string) string {
	var b strings.Builder
	capitalize := true
	for i, r := range s {
		if unicode.IsLetter(r) || r == '_' || (i != 0 && unicode.IsDigit(r)) {
			if capitalize {
				r = unicode.ToUpper(r)
				capitalize = false
			}
			b.WriteRune(r)
		} else {
			capitalize = true
		}
	}
	return b.String()
}

// splitVerb splits an operation name into its leading lower-case verb and
// the rest: "createCoreV1NamespacedPod" → "create", "CoreV1NamespacedPod".
func splitVerb(name string) (verb, rest string) {
	i := strings.IndexFunc(name, func(r rune) bool { return !unicode.IsLower(r) })
	if i < 0 {
		return name, ""
	}
	return name[:i], name[i:]
}

// shortID removes the document's token from id: createCoreV1NamespacedPod →
// createNamespacedPod. Operations outside a group-version keep their id.
func shortID(id string, ref *docRef) string {
	if ref.gv == "" || ref.token == "" {
		return id
	}
	verb, rest := splitVerb(id)
	if after, ok := strings.CutPrefix(rest, ref.token); ok && after != "" {
		return verb + after
	}
	return id
}

var streamingActions = map[string]bool{"watch": true, "watchlist": true, "connect": true, "proxy": true}

// parseOpsDoc reads one OpenAPI v3 document into its operations.
func parseOpsDoc(data []byte, ref *docRef) (*opsDoc, error) {
	var d oaDoc
	if err := readOaDoc(data, &d); err != nil {
		return nil, fmt.Errorf("kobj: decoding the OpenAPI document %s: %w", ref.key, err)
	}
	kinds := map[string]oaGVK{} // schema $ref → its group-version-kind
	kindOf := func(schemaRef string) oaGVK {
		if k, ok := kinds[schemaRef]; ok {
			return k
		}
		k := schemaKind(d.Components.Schemas, schemaRef, ref)
		kinds[schemaRef] = k
		return k
	}
	doc := &opsDoc{ref: ref, byID: map[string]*Operation{}, byShort: map[string][]*Operation{}}
	for path, item := range d.Paths {
		if item == nil {
			continue
		}
		for _, m := range [...]struct {
			method string
			op     *oaOp
		}{{"GET", item.Get}, {"PUT", item.Put}, {"POST", item.Post}, {"DELETE", item.Delete},
			{"OPTIONS", item.Options}, {"HEAD", item.Head}, {"PATCH", item.Patch}} {
			if m.op == nil || m.op.OperationID == "" {
				continue
			}
			op := newOperation(m.method, path, m.op, item.Parameters, ref, kindOf)
			if doc.byID[op.ID] != nil {
				continue // operationIds are unique; keep the first if a server says otherwise
			}
			doc.ops = append(doc.ops, op)
			doc.byID[op.ID] = op
			doc.byShort[op.ShortID] = append(doc.byShort[op.ShortID], op)
		}
	}
	slices.SortFunc(doc.ops, func(a, b *Operation) int { return strings.Compare(a.ID, b.ID) })
	return doc, nil
}

func newOperation(method, path string, o *oaOp, shared []oaParam, ref *docRef, kindOf func(string) oaGVK) *Operation {
	op := &Operation{
		ID: o.OperationID, ShortID: shortID(o.OperationID, ref),
		GroupVersion: ref.gv, Group: ref.group, Version: ref.version,
		Action: o.Action, Method: method, Path: path, Description: o.Description,
		Streaming: streamingActions[o.Action],
	}
	if o.GVK != nil {
		op.Kind = o.GVK.Kind
	}
	op.Params = mergeParams(path, shared, o.Parameters)
	for _, resp := range []*oaResponse{o.Responses.OK, o.Responses.Created} {
		if resp == nil {
			continue
		}
		if r := mediaRef(resp.Content); r != "" {
			op.ResponseKind = kindOf(r).Kind
		}
		break
	}
	if rb := o.RequestBody; rb != nil {
		body := &BodySpec{Required: rb.Required}
		for ct := range rb.Content {
			body.ContentTypes = append(body.ContentTypes, ct)
		}
		slices.Sort(body.ContentTypes)
		if r := mediaRef(rb.Content); r != "" {
			gvk := kindOf(r)
			body.Kind = gvk.Kind
			if gvk.Version != "" {
				body.GroupVersion = gvk.Version
				if gvk.Group != "" {
					body.GroupVersion = gvk.Group + "/" + gvk.Version
				}
			}
		}
		op.Body = body
	}
	return op
}

// mediaRef returns the schema $ref of application/json, else of the first
// media type that has one.
func mediaRef(content map[string]oaMedia) string {
	if m, ok := content["application/json"]; ok && m.Schema.Ref != "" {
		return m.Schema.Ref
	}
	keys := make([]string, 0, len(content))
	for k := range content {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if r := content[k].Schema.Ref; r != "" {
			return r
		}
	}
	return ""
}

// schemaKind decodes the x-kubernetes-group-version-kind of the schema that
// schemaRef names. A schema for several group-versions (DeleteOptions) gives
// the document's own, else its first. meta/v1 Patch has none; it is "Patch".
func schemaKind(schemas map[string]json.RawMessage, schemaRef string, ref *docRef) oaGVK {
	name, ok := strings.CutPrefix(schemaRef, "#/components/schemas/")
	if !ok {
		return oaGVK{}
	}
	if name == "io.k8s.apimachinery.pkg.apis.meta.v1.Patch" {
		return oaGVK{Kind: "Patch"}
	}
	raw := schemas[name]
	if raw == nil {
		return oaGVK{}
	}
	gvks, err := readSchemaGVKs(raw)
	if err != nil || len(gvks) == 0 {
		return oaGVK{}
	}
	for _, g := range gvks {
		if g.Group == ref.group && g.Version == ref.version {
			return g
		}
	}
	return gvks[0]
}

// mergeParams merges path-level and operation-level parameters (the
// operation's win) and sorts them: path parameters in template order, then
// query parameters by name, then any others by name.
func mergeParams(path string, shared, own []oaParam) []Parameter {
	var ps []Parameter
	add := func(p oaParam) {
		typ := p.Schema.Type
		if typ == "" {
			typ = "string"
		}
		np := Parameter{Name: p.Name, In: p.In, Required: p.Required || p.In == "path", Type: typ, Description: p.Description}
		for i := range ps {
			if ps[i].Name == p.Name && ps[i].In == p.In {
				ps[i] = np
				return
			}
		}
		ps = append(ps, np)
	}
	for _, p := range shared {
		add(p)
	}
	for _, p := range own {
		add(p)
	}
	rank := func(p Parameter) (int, int) {
		switch p.In {
		case "path":
			if i := strings.Index(path, "{"+p.Name+"}"); i >= 0 {
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
