package kobj

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/kobj-dev/kobj/internal/cachekit"
	"github.com/kobj-dev/kobj/internal/openapi"
	"github.com/kobj-dev/kobj/internal/suggest"
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

// opsIndex maps operation names to operations, built from the server's
// OpenAPI v3 documents one group-version at a time. Documents are fetched
// only when a name needs them and kept on disk under the hash the server
// publishes (they are immutable), so a warm process fetches nothing. The
// list of documents (GET /openapi/v3) is kept on disk too, and fetched
// again once when a name cannot be found with it. Which documents a name
// needs, discovery tells: the group-version its token names, else those
// serving the kinds it mentions. It is safe for concurrent use.
type opsIndex struct {
	c    *Client
	dir  *cachekit.Dir
	root *cachekit.Snapshot[*opsRoot]

	mu   sync.Mutex
	docs map[string]*cachekit.Snapshot[*opsDoc] // by docKey
	// resolved remembers the answers of resolve for the current root, so
	// that a name called again is one map read, not a search of documents
	// (and of discovery, for a short name).
	resolved     map[resolveKey]*Operation
	resolvedRoot *opsRoot
}

type resolveKey struct{ name, apiVersion string }

// opsRoot is one snapshot of the server's list of documents.
type opsRoot struct {
	refs  []*openapi.DocRef
	byGV  map[string]*openapi.DocRef // group-version documents by "apps/v1"
	plain []*openapi.DocRef          // documents whose operationIds carry no token: version, apis, .well-known/…
}

// opsDoc is one parsed document; never modified once built.
type opsDoc struct {
	ops     []*Operation // by ID
	byID    map[string]*Operation
	byShort map[string][]*Operation
}

// newOpsIndex returns the index of c's server, caching documents in dir
// (nil keeps them in memory only).
func newOpsIndex(c *Client, dir *cachekit.Dir) *opsIndex {
	x := &opsIndex{c: c, dir: dir, docs: map[string]*cachekit.Snapshot[*opsDoc]{}}
	x.root = cachekit.NewSnapshot(x.loadRoot)
	return x
}

