package kobj

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
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

// UnknownOperationError reports an operation name that none of the server's
// OpenAPI documents defines, even after the server's list of documents was
// fetched again. Suggestions holds the closest names, nearest first. Test for
// it with errors.As.
type UnknownOperationError struct {
	Name        string
	Suggestions []string
}

// Error names the name and the closest known names.
func (e *UnknownOperationError) Error() string {
	msg := fmt.Sprintf("kobj: the server has no operation %q", e.Name)
	if len(e.Suggestions) > 0 {
		msg += "; did you mean " + strings.Join(e.Suggestions, ", ") + "?"
	}
	return msg
}

// AmbiguousOperationError reports a short operation name that several
// group-versions define, none of them the apiVersion the call gave.
// Candidates holds their full operationIds; calling one of them, or giving
// the object's apiVersion, resolves it. Test for it with errors.As.
type AmbiguousOperationError struct {
	Name       string
	Candidates []string
}

// Error names the name and the full names it could mean.
func (e *AmbiguousOperationError) Error() string {
	return fmt.Sprintf("kobj: operation %q is defined in several group-versions: %s; call one of these or give the apiVersion",
		e.Name, strings.Join(e.Candidates, ", "))
}

// opsIndex maps operation names to operations, built from the server's
// OpenAPI v3 documents one group-version at a time. Documents are fetched
// only when a name needs them and kept on disk under the hash the server
// publishes (they are immutable), so a warm process fetches nothing. The list
// of documents (GET /openapi/v3) is kept on disk too, and fetched again once
// when a name cannot be found with it. It is safe for concurrent use.
type opsIndex struct {
	c   *Client
	dir string // on-disk cache folder; "" for memory only

	mu       sync.Mutex
	root     *opsRoot // nil until loaded
	seq      uint64   // root loads started so far
	rootLoad *rootLoad
	docs     map[string]*docLoad // by key?hash
	// resolved remembers the answers of resolve for the current root, so
	// that a name called again is one map read, not a search of documents
	// (and of discovery, for a short name).
	resolved     map[resolveKey]*Operation
	resolvedRoot *opsRoot
}

type resolveKey struct{ name, apiVersion string }

// opsRoot is one snapshot of the server's list of documents.
type opsRoot struct {
	seq   uint64 // of the load that fetched it; 0 when read from disk
	refs  []*docRef
	byGV  map[string]*docRef // group-version documents by "apps/v1"
	plain []*docRef          // documents whose operationIds carry no token: version, apis, .well-known/…
}

// rootLoad is one root load in flight; others wait on done.
type rootLoad struct {
	seq      uint64
	fromDisk bool // a disk copy will do
	done     chan struct{}
	root     *opsRoot // set before done is closed
	err      error
}

// opsDoc is one parsed document; never modified once built.
type opsDoc struct {
	ref     *docRef
	ops     []*Operation // by ID
	byID    map[string]*Operation
	byShort map[string][]*Operation
}

// docLoad is one document, loading or loaded.
type docLoad struct {
	done chan struct{}
	doc  *opsDoc // set before done is closed
	err  error
}

const opsRootFile = "root.json"

// newOpsIndex returns the index of c's server, caching documents in dir
// ("" keeps them in memory only).
func newOpsIndex(c *Client, dir string) *opsIndex {
	return &opsIndex{c: c, dir: dir, docs: map[string]*docLoad{}}
}

// resolve finds an operation by full operationId or short name. apiVersion,
// when not "", is the object's apiVersion and picks among group-versions
// sharing a short name. It fails with *UnknownOperationError or
// *AmbiguousOperationError.
func (x *opsIndex) resolve(ctx context.Context, name, apiVersion string) (*Operation, error) {
	if name == "" {
		return nil, &UnknownOperationError{}
	}
	key := resolveKey{name, apiVersion}
	x.mu.Lock()
	op, known := x.resolved[key]
	if known && x.resolvedRoot != x.root {
		known = false // the root changed: so may the answer
	}
	x.mu.Unlock()
	if known {
		return op, nil
	}
	op, err := x.search(ctx, name, apiVersion)
	if err == nil {
		x.mu.Lock()
		if x.resolvedRoot != x.root {
			x.resolved, x.resolvedRoot = map[resolveKey]*Operation{}, x.root
		}
		x.resolved[key] = op
		x.mu.Unlock()
	}
	return op, err
}

