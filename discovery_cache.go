package kobj

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	apidiscoveryv2 "k8s.io/api/apidiscovery/v2"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// DefaultDiscoveryTTL is how long discovery cached on disk is trusted when
// no other duration is given: six hours, like kubectl.
const DefaultDiscoveryTTL = 6 * time.Hour

const (
	// discoveryAccept asks for aggregated discovery (v2, or v2beta1 from 1.26-1.29
	// servers); an older server answers the legacy documents in plain JSON.
	discoveryAccept = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList," +
		"application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json"
	discoveryFileName = "discovery.v1.json" // a new file layout gets a new name
	// discoveryFetchTimeout bounds a load that no caller can cancel.
	discoveryFetchTimeout = 2 * time.Minute
)

// fetchFunc performs GET path on the cluster with the given Accept header and
// returns the body and the response Content-Type. Errors from the server are
// apimachinery *errors.StatusError.
type fetchFunc func(ctx context.Context, path, accept string) (body []byte, contentType string, err error)

// resourceInfo describes one kind the server serves. It is shared by every
// caller and must not be modified.
type resourceInfo struct {
	Group, Version string
	Kind           string // e.g. "Deployment"
	Resource       string // plural, e.g. "deployments"
	Namespaced     bool
	Verbs          []string // as the server lists them
	Subresources   []subresourceInfo
}

// subresourceInfo describes a subresource such as status or scale.
type subresourceInfo struct {
	Name, Kind string
	Verbs      []string
}

// APIVersion returns "group/version", or "version" for the core group.
func (r *resourceInfo) APIVersion() string {
	if r.Group == "" {
		return r.Version
	}
	return r.Group + "/" + r.Version
}

// Has reports whether the server lists verb for the resource.
func (r *resourceInfo) Has(verb string) bool { return slices.Contains(r.Verbs, verb) }

// UnknownKindError reports a kind the server does not serve in APIVersion,
// even after a fresh discovery. Suggestions are hints for a human, such as
// "Deployment is served in apps/v1" or "did you mean Deployment?".
type UnknownKindError struct {
	APIVersion, Kind string
	Suggestions      []string
}

// Error names the kind, the apiVersion and the suggestions.
func (e *UnknownKindError) Error() string {
	msg := fmt.Sprintf("kobj: the server has no kind %q in %s", e.Kind, e.APIVersion)
	return strings.Join(append([]string{msg}, e.Suggestions...), "; ")
}

// discoveryTables is one parsed snapshot of discovery. It is never modified
// once built, so lookups read it without holding the lock.
type discoveryTables struct {
	seq    uint64                   // the load that fetched it from the server; 0 if read from disk
	byKey  map[string]*resourceInfo // apiVersion + "/" + kind
	all    []*resourceInfo          // server order: core first, then /apis
	failed map[string]string        // apiVersion → why the server could not describe it
}

// discoveryLoad is one load in flight; callers that need the same data wait
// on done instead of sending their own requests.
type discoveryLoad struct {
	seq      uint64
	skipDisk bool          // a miss wants what the server says now, not the disk copy
	done     chan struct{} // closed once tables or err is set
	tables   *discoveryTables
	err      error
}

// discoveryCache maps (apiVersion, kind) to resources for one server, in
// memory and on disk. It is safe for concurrent use.
type discoveryCache struct {
	fetch fetchFunc
	file  string // the disk copy; "" without one (os calls on "" fail harmlessly)
	ttl   time.Duration
	now   func() time.Time // the clock, replaced by tests of the TTL

	mu       sync.RWMutex
	tables   *discoveryTables // nil until loaded, and after invalidate
	seq      uint64           // loads started so far
	inflight *discoveryLoad
}

// newDiscoveryCache returns a cache that fetches with fetch and keeps a disk
// copy in dir ("": none) trusted for ttl (0: DefaultDiscoveryTTL).
func newDiscoveryCache(fetch fetchFunc, dir string, ttl time.Duration) *discoveryCache {
	d := &discoveryCache{fetch: fetch, ttl: cmp.Or(ttl, DefaultDiscoveryTTL), now: time.Now}
	if dir != "" {
		d.file = filepath.Join(dir, discoveryFileName)
	}
	return d
}

