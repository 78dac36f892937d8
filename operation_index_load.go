package kobj

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

// Loading the operation index: the root document that lists the
// group-version documents, and the documents themselves, from memory, the
// disk cache or the server, one load per document however many callers ask.

// opsRootFile is the root's file in the cache folder; documents are filed
// under their hash.
const opsRootFile = "root.json"

// loadRoot is the root snapshot's load: the disk copy unless fresh, else
// (or without one) the server's, which is then written to the disk.
func (x *opsIndex) loadRoot(ctx context.Context, fresh bool) (*opsRoot, bool, error) {
	if !fresh {
		if data, err := x.dir.Read(opsRootFile); err == nil {
			if refs, err := openapi.ParseRoot(data); err == nil && len(refs) > 0 {
				return newOpsRoot(refs), false, nil
			}
		}
	}
	resp, err := x.c.do(ctx, &request{method: "GET", path: "/openapi/v3"})
	if err != nil {
		return nil, false, fmt.Errorf("GET /openapi/v3: %w", err)
	}
	refs, err := openapi.ParseRoot(resp.Body)
	if err != nil {
		return nil, false, fmt.Errorf("GET /openapi/v3: %w", err)
	}
	x.dir.Write(opsRootFile, resp.Body)
	return newOpsRoot(refs), true, nil
}

// newOpsRoot indexes the list of documents.
func newOpsRoot(refs []openapi.DocRef) *opsRoot {
	r := &opsRoot{refs: make([]*openapi.DocRef, len(refs)), byGV: map[string]*openapi.DocRef{}}
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
func (r *opsRoot) tokenDocs(rest string) []*openapi.DocRef {
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
func (r *opsRoot) docsOf(gv string) ([]*openapi.DocRef, error) {
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
func (x *opsIndex) docSnapshot(r *openapi.DocRef) *cachekit.Snapshot[*opsDoc] {
	key := docKey(r)
	x.mu.Lock()
	defer x.mu.Unlock()
	s := x.docs[key]
	if s == nil {
		s = cachekit.NewSnapshot(func(ctx context.Context, _ bool) (*opsDoc, bool, error) {
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
func (x *opsIndex) loadDoc(ctx context.Context, r *openapi.DocRef) (*opsDoc, error) {
	v, err := x.docSnapshot(r).Get(ctx, false, 0)
	if err != nil {
		return nil, err
	}
	return v.Value, nil
}

// loadDocs loads refs concurrently. docs[i] is nil where loading refs[i]
// failed; errs holds those failures.
func (x *opsIndex) loadDocs(ctx context.Context, refs []*openapi.DocRef) (docs []*opsDoc, errs []error) {
	docs = make([]*opsDoc, len(refs))
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
func (x *opsIndex) atHand(refs []*openapi.DocRef) []*openapi.DocRef {
	var out []*openapi.DocRef
	for _, r := range refs {
		if v, _ := x.docSnapshot(r).Current(); v != nil {
			out = append(out, r)
		} else if file := hashFile(r.Hash); file != "" && x.dir != nil {
			if _, err := os.Stat(filepath.Join(x.dir.Path(), file)); err == nil {
				out = append(out, r)
			}
		}
	}
	return out
}

// readDoc reads a document from the disk, else fetches and stores it.
func (x *opsIndex) readDoc(ctx context.Context, r *openapi.DocRef) (*opsDoc, error) {
	file := hashFile(r.Hash)
	if file != "" {
		if data, err := x.dir.Read(file); err == nil {
			if records, err := openapi.ParseDocument(data, *r); err == nil {
				return newOpsDoc(records, r), nil
			}
			x.dir.Remove(file) // corrupt: fetch it again
		}
	}
	req := &request{method: "GET", path: r.Path}
	if r.Hash != "" {
		req.query = url.Values{"hash": {r.Hash}}
	}
	resp, err := x.c.do(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", r.Path, err)
	}
	if len(bytes.TrimSpace(resp.Body)) == 0 {
		// What the server answers for a CRD's document right after the CRD
		// is deleted, before it answers 404.
		return nil, fmt.Errorf("GET %s: %w", r.Path, apierrors.NewNotFound(schema.GroupResource{Resource: "OpenAPI document"}, r.Key))
	}
	records, err := openapi.ParseDocument(resp.Body, *r)
	if err != nil {
		return nil, fmt.Errorf("the OpenAPI document %s: %w", r.Key, err)
	}
	// A hash the server no longer serves is redirected to the current
	// document: file it under the hash it has (its ETag).
	if etag := strings.Trim(resp.Header.Get("Etag"), `"`); etag != "" {
		file = hashFile(etag)
	}
	if file != "" {
		x.dir.Write(file, resp.Body)
	}
	return newOpsDoc(records, r), nil
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