// search finds an operation in the documents, loading what it needs.
func (x *opsIndex) search(ctx context.Context, name, apiVersion string) (*Operation, error) {
	root, start, err := x.currentRoot(ctx)
	if err != nil {
		return nil, err
	}
	op, err := x.find(ctx, root, name, apiVersion, false)
	var unknown *UnknownOperationError
	if op != nil || !errors.As(err, &unknown) {
		return op, err
	}
	if root.seq <= start {
		// Our list may predate the operation (a CRD created a second ago).
		if root, err = x.loadRoot(ctx, true, root.seq); err != nil {
			return nil, err
		}
		if op, err = x.find(ctx, root, name, apiVersion, false); op != nil || !errors.As(err, &unknown) {
			return op, err
		}
	}
	// Nothing in the name says where it lives: look everywhere.
	return x.find(ctx, root, name, apiVersion, true)
}

// currentRoot returns the document list as known now, and the number of
// root loads started before it, so that a caller can tell whether a root it
// holds was fetched during its call.
func (x *opsIndex) currentRoot(ctx context.Context) (*opsRoot, uint64, error) {
	x.mu.Lock()
	start := x.seq
	x.mu.Unlock()
	root, err := x.loadRoot(ctx, false, 0)
	return root, start, err
}

// operations lists the operations of one group-version ("apps/v1", "v1"),
// or of every document when gv is "", sorted by document and then by ID.
func (x *opsIndex) operations(ctx context.Context, gv string) ([]*Operation, error) {
	root, start, err := x.currentRoot(ctx)
	if err != nil {
		return nil, err
	}
	refs := root.refs
	if gv != "" {
		r := root.byGV[gv]
		if r == nil && root.seq <= start {
			if root, err = x.loadRoot(ctx, true, root.seq); err != nil {
				return nil, err
			}
			r = root.byGV[gv]
		}
		if r == nil {
			return nil, fmt.Errorf("kobj: the server publishes no OpenAPI document for %s", gv)
		}
		refs = []*docRef{r}
	}
	docs, errs := x.loadDocs(ctx, refs)
	if gone(errs) && root.seq <= start {
		// A document of the root has gone (a CRD deleted since the root
		// was fetched): fetch the root again, once, and load what it lists.
		if root, err = x.loadRoot(ctx, true, root.seq); err != nil {
			return nil, err
		}
		if gv == "" {
			refs = root.refs
		} else if r := root.byGV[gv]; r != nil {
			refs = []*docRef{r}
		} else {
			return nil, fmt.Errorf("kobj: the server publishes no OpenAPI document for %s", gv)
		}
		docs, errs = x.loadDocs(ctx, refs)
	}
	var failed []error
	for _, err := range errs {
		if !apierrors.IsNotFound(err) || gv != "" {
			failed = append(failed, err) // a document gone in the meantime is skipped
		}
	}
	if err := errors.Join(failed...); err != nil {
		return nil, err
	}
	var ops []*Operation
	for _, d := range docs {
		if d != nil {
			ops = append(ops, d.ops...)
		}
	}
	return ops, nil
}

// gone reports whether any error says a document no longer exists.
func gone(errs []error) bool {
	return slices.ContainsFunc(errs, apierrors.IsNotFound)
}

// find looks name up in the documents of root that may define it. Without
// all, it stops short of loading every document.
func (x *opsIndex) find(ctx context.Context, root *opsRoot, name, apiVersion string, all bool) (*Operation, error) {
	_, rest := splitVerb(name)
	// A full operationId carries its document's token after the verb.
	var full []*docRef
	for _, r := range root.refs {
		if r.token != "" && strings.HasPrefix(rest, r.token) {
			full = append(full, r)
		}
	}
	slices.SortStableFunc(full, func(a, b *docRef) int { return len(b.token) - len(a.token) })
	for _, r := range full {
		d, err := x.loadDoc(ctx, r)
		if err != nil && !apierrors.IsNotFound(err) {
			return nil, err
		}
		if d != nil && d.byID[name] != nil {
			return d.byID[name], nil
		}
	}
	// A short name: the object's group-version, else those serving the
	// kinds the name mentions, else those without a token, else all.
	if r := root.byGV[apiVersion]; r != nil {
		d, err := x.loadDoc(ctx, r)
		if err != nil && !apierrors.IsNotFound(err) {
			return nil, err
		}
		if d != nil && len(d.byShort[name]) > 0 {
			return d.byShort[name][0], nil
		}
	}
	phases := [][]*docRef{x.kindDocs(ctx, root, rest), root.plain}
	if all {
		phases = append(phases, root.refs)
	}
	var failed []error
	for _, refs := range phases {
		docs, errs := x.loadDocs(ctx, refs)
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		for _, err := range errs {
			if !apierrors.IsNotFound(err) { // a document gone since the root was read
				failed = append(failed, err)
			}
		}
		var found []*Operation
		for _, d := range docs {
			switch {
			case d == nil:
			case d.byID[name] != nil:
				found = append(found, d.byID[name])
			default:
				found = append(found, d.byShort[name]...)
			}
		}
		if len(found) > 0 {
			return pickOperation(name, apiVersion, found)
		}
	}
	return nil, errors.Join(x.unknown(name, root), errors.Join(failed...))
}