// lookup resolves a kind. A miss invalidates the cache and refetches once
// before failing with an *UnknownKindError.
func (d *discoveryCache) lookup(ctx context.Context, apiVersion, kind string) (*resourceInfo, error) {
	key := apiVersion + "/" + kind
	d.mu.RLock()
	t, seen := d.tables, d.seq
	d.mu.RUnlock()
	var err error
	if t == nil {
		if t, err = d.load(ctx, false, seen); err != nil {
			return nil, err
		}
	}
	if r := t.byKey[key]; r != nil {
		return r, nil
	}
	if t.seq <= seen { // else t was fetched during this call: asking again would tell the same
		// The kind may be newer than our copy (a CRD created a second ago).
		// The old tables keep serving other lookups until the new ones land;
		// the disk copy goes now so that other processes stop trusting it.
		os.Remove(d.file)
		if t, err = d.load(ctx, true, seen); err != nil {
			return nil, err
		} else if r := t.byKey[key]; r != nil {
			return r, nil
		}
	}
	// A group-version the server does not list at all may be a CRD that is
	// Established but not yet published in discovery, which lags by up to a
	// second or so: ask again a few times before giving up.
	for wait := newGroupVersionWait; !t.serves(apiVersion) && wait <= maxNewGroupVersionWait; wait *= 2 {
		if err := sleep(ctx, wait); err != nil {
			return nil, err
		}
		seen = t.seq
		if t, err = d.load(ctx, true, seen); err != nil {
			return nil, err
		} else if r := t.byKey[key]; r != nil {
			return r, nil
		}
	}
	return nil, t.unknown(apiVersion, kind)
}

// The waits for a group-version missing from discovery: 100ms, 200ms, 400ms
// and 800ms, 1.5s in all, each followed by a fetch.
const (
	newGroupVersionWait    = 100 * time.Millisecond
	maxNewGroupVersionWait = 800 * time.Millisecond
)

// serves reports whether any resource of apiVersion is listed.
func (t *discoveryTables) serves(apiVersion string) bool {
	for _, r := range t.all {
		if r.APIVersion() == apiVersion {
			return true
		}
	}
	return false
}

// resources lists every resource of every served group-version, in server
// order. The slice is the caller's; the resourceInfos are shared.
func (d *discoveryCache) resources(ctx context.Context) ([]*resourceInfo, error) {
	t, err := d.load(ctx, false, 0)
	if err != nil {
		return nil, err
	}
	return slices.Clone(t.all), nil
}

// invalidate drops the memory and disk copies. A load already in flight
// still stores its result: it is at least as new as this call.
func (d *discoveryCache) invalidate() {
	d.mu.Lock()
	d.tables = nil
	d.mu.Unlock()
	os.Remove(d.file)
}

