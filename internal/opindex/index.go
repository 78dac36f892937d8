package opindex

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/kobj-dev/kobj/internal/cachekit"
	"github.com/kobj-dev/kobj/internal/discoveryindex"
	"github.com/kobj-dev/kobj/internal/openapi"
	"github.com/kobj-dev/kobj/internal/suggest"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// Config is what an Index needs from its owner.
type Config struct {
	// Get GETs path, with query when it is not nil, from the server and
	// returns the body and the headers of a 2xx answer; any other answer is
	// an error (a 404 one that apierrors.IsNotFound recognises).
	Get func(ctx context.Context, path string, query url.Values) ([]byte, http.Header, error)
	// Resources lists the kinds the server serves, as discovery knows them.
	// Nil, or an error, only means that names are looked for further.
	Resources func(ctx context.Context) ([]*discoveryindex.Resource, error)
	// Unknown and Ambiguous build the errors Resolve reports for a name no
	// document defines (the closest names, nearest first) and for a short
	// name several group-versions define (their full operationIds), so that
	// the error types stay the owner's.
	Unknown   func(name string, suggestions []string) error
	Ambiguous func(name string, candidates []string) error
	// Dir is the cache folder of the documents; nil keeps them in memory.
	Dir *cachekit.Dir
}

// Index maps operation names to operations, built from the server's
// OpenAPI v3 documents one group-version at a time. Documents are fetched
// only when a name needs them and kept on disk under the hash the server
// publishes (they are immutable), so a warm process fetches nothing. The
// list of documents (GET /openapi/v3) is kept on disk too, and fetched
// again once when a name cannot be found with it. Which documents a name
// needs, discovery tells: the group-version its token names, else those
// serving the kinds it mentions. It is safe for concurrent use.
type Index struct {
	cfg  Config
	root *cachekit.Snapshot[*docRoot]

	mu   sync.Mutex
	docs map[string]*cachekit.Snapshot[*Doc] // by docKey
	// resolved remembers the answers of Resolve for the current root, so
	// that a name called again is one map read, not a search of documents
	// (and of discovery, for a short name).
	resolved     map[resolveKey]*Operation
	resolvedRoot *docRoot
}

type resolveKey struct{ name, apiVersion string }

// New returns an empty index that loads what it needs through cfg.
func New(cfg Config) *Index {
	x := &Index{cfg: cfg, docs: map[string]*cachekit.Snapshot[*Doc]{}}
	x.root = cachekit.NewSnapshot(x.loadRoot)
	return x
}

// Resolve finds an operation by full operationId or short name. apiVersion,
// when not "", is the object's apiVersion and picks among group-versions
// sharing a short name. It fails with the error of Config.Unknown or
// Config.Ambiguous (the former joined with the failures to load documents
// that might have held the name), or with a failure to load the list of
// documents or ctx's error.
func (x *Index) Resolve(ctx context.Context, name, apiVersion string) (*Operation, error) {
	if name == "" {
		return nil, x.cfg.Unknown("", nil)
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
func (x *Index) search(ctx context.Context, name, apiVersion string) (*Operation, *docRoot, error) {
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
func (x *Index) currentRoot(ctx context.Context) (*cachekit.Version[*docRoot], uint64, error) {
	_, start := x.root.Current()
	root, err := x.root.Get(ctx, false, 0)
	return root, start, err
}

// find looks name up where it can be told to be: the document whose token
// the name carries, the object's group-version's, those serving the kinds
// the name mentions, and those outside group-versions that cost no
// request. It returns nil and no error when none has it.
func (x *Index) find(ctx context.Context, root *docRoot, name, apiVersion string) (*Operation, error) {
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
		op, _, _, err := x.findIn(ctx, refs, name, apiVersion)
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
func (x *Index) lastResort(ctx context.Context, root *docRoot, name, apiVersion string) (*Operation, error) {
	refs := x.nearDocs(ctx, root, name, apiVersion)
	if len(x.atHand(refs)) < len(refs) {
		refs = append(slices.Clip(refs), root.plain...)
	}
	op, docs, matched, err := x.findIn(ctx, refs, name, apiVersion)
	if op != nil || ctx.Err() != nil || matched {
		return op, err
	}
	failed := []error{err}
	suggestions := closestOperations(name, docs)
	if len(suggestions) == 0 {
		others := slices.Clip(root.plain)
		if _, rest := openapi.SplitVerb(name); len(root.tokenDocs(rest)) > 1 {
			others = append(others, root.tokenDocs(rest)[1:]...)
		}
		op, more, matched, err := x.findIn(ctx, others, name, apiVersion)
		if op != nil || ctx.Err() != nil || matched {
			return op, err
		}
		failed = append(failed, err)
		suggestions = closestOperations(name, append(docs, more...))
	}
	return nil, errors.Join(x.cfg.Unknown(name, suggestions), errors.Join(failed...))
}

// closestOperations returns the names in docs nearest to name, nearest first.
func closestOperations(name string, docs []*Doc) []string {
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
// with the documents; matched reports that name matched, though perhaps
// ambiguously (the error is then Config.Ambiguous's). A document gone
// since the root was read is skipped; other failures are the error when
// nothing is found.
func (x *Index) findIn(ctx context.Context, refs []*openapi.DocRef, name, apiVersion string) (_ *Operation, _ []*Doc, matched bool, _ error) {
	if len(refs) == 0 {
		return nil, nil, false, nil
	}
	docs, failed := x.loadDocs(ctx, refs)
	if err := ctx.Err(); err != nil {
		return nil, docs, false, err
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
		op, err := x.pick(name, apiVersion, found)
		return op, docs, true, err
	}
	return nil, docs, false, ignoreGone(failed)
}

// ignoreGone joins errs, leaving out those that say a document is gone.
func ignoreGone(errs []error) error {
	return errors.Join(slices.DeleteFunc(errs, apierrors.IsNotFound)...)
}

// pick chooses among the operations a name matched.
func (x *Index) pick(name, apiVersion string, found []*Operation) (*Operation, error) {
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
	return nil, x.cfg.Ambiguous(name, ids)
}
