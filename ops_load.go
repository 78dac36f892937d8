package kobj

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Loading the operation index: the root document that lists the
// group-version documents, and the documents themselves, from memory, the
// disk cache or the server, one load per document however many callers ask.

// loadRoot returns the list of documents: any copy, or with fresh one that
// a load started after the one numbered seen fetched from the server.
// Concurrent callers share one load; a caller whose ctx ends stops waiting.
func (x *opsIndex) loadRoot(ctx context.Context, fresh bool, seen uint64) (*opsRoot, error) {
	for {
		x.mu.Lock()
		if r := x.root; r != nil && (!fresh || r.seq > seen) {
			x.mu.Unlock()
			return r, nil
		}
		l, mine := x.rootLoad, false
		if l == nil {
			x.seq++
			l, mine = &rootLoad{seq: x.seq, fromDisk: !fresh, done: make(chan struct{})}, true
			x.rootLoad = l
		}
		x.mu.Unlock()
		if mine {
			x.runRootLoad(ctx, l)
		}
		select {
		case <-l.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if l.err != nil {
			if !mine && ctx.Err() == nil && isContextError(l.err) {
				continue // the loader gave up, we did not
			}
			return nil, l.err
		}
		if !fresh || l.root.seq > seen {
			return l.root, nil
		}
		// We waited for a load that does not answer our question: start ours.
	}
}

func (x *opsIndex) runRootLoad(ctx context.Context, l *rootLoad) {
	defer func() {
		x.mu.Lock()
		if l.err == nil {
			x.root = l.root
		}
		x.rootLoad = nil
		x.mu.Unlock()
		close(l.done)
	}()
	if l.fromDisk && x.dir != "" {
		if data, err := os.ReadFile(filepath.Join(x.dir, opsRootFile)); err == nil {
			if refs, err := parseRoot(data); err == nil && len(refs) > 0 {
				l.root = newOpsRoot(refs, 0)
				return
			}
		}
	}
	resp, err := x.c.do(ctx, &request{method: "GET", path: "/openapi/v3"})
	if err != nil {
		l.err = fmt.Errorf("kobj: GET /openapi/v3: %w", err)
		return
	}
	refs, err := parseRoot(resp.Body)
	if err != nil {
		l.err = err
		return
	}
	l.root = newOpsRoot(refs, l.seq)
	x.writeFile(opsRootFile, resp.Body)
}

func newOpsRoot(refs []*docRef, seq uint64) *opsRoot {
	r := &opsRoot{seq: seq, refs: refs, byGV: map[string]*docRef{}}
	for _, ref := range refs {
		if ref.gv != "" {
			r.byGV[ref.gv] = ref
		}
		if ref.token == "" {
			r.plain = append(r.plain, ref)
		}
	}
	return r
}

func docKey(r *docRef) string { return r.key + "?" + r.hash }

// loadDoc returns the parsed document r names: from memory, else from the
// disk, else from the server. Concurrent callers share one load.
func (x *opsIndex) loadDoc(ctx context.Context, r *docRef) (*opsDoc, error) {
	key := docKey(r)
	for {
		x.mu.Lock()
		l, mine := x.docs[key], false
		if l == nil {
			l, mine = &docLoad{done: make(chan struct{})}, true
			x.docs[key] = l
		}
		x.mu.Unlock()
		if mine {
			l.doc, l.err = x.readDoc(ctx, r)
			if l.err != nil {
				x.mu.Lock()
				delete(x.docs, key) // the next caller tries again
				x.mu.Unlock()
			}
			close(l.done)
		}
		select {
		case <-l.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if l.err != nil && !mine && ctx.Err() == nil && isContextError(l.err) {
			continue
		}
		return l.doc, l.err
	}
}

// loadDocs loads refs concurrently. docs[i] is nil where errs has an error.
func (x *opsIndex) loadDocs(ctx context.Context, refs []*docRef) (docs []*opsDoc, errs []error) {
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

// readDoc reads a document from the disk, else fetches and stores it.
func (x *opsIndex) readDoc(ctx context.Context, r *docRef) (*opsDoc, error) {
	file := hashFile(r.hash)
	if x.dir != "" && file != "" {
		if data, err := os.ReadFile(filepath.Join(x.dir, file)); err == nil {
			if d, err := parseOpsDoc(data, r); err == nil {
				return d, nil
			}
			os.Remove(filepath.Join(x.dir, file)) // corrupt: fetch it again
		}
	}
	req := &request{method: "GET", path: r.path}
	if r.hash != "" {
		req.query = url.Values{"hash": {r.hash}}
	}
	resp, err := x.c.do(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("kobj: GET %s: %w", r.path, err)
	}
	if len(bytes.TrimSpace(resp.Body)) == 0 {
		// What the server answers for a CRD's document right after the CRD
		// is deleted, before it answers 404.
		return nil, fmt.Errorf("kobj: GET %s: %w", r.path, apierrors.NewNotFound(schema.GroupResource{Resource: "OpenAPI document"}, r.key))
	}
	d, err := parseOpsDoc(resp.Body, r)
	if err != nil {
		return nil, err
	}
	// A hash the server no longer serves is redirected to the current
	// document: file it under the hash it has (its ETag).
	if etag := strings.Trim(resp.Header.Get("Etag"), `"`); etag != "" {
		file = hashFile(etag)
	}
	if file != "" {
		x.writeFile(file, resp.Body)
	}
	return d, nil
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

// writeFile stores data under name in the cache folder: written under a
// temporary name (mode 0600) and renamed, so that readers, in this process
// or another, see a whole file or none. Failing costs a later fetch only.
func (x *opsIndex) writeFile(name string, data []byte) {
	if x.dir == "" || os.MkdirAll(x.dir, 0o700) != nil {
		return
	}
	f, err := os.CreateTemp(x.dir, ".tmp-*")
	if err != nil {
		return
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), filepath.Join(x.dir, name))
	}
	if err != nil {
		os.Remove(f.Name())
	}
}

func isContextError(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