// load returns the tables, starting a load or joining the one in flight; with
// fromServer, only tables fetched by a load started after seen will do. The
// caller that starts a load runs it, under its own context: no goroutine
// outlives a canceled call. Callers that joined it and are still waiting
// start their own if it gave up on its context.
func (d *discoveryCache) load(ctx context.Context, fromServer bool, seen uint64) (*discoveryTables, error) {
	for {
		if err := ctx.Err(); err != nil {
			return nil, err // a canceled call sends nothing
		}
		d.mu.Lock()
		if t := d.tables; t != nil && (!fromServer || t.seq > seen) {
			d.mu.Unlock()
			return t, nil
		}
		l, started := d.inflight, false
		if l == nil {
			d.seq++
			l = &discoveryLoad{seq: d.seq, skipDisk: fromServer, done: make(chan struct{})}
			d.inflight, started = l, true
		}
		d.mu.Unlock()
		if started {
			d.run(ctx, l)
		}
		select {
		case <-l.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if l.err != nil {
			if !started && ctx.Err() == nil && isContextError(l.err) {
				continue // the caller that loaded gave up; we did not
			}
			return nil, l.err
		} else if started || !fromServer || l.tables.seq > seen {
			return l.tables, nil
		}
		// We joined a load older than our miss, or one that read the disk.
	}
}

// run performs a load and publishes its result.
func (d *discoveryCache) run(ctx context.Context, l *discoveryLoad) {
	ctx, cancel := context.WithTimeout(ctx, discoveryFetchTimeout)
	defer cancel()
	if !l.skipDisk {
		l.tables = d.readDisk()
	}
	if l.tables == nil {
		l.tables, l.err = d.fetchAll(ctx, l.seq)
	}
	d.mu.Lock()
	if l.err == nil {
		d.tables = l.tables
	}
	d.inflight = nil
	d.mu.Unlock()
	close(l.done)
}

// discoveryDoc is one document as the server sent it.
type discoveryDoc struct {
	Path        string          `json:"path"`
	ContentType string          `json:"contentType"`
	Body        json.RawMessage `json:"body,omitempty"`
	err         error
}

// fetchAll fetches /api and /apis and, from a server without aggregated
// discovery, the resource list of each group-version they name, for load seq.
func (d *discoveryCache) fetchAll(ctx context.Context, seq uint64) (*discoveryTables, error) {
	fetched := d.now()
	docs := []discoveryDoc{{Path: "/api"}, {Path: "/apis"}}
	d.fetchDocs(ctx, docs, discoveryAccept)
	if err := errors.Join(docs[0].err, docs[1].err); err != nil {
		return nil, err
	}
	legacy, err := legacyDocs(docs)
	if err != nil {
		return nil, err
	}
	d.fetchDocs(ctx, legacy, "application/json")
	docs = append(docs, legacy...)
	t, err := parseDocs(docs)
	if err != nil {
		return nil, err
	}
	if len(t.failed) == 0 && d.file != "" { // a partial or stale answer is not worth sharing
		d.writeDisk(docs, fetched)
	}
	t.seq = seq
	return t, nil
}

// fetchDocs fetches docs concurrently, so /api and /apis cost one round trip.
func (d *discoveryCache) fetchDocs(ctx context.Context, docs []discoveryDoc, accept string) {
	var wg sync.WaitGroup
	for i := range docs {
		wg.Go(func() {
			doc := &docs[i]
			doc.Body, doc.ContentType, doc.err = d.fetch(ctx, doc.Path, accept)
			if doc.Path == "/api" && apierrors.IsNotFound(doc.err) {
				doc.Body, doc.err = nil, nil // aggregated API servers have no core group; client-go tolerates this too
			} else if doc.err != nil {
				doc.err = fmt.Errorf("kobj: discovery: GET %s: %w", doc.Path, doc.err)
			}
		})
	}
	wg.Wait()
}

// isAggregated reports whether contentType is an aggregated discovery list.
func isAggregated(contentType string) bool {
	base, params, err := mime.ParseMediaType(contentType)
	return err == nil && base == "application/json" && params["g"] == "apidiscovery.k8s.io" &&
		(params["v"] == "v2" || params["v"] == "v2beta1") && params["as"] == "APIGroupDiscoveryList"
}

// legacyDocs returns the resource lists that a legacy /api and /apis name.
func legacyDocs(docs []discoveryDoc) (legacy []discoveryDoc, err error) {
	for _, doc := range docs {
		var index struct {
			Versions []string          `json:"versions"` // /api: metav1.APIVersions
			Groups   []metav1.APIGroup `json:"groups"`   // /apis: metav1.APIGroupList
		}
		if len(doc.Body) == 0 || isAggregated(doc.ContentType) {
			continue
		} else if err := json.Unmarshal(doc.Body, &index); err != nil {
			return nil, fmt.Errorf("kobj: discovery: decoding %s: %w", doc.Path, err)
		}
		for _, v := range index.Versions {
			legacy = append(legacy, discoveryDoc{Path: "/api/" + v})
		}
		for _, g := range index.Groups {
			for _, v := range g.Versions { // the preferred version is among them
				legacy = append(legacy, discoveryDoc{Path: "/apis/" + v.GroupVersion})
			}
		}
	}
	return legacy, nil
}

// parseDocs builds tables from aggregated /api and /apis documents, or from
// legacy resource lists (the legacy /api and /apis only name those).
func parseDocs(docs []discoveryDoc) (*discoveryTables, error) {
	t := &discoveryTables{byKey: map[string]*resourceInfo{}, failed: map[string]string{}}
	for _, doc := range docs {
		var agg apidiscoveryv2.APIGroupDiscoveryList
		var list metav1.APIResourceList
		var into any = &list
		if doc.err != nil {
			// One broken aggregated API server (metrics-server down, say)
			// must not hide every other group: remember why and go on.
			t.failed[strings.TrimPrefix(strings.TrimPrefix(doc.Path, "/apis/"), "/api/")] = doc.err.Error()
			continue
		} else if isAggregated(doc.ContentType) {
			into = &agg
		} else if len(doc.Body) == 0 || doc.Path == "/api" || doc.Path == "/apis" {
			continue // nothing, or a legacy index whose lists are docs of their own
		}
		if err := json.Unmarshal(doc.Body, into); err != nil {
			return nil, fmt.Errorf("kobj: discovery: decoding %s: %w", doc.Path, err)
		}
		t.addAggregated(&agg) // one of the two is empty
		t.addLegacy(&list)
	}
	return t, nil
}

func (t *discoveryTables) add(info *resourceInfo) {
	key := info.APIVersion() + "/" + info.Kind
	if _, dup := t.byKey[key]; !dup { // the first resource of a kind is its main one
		t.byKey[key] = info
	}
	t.all = append(t.all, info)
}

func (t *discoveryTables) addAggregated(list *apidiscoveryv2.APIGroupDiscoveryList) {
	for _, g := range list.Items {
		for _, v := range g.Versions {
			gv := (&resourceInfo{Group: g.Name, Version: v.Version}).APIVersion()
			if v.Freshness == apidiscoveryv2.DiscoveryFreshnessStale {
				t.failed[gv] = "the server reports its discovery as stale"
				continue
			}
			for _, r := range v.Resources {
				if r.ResponseKind == nil || r.ResponseKind.Kind == "" {
					continue // nothing to look it up by
				}
				info := &resourceInfo{Group: g.Name, Version: v.Version, Kind: r.ResponseKind.Kind,
					Resource: r.Resource, Namespaced: r.Scope == apidiscoveryv2.ScopeNamespace, Verbs: r.Verbs}
				for _, s := range r.Subresources {
					sub := subresourceInfo{Name: s.Subresource, Verbs: s.Verbs}
					if s.ResponseKind != nil {
						sub.Kind = s.ResponseKind.Kind
					}
					info.Subresources = append(info.Subresources, sub)
				}
				t.add(info)
			}
		}
	}
}

func (t *discoveryTables) addLegacy(list *metav1.APIResourceList) {
	gv, _ := schema.ParseGroupVersion(list.GroupVersion)
	parents := map[string]*resourceInfo{}
	for _, r := range list.APIResources {
		if strings.Contains(r.Name, "/") || r.Kind == "" {
			continue
		}
		info := &resourceInfo{Group: gv.Group, Version: gv.Version, Kind: r.Kind, Resource: r.Name,
			Namespaced: r.Namespaced, Verbs: r.Verbs}
		parents[r.Name] = info
		t.add(info)
	}
	// Legacy lists subresources as "pods/status" entries, in any order.
	for _, r := range list.APIResources {
		if parent, sub, ok := strings.Cut(r.Name, "/"); ok && parents[parent] != nil {
			p := parents[parent]
			p.Subresources = append(p.Subresources, subresourceInfo{Name: sub, Kind: r.Kind, Verbs: r.Verbs})
		}
	}
}

// unknown builds the error for a kind missing from t, with hints.
func (t *discoveryTables) unknown(apiVersion, kind string) *UnknownKindError {
	e := &UnknownKindError{APIVersion: apiVersion, Kind: kind}
	if why, ok := t.failed[apiVersion]; ok {
		e.Suggestions = append(e.Suggestions, fmt.Sprintf("the server could not describe %s: %s", apiVersion, why))
	}
	var elsewhere, near []string
	limit := 1 + len(kind)/5 // "Deploymnet" (distance 2) may be Deployment
	for _, r := range t.all {
		switch gv := r.APIVersion(); {
		case r.Kind == kind && gv != apiVersion && !slices.Contains(elsewhere, gv):
			elsewhere = append(elsewhere, gv)
		case gv == apiVersion && r.Kind != kind && !slices.Contains(near, r.Kind) && nameDistance(kind, r.Kind) <= limit:
			near = append(near, r.Kind)
		}
	}
	if len(elsewhere) > 0 {
		e.Suggestions = append(e.Suggestions, fmt.Sprintf("%s is served in %s", kind, strings.Join(elsewhere, ", ")))
	}
	if len(near) > 0 {
		slices.SortStableFunc(near, func(a, b string) int { return nameDistance(kind, a) - nameDistance(kind, b) })
		e.Suggestions = append(e.Suggestions, fmt.Sprintf("did you mean %s?", strings.Join(near[:min(len(near), 3)], " or ")))
	}
	return e
}

// discoveryFile is the disk copy: the documents as the server sent them, read
// back by the same parser as a fetch.
type discoveryFile struct {
	Fetched time.Time      `json:"fetched"`
	Docs    []discoveryDoc `json:"docs"`
}

// readDisk returns the tables of a disk copy younger than the TTL, or nil:
// a missing, old, corrupt or unreadable copy just means asking the server.
func (d *discoveryCache) readDisk() *discoveryTables {
	var f discoveryFile
	data, err := os.ReadFile(d.file)
	if now := d.now(); err != nil || json.Unmarshal(data, &f) != nil || f.Fetched.After(now) || now.Sub(f.Fetched) >= d.ttl {
		return nil
	}
	t, _ := parseDocs(f.Docs)
	return t
}

// writeDisk shares docs with later caches and processes. Writing a temporary
// file and renaming it means readers see a whole file, old or new; failing
// only costs a later fetch, so it is silent.
func (d *discoveryCache) writeDisk(docs []discoveryDoc, fetched time.Time) {
	data, err := json.Marshal(discoveryFile{Fetched: fetched, Docs: docs})
	dir := filepath.Dir(d.file)
	if err != nil || os.MkdirAll(dir, 0o700) != nil {
		return
	}
	f, err := os.CreateTemp(dir, ".discovery-*.tmp") // mode 0600
	if err != nil {
		return
	}
	_, err = f.Write(data)
	if err = errors.Join(err, f.Close()); err == nil {
		err = os.Rename(f.Name(), d.file)
	}
	if err != nil {
		os.Remove(f.Name())
	}
}