// pickOperation chooses among the operations a name matched.
func pickOperation(name, apiVersion string, found []*Operation) (*Operation, error) {
	slices.SortFunc(found, func(a, b *Operation) int { return strings.Compare(a.ID, b.ID) })
	found = slices.Compact(found)
	if len(found) == 1 {
		return found[0], nil
	}
	var ids []string
	for _, op := range found {
		if op.GroupVersion == apiVersion && apiVersion != "" {
			return op, nil
		}
		ids = append(ids, op.ID)
	}
	return nil, &AmbiguousOperationError{Name: name, Candidates: ids}
}

// kindDocs returns the group-version documents that serve a kind named in
// rest, the part of an operation name after its verb, as discovery knows
// them. At each word, the longest kind wins: "NamespacedRoleBinding" names
// RoleBinding, not Binding. Discovery failing only means looking further.
func (x *opsIndex) kindDocs(ctx context.Context, root *opsRoot, rest string) []*docRef {
	if x.c == nil || x.c.disc == nil || rest == "" {
		return nil
	}
	res, err := x.c.disc.resources(ctx)
	if err != nil {
		return nil
	}
	gvs := map[string][]string{}
	for _, r := range res {
		gv := r.Version
		if r.Group != "" {
			gv = r.Group + "/" + r.Version
		}
		gvs[r.Kind] = append(gvs[r.Kind], gv)
	}
	var refs []*docRef
	for i := 0; i < len(rest); {
		best := ""
		if unicode.IsUpper(rune(rest[i])) {
			for kind := range gvs {
				end := i + len(kind)
				if len(kind) > len(best) && strings.HasPrefix(rest[i:], kind) && (end == len(rest) || unicode.IsUpper(rune(rest[end]))) {
					best = kind
				}
			}
		}
		if best == "" {
			i++
			continue
		}
		for _, gv := range gvs[best] {
			if r := root.byGV[gv]; r != nil && !slices.Contains(refs, r) {
				refs = append(refs, r)
			}
		}
		i += len(best)
	}
	return refs
}

// unknown builds the error for a name no loaded document of root defines,
// suggesting the closest names among them.
func (x *opsIndex) unknown(name string, root *opsRoot) *UnknownOperationError {
	type near struct {
		name string
		d    int
	}
	var nears []near
	seen := map[string]bool{}
	limit := max(3, len(name)/3)
	x.mu.Lock()
	loads := make([]*docLoad, 0, len(root.refs))
	for _, r := range root.refs {
		if l := x.docs[docKey(r)]; l != nil {
			loads = append(loads, l)
		}
	}
	x.mu.Unlock()
	for _, l := range loads {
		select {
		case <-l.done:
		default:
			continue
		}
		if l.doc == nil {
			continue
		}
		for _, op := range l.doc.ops {
			for _, n := range []string{op.ID, op.ShortID} {
				if seen[n] {
					continue
				}
				seen[n] = true
				if d := nameDistance(name, n); d <= limit {
					nears = append(nears, near{n, d})
				}
			}
		}
	}
	slices.SortFunc(nears, func(a, b near) int {
		if a.d != b.d {
			return a.d - b.d
		}
		return strings.Compare(a.name, b.name)
	})
	e := &UnknownOperationError{Name: name}
	for _, n := range nears[:min(len(nears), 5)] {
		e.Suggestions = append(e.Suggestions, n.name)
	}
	return e
}
