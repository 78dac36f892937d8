package opindex

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/kobj-dev/kobj/internal/cachekit"
	"github.com/kobj-dev/kobj/internal/openapi"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Loading the index: the root document that lists the group-version
// documents, and the documents themselves, from memory, the disk cache or
// the server, one load per document however many callers ask.

// rootFile is the root's file in the cache folder; documents are filed
// under their hash.
const rootFile = "root.json"

// docRoot is one snapshot of the server's list of documents.
type docRoot struct {
	refs  []*openapi.DocRef
	byGV  map[string]*openapi.DocRef // group-version documents by "apps/v1"
	plain []*openapi.DocRef          // documents whose operationIds carry no token: version, apis, .well-known/…
}

// loadRoot is the root snapshot's load: the disk copy unless fresh, else
// (or without one) the server's, which is then written to the disk.
func (x *Index) loadRoot(ctx context.Context, fresh bool) (*docRoot, bool, error) {
	if !fresh {
		if data, err := x.cfg.Dir.Read(rootFile); err == nil {
			if refs, err := openapi.ParseRoot(data); err == nil && len(refs) > 0 {
				return newDocRoot(refs), false, nil
			}
		}
	}
	body, _, err := x.cfg.Get(ctx, "/openapi/v3", nil)
	if err != nil {
		return nil, false, fmt.Errorf("GET /openapi/v3: %w", err)
	}
	refs, err := openapi.ParseRoot(body)
	if err != nil {
		return nil, false, fmt.Errorf("GET /openapi/v3: %w", err)
	}
	x.cfg.Dir.Write(rootFile, body)
	return newDocRoot(refs), true, nil
}

// newDocRoot indexes the list of documents.
func newDocRoot(refs []openapi.DocRef) *docRoot {
	r := &docRoot{refs: make([]*openapi.DocRef, len(refs)), byGV: map[string]*openapi.DocRef{}}
	for i := range refs {
		ref := &refs[i]
		r.refs[i] = ref
		if ref.GroupVersion != "" {
			r.byGV[ref.GroupVersion] = ref
		}
		if ref.Token == "" {
			r.plain = append(r.plain, ref)
		}
	}
	return r
}

// tokenDocs returns the documents whose token starts rest, the part of an
// operation name after its verb, longest token first.
func (r *docRoot) tokenDocs(rest string) []*openapi.DocRef {
	var refs []*openapi.DocRef
	for _, ref := range r.refs {
		if ref.Token != "" && strings.HasPrefix(rest, ref.Token) {
			refs = append(refs, ref)
		}
	}
	slices.SortStableFunc(refs, func(a, b *openapi.DocRef) int { return len(b.Token) - len(a.Token) })
	return refs
}

// docsOf returns the document of group-version gv, or every document for "".
func (r *docRoot) docsOf(gv string) ([]*openapi.DocRef, error) {
	if gv == "" {
		return r.refs, nil
	}
	if ref := r.byGV[gv]; ref != nil {
		return []*openapi.DocRef{ref}, nil
	}
	return nil, fmt.Errorf("the server publishes no OpenAPI document for %s", gv)
}

func docKey(r *openapi.DocRef) string { return r.Key + "?" + r.Hash }

// docSnapshot returns the one snapshot of the document r names.
func (x *Index) docSnapshot(r *openapi.DocRef) *cachekit.Snapshot[*Doc] {
	key := docKey(r)
	x.mu.Lock()
	defer x.mu.Unlock()
	s := x.docs[key]
	if s == nil {
		s = cachekit.NewSnapshot(func(ctx context.Context, _ bool) (*Doc, bool, error) {
			d, err := x.readDoc(ctx, r)
			return d, true, err
		})
		x.docs[key] = s
	}
	return s
}

// loadDoc returns the parsed document r names: from memory, else from the
// disk, else from the server. Concurrent callers share one load; a failed
// load is tried again by the next caller.
func (x *Index) loadDoc(ctx context.Context, r *openapi.DocRef) (*Doc, error) {
	v, err := x.docSnapshot(r).Get(ctx, false, 0)
	if err != nil {
		return nil, err
	}
	return v.Value, nil
}

// loadDocs loads refs concurrently. docs[i] is nil where loading refs[i]
// failed; errs holds those failures.
func (x *Index) loadDocs(ctx context.Context, refs []*openapi.DocRef) (docs []*Doc, errs []error) {
	docs = make([]*Doc, len(refs))
	all := make([]error, len(refs))
	var wg sync.WaitGroup
	for i, r := range refs {
		wg.Go(func() { docs[i], all[i] = x.loadDoc(ctx, r) })
	}
	wg.Wait()
	for _, err := range all {
		if err != nil {
			errs = append(errs, err)
		}
	}
	return docs, errs
}

// atHand returns those of refs whose documents cost no request: loaded, or
// in the disk cache.
func (x *Index) atHand(refs []*openapi.DocRef) []*openapi.DocRef {
	var out []*openapi.DocRef
	for _, r := range refs {
		if v, _ := x.docSnapshot(r).Current(); v != nil {
			out = append(out, r)
		} else if file := hashFile(r.Hash); file != "" && x.cfg.Dir != nil {
			if _, err := os.Stat(filepath.Join(x.cfg.Dir.Path(), file)); err == nil {
				out = append(out, r)
			}
		}
	}
	return out
}

// readDoc reads a document from the disk, else fetches and stores it.
func (x *Index) readDoc(ctx context.Context, r *openapi.DocRef) (*Doc, error) {
	file := hashFile(r.Hash)
	if file != "" {
		if data, err := x.cfg.Dir.Read(file); err == nil {
			if records, err := openapi.ParseDocument(data, *r); err == nil {
				return NewDoc(records, r), nil
			}
			x.cfg.Dir.Remove(file) // corrupt: fetch it again
		}
	}
	var query url.Values
	if r.Hash != "" {
		query = url.Values{"hash": {r.Hash}}
	}
	body, header, err := x.cfg.Get(ctx, r.Path, query)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", r.Path, err)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		// What the server answers for a CRD's document right after the CRD
		// is deleted, before it answers 404.
		return nil, fmt.Errorf("GET %s: %w", r.Path, apierrors.NewNotFound(schema.GroupResource{Resource: "OpenAPI document"}, r.Key))
	}
	records, err := openapi.ParseDocument(body, *r)
	if err != nil {
		return nil, fmt.Errorf("the OpenAPI document %s: %w", r.Key, err)
	}
	// A hash the server no longer serves is redirected to the current
	// document: file it under the hash it has (its ETag).
	if etag := strings.Trim(header.Get("Etag"), `"`); etag != "" {
		file = hashFile(etag)
	}
	if file != "" {
		x.cfg.Dir.Write(file, body)
	}
	return NewDoc(records, r), nil
}

// hashFile returns the file name of the document with hash h: h itself
// when it is a plain token, else its SHA-256; "" for no hash.
func hashFile(h string) string {
	if h == "" {
		return ""
	}
	if len(h) <= 200 && strings.Trim(h, "0123456789ABCDEFabcdef") == "" {
		return h
	}
	sum := sha256.Sum256([]byte(h))
	return hex.EncodeToString(sum[:])
}