// newOpsDoc builds the operations of one document from its records.
func newOpsDoc(records []openapi.Operation, ref *openapi.DocRef) *opsDoc {
	d := &opsDoc{ops: make([]*Operation, len(records)), byID: make(map[string]*Operation, len(records)), byShort: map[string][]*Operation{}}
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

// resolve finds an operation by full operationId or short name. apiVersion,
// when not "", is the object's apiVersion and picks among group-versions
// sharing a short name. It fails with *UnknownOperationError or
// *AmbiguousOperationError.
func (x *opsIndex) resolve(ctx context.Context, name, apiVersion string) (*Operation, error) {
	if name == "" {
		return nil, &UnknownOperationError{}
	}
	key := resolveKey{name, apiVersion}
	cur, _ := x.root.Current()
	x.mu.Lock()
	op, known := x.resolved[key]
	if known && (cur == nil || x.resolvedRoot != cur.Value) {
		known = false // the root changed: so may the answer
	}
	x.mu.Unlock()
	if known {
		return op, nil
	}
	op, root, err := x.search(ctx, name, apiVersion)
	if err == nil {
		x.mu.Lock()
		if x.resolvedRoot != root {
			x.resolved, x.resolvedRoot = map[resolveKey]*Operation{}, root
		}
		x.resolved[key] = op
		x.mu.Unlock()
	}
	return op, err
}

// search finds an operation in the documents, loading what it needs, and
// returns it with the list of documents it was found with.
func (x *opsIndex) search(ctx context.Context, name, apiVersion string) (*Operation, *opsRoot, error) {
	root, start, err := x.currentRoot(ctx)
	if err != nil {
		return nil, nil, err
	}
	op, err := x.find(ctx, root.Value, name, apiVersion)
	if err != nil || (op != nil && !elsewhere(op, name, apiVersion)) {
		return op, root.Value, err
	}
	other := op
	if root.Gen <= start {
		// Our list may predate the operation (a CRD created a second ago).
		if root, err = x.root.Get(ctx, true, start); err != nil {
			return nil, nil, err
		}
		if op, err = x.find(ctx, root.Value, name, apiVersion); op != nil || err != nil {
			return op, root.Value, err
		}
	}
	if other != nil {
		return other, root.Value, nil // the short name is served elsewhere only
	}
	op, err = x.lastResort(ctx, root.Value, name, apiVersion)
	return op, root.Value, err
}

// elsewhere reports a short name found only in another group-version than
// the object's: the object's own document may be newer than the list of
// documents (two CRDs of one kind, the second created a second ago), so
// the list is fetched again before the other group-version's operation is
// taken.
func elsewhere(op *Operation, name, apiVersion string) bool {
	return apiVersion != "" && name != op.ID && op.GroupVersion != apiVersion
}

// currentRoot returns the document list as known now, and the number of
// root loads started before it, so that a caller can tell whether a root it
// holds was fetched during its call.
func (x *opsIndex) currentRoot(ctx context.Context) (*cachekit.Version[*opsRoot], uint64, error) {
	_, start := x.root.Current()
	root, err := x.root.Get(ctx, false, 0)
	return root, start, err
}

// find looks name up where it can be told to be: the document whose token
// the name carries, the object's group-version's, those serving the kinds
// the name mentions, and those outside group-versions that cost no
// request. It returns nil and no error when none has it.
func (x *opsIndex) find(ctx context.Context, root *opsRoot, name, apiVersion string) (*Operation, error) {
	_, rest := openapi.SplitVerb(name)
	// A full operationId carries its document's token after the verb: the
	// longest that fits, or, at no cost, a shorter one ("Apps" for
	// "AppsV1").
	full := root.tokenDocs(rest)
	if len(full) > 1 {
		full = append(full[:1], x.atHand(full[1:])...)
	}
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
	// kinds the name mentions, else those without a token already at hand.
	if r := root.byGV[apiVersion]; r != nil {
		d, err := x.loadDoc(ctx, r)
		if err != nil && !apierrors.IsNotFound(err) {
			return nil, err
		}
		if d != nil && len(d.byShort[name]) > 0 {
			return d.byShort[name][0], nil
		}
	}
	for _, refs := range [][]*openapi.DocRef{x.kindDocs(ctx, root, rest), x.atHand(root.plain)} {
		op, _, err := x.findIn(ctx, refs, name, apiVersion)
		if op != nil || err != nil {
			return op, err
		}
	}
	return nil, nil
}

// lastResort tells a misspelled name from one whose document is not at
// hand: one outside group-versions, or of a document with a shorter token
// than the name's longest. The documents of the group-versions the name
// nearly mentions (in its token or its kinds) give the suggestions. When
// some of them must be fetched, those outside group-versions come along,
// in parallel: they are few and small, and once at hand a later name
// near nothing costs no document. Only when no suggestion is found are
// the other documents fetched, which may have the name, or something near
// it.
func (x *opsIndex) lastResort(ctx context.Context, root *opsRoot, name, apiVersion string) (*Operation, error) {
	refs := x.nearDocs(ctx, root, name, apiVersion)
	if len(x.atHand(refs)) < len(refs) {
		refs = append(slices.Clip(refs), root.plain...)
	}
	op, docs, err := x.findIn(ctx, refs, name, apiVersion)
	var ambiguous *AmbiguousOperationError
	if op != nil || ctx.Err() != nil || errors.As(err, &ambiguous) {
		return op, err
	}
	failed := []error{err}
	suggestions := closestOperations(name, docs)
	if len(suggestions) == 0 {
		others := slices.Clip(root.plain)
		if _, rest := openapi.SplitVerb(name); len(root.tokenDocs(rest)) > 1 {
			others = append(others, root.tokenDocs(rest)[1:]...)
		}
		op, more, err := x.findIn(ctx, others, name, apiVersion)
		if op != nil || ctx.Err() != nil || errors.As(err, &ambiguous) {
			return op, err
		}
		failed = append(failed, err)
		suggestions = closestOperations(name, append(docs, more...))
	}
	return nil, errors.Join(&UnknownOperationError{Name: name, Suggestions: suggestions}, errors.Join(failed...))
}

// closestOperations returns the names in docs nearest to name, nearest first.
func closestOperations(name string, docs []*opsDoc) []string {
	var names []string
	for _, d := range docs {
		if d == nil {
			continue
		}
		for _, op := range d.ops {
			names = append(names, op.ID, op.ShortID)
		}
	}
	return suggest.Closest(name, names, -1, 5)
}

// findIn looks name up in refs, loading them, and returns what it found
// with the documents. A document gone since the root was read is skipped;
// other failures are the error when nothing is found.
func (x *opsIndex) findIn(ctx context.Context, refs []*openapi.DocRef, name, apiVersion string) (*Operation, []*opsDoc, error) {
	if len(refs) == 0 {
		return nil, nil, nil
	}
	docs, failed := x.loadDocs(ctx, refs)
	if err := ctx.Err(); err != nil {
		return nil, docs, err
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
		op, err := pickOperation(name, apiVersion, found)
		return op, docs, err
	}
	return nil, docs, ignoreGone(failed)
}

// ignoreGone joins errs, leaving out those that say a document is gone.
func ignoreGone(errs []error) error {
	return errors.Join(slices.DeleteFunc(errs, apierrors.IsNotFound)...)
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

// nearDocs returns the documents a misspelled name most likely meant to
// name: the one whose token it carries (the longest), the object's
// group-version's, and those serving the kinds it mentions best, exactly or
// nearly.
func (x *opsIndex) nearDocs(ctx context.Context, root *opsRoot, name, apiVersion string) []*openapi.DocRef {
	_, rest := openapi.SplitVerb(name)
	var refs []*openapi.DocRef
	add := func(r *openapi.DocRef) {
		if r != nil && !slices.Contains(refs, r) {
			refs = append(refs, r)
		}
	}
	if full := root.tokenDocs(rest); len(full) > 0 {
		add(full[0])
		rest = rest[len(full[0].Token):]
	}
	add(root.byGV[apiVersion])
	if rest == "" {
		rest = name // all lower case: "listnamespacedpod"
	}
	for _, gv := range x.nearKinds(ctx, rest) {
		add(root.byGV[gv])
	}
	return refs
}

// nearKinds returns the group-versions serving the kinds that rest, the
// part of an operation name after its verb and token, mentions best: a
// kind counts when a part of rest is within a quarter of the kind's length
// of edits of it ("Pood" for Pod, "Deploymnet" for Deployment), and of
// those the kinds matching the most letters win, so that the short kinds
// hidden in every long name (Pod in PodTemplate) add no documents.
func (x *opsIndex) nearKinds(ctx context.Context, rest string) []string {
	kinds := x.kindVersions(ctx)
	// Words of operationIds that hold a kind's name without naming it.
	text := strings.NewReplacer("ForAllNamespaces", " ", "Namespaced", " ").Replace(rest)
	best, winners := 0, []string(nil)
	for kind := range kinds {
		d := suggest.SubstringDistance(kind, text)
		if d > (len(kind)+1)/4 {
			continue
		}
		switch score := len(kind) - d; {
		case score > best:
			best, winners = score, []string{kind}
		case score == best:
			winners = append(winners, kind)
		}
	}
	var gvs []string
	for _, kind := range winners {
		gvs = append(gvs, kinds[kind]...)
	}
	return gvs
}

// kindDocs returns the group-version documents that serve a kind named in
// rest, the part of an operation name after its verb, as discovery knows
// them. At each word, the longest kind wins: "NamespacedRoleBinding" names
// RoleBinding, not Binding.
func (x *opsIndex) kindDocs(ctx context.Context, root *opsRoot, rest string) []*openapi.DocRef {
	kinds := x.kindVersions(ctx)
	var refs []*openapi.DocRef
	for i := 0; i < len(rest); {
		best := ""
		if isUpper(rest[i]) {
			for kind := range kinds {
				end := i + len(kind)
				if len(kind) > len(best) && strings.HasPrefix(rest[i:], kind) && (end == len(rest) || isUpper(rest[end])) {
					best = kind
				}
			}
		}
		if best == "" {
			i++
			continue
		}
		for _, gv := range kinds[best] {
			if r := root.byGV[gv]; r != nil && !slices.Contains(refs, r) {
				refs = append(refs, r)
			}
		}
		i += len(best)
	}
	return refs
}

// kindVersions returns the group-versions serving each kind, as discovery
// knows them; nil when discovery fails, which only means looking further.
func (x *opsIndex) kindVersions(ctx context.Context) map[string][]string {
	if x.c == nil || x.c.disc == nil {
		return nil
	}
	res, err := x.c.disc.resources(ctx)
	if err != nil {
		return nil
	}
	kinds := map[string][]string{}
	for _, r := range res {
		if gv := r.APIVersion(); !slices.Contains(kinds[r.Kind], gv) {
			kinds[r.Kind] = append(kinds[r.Kind], gv)
		}
	}
	return kinds
}

// operations lists the operations of one group-version ("apps/v1", "v1"),
// or of every document when gv is "", sorted by document and then by ID.
func (x *opsIndex) operations(ctx context.Context, gv string) ([]*Operation, error) {
	root, start, err := x.currentRoot(ctx)
	if err != nil {
		return nil, err
	}
	refs, err := root.Value.docsOf(gv)
	if err != nil && root.Gen <= start {
		if root, err = x.root.Get(ctx, true, start); err != nil {
			return nil, err
		}
		refs, err = root.Value.docsOf(gv)
	}
	if err != nil {
		return nil, err
	}
	docs, errs := x.loadDocs(ctx, refs)
	if slices.ContainsFunc(errs, apierrors.IsNotFound) && root.Gen <= start {
		// A document of the root has gone (a CRD deleted since the root
		// was fetched): fetch the root again, once, and load what it lists.
		if root, err = x.root.Get(ctx, true, start); err != nil {
			return nil, err
		}
		if refs, err = root.Value.docsOf(gv); err != nil {
			return nil, err
		}
		docs, errs = x.loadDocs(ctx, refs)
	}
	if gv == "" {
		errs = slices.DeleteFunc(errs, apierrors.IsNotFound) // a document gone in the meantime is skipped
	}
	if err := errors.Join(errs...); err != nil {
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

// Operations lists the operations the server's OpenAPI documents describe,
// sorted by group-version and name: all of them when of is empty, else
// those of each group-version ("apps/v1", "v1") or kind ("Deployment",
// which may be served by several group-versions) that of names. Only the
// documents needed are fetched, and they are cached like the index. It
// fails when the server publishes no document for a group-version, or
// serves no such kind.
func (c *Client) Operations(ctx context.Context, of ...string) (_ []*Operation, err error) {
	defer wrapCall(&err, "Operations")
	if len(of) == 0 {
		return c.ops.operations(ctx, "")
	}
	var out []*Operation
	for _, sel := range of {
		if sel == "" || !isUpper(sel[0]) {
			ops, err := c.ops.operations(ctx, sel)
			if err != nil {
				return nil, err
			}
			out = append(out, ops...)
			continue
		}
		res, err := c.disc.resources(ctx)
		if err != nil {
			return nil, err
		}
		found := false
		for _, r := range res {
			if r.Kind != sel {
				continue
			}
			found = true
			ops, err := c.ops.operations(ctx, r.APIVersion())
			if err != nil {
				return nil, err
			}
			for _, op := range ops {
				if op.Kind == sel {
					out = append(out, op)
				}
			}
		}
		if !found {
			return nil, fmt.Errorf("the server serves no kind %q", sel)
		}
	}
	return out, nil
}

func isUpper(b byte) bool { return b >= 'A' && b <= 'Z' }
