package kobj

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"

	"github.com/kobj-dev/kobj/internal/cachekit"
	"github.com/kobj-dev/kobj/internal/discoveryindex"
)

// DefaultDiscoveryTTL is how long discovery cached on disk is trusted when
// no other duration is given: six hours, like kubectl.
const DefaultDiscoveryTTL = 6 * time.Hour

const (
	// discoveryFileName is the disk copy. Its layout changed from the
	// server's raw documents (discovery.v1.json) to client-go's groups and
	// resource lists: a new layout gets a new name, so old copies are ignored.
	discoveryFileName = "discovery.v2.json"
	// discoveryFetchTimeout bounds a load that no caller can cancel.
	discoveryFetchTimeout = 2 * time.Minute
)

// The waits for a group-version that discovery does not describe yet but
// that has an APIService (a CRD created a moment ago): 100ms, 200ms, 400ms
// and 800ms, 1.5s in all, each followed by a fetch.
const (
	newGroupVersionWait    = 100 * time.Millisecond
	maxNewGroupVersionWait = 800 * time.Millisecond
)

// resourceInfo describes one kind the server serves. It is shared by every
// caller and must not be modified.
type resourceInfo = discoveryindex.Resource

// subresourceInfo describes a subresource such as status or scale.
type subresourceInfo = discoveryindex.Subresource

// discoveryCache maps (apiVersion, kind) to resources for one server, in
// memory and on disk; client-go's discovery client does the fetching. It is
// safe for concurrent use.
type discoveryCache struct {
	dc   discovery.DiscoveryInterface
	dir  *cachekit.Dir // nil: no disk copy
	ttl  time.Duration
	now  func() time.Time // the clock, replaced by tests of the TTL
	snap *cachekit.Snapshot[*discoveryindex.Index]
}

// newDiscoveryCache returns a cache that fetches with dc and keeps a disk
// copy in dir (nil: none) trusted for ttl (0: DefaultDiscoveryTTL).
func newDiscoveryCache(dc discovery.DiscoveryInterface, dir *cachekit.Dir, ttl time.Duration) *discoveryCache {
	d := &discoveryCache{dc: dc, dir: dir, ttl: cmp.Or(ttl, DefaultDiscoveryTTL), now: time.Now}
	d.snap = cachekit.NewSnapshot(d.load)
	return d
}

// lookup resolves a kind. A miss refetches once; a group-version that
// discovery does not describe but that the server has an APIService for is
// waited for a little. It fails with an *UnknownKindError, or the error of
// a fetch.
func (d *discoveryCache) lookup(ctx context.Context, apiVersion, kind string) (*resourceInfo, error) {
	if cur, _ := d.snap.Current(); cur != nil {
		if r := cur.Value.Kind(apiVersion, kind); r != nil {
			return r, nil // the hot path: no allocation
		}
	}
	gv, _ := schema.ParseGroupVersion(apiVersion) // a malformed one is just unknown
	var r *resourceInfo
	ix, err := d.resolve(ctx, gv, func(ix *discoveryindex.Index) bool {
		r = ix.Kind(apiVersion, kind)
		return r != nil
	})
	if err != nil {
		return nil, err
	} else if r == nil {
		return nil, &UnknownKindError{APIVersion: apiVersion, Kind: kind, Suggestions: ix.Suggestions(apiVersion, kind)}
	}
	return r, nil
}

// cached returns the kind as the index at hand has it (loading an index if
// there is none), or nil: unlike lookup, a miss asks the server nothing.
func (d *discoveryCache) cached(ctx context.Context, apiVersion, kind string) (*resourceInfo, error) {
	cur, _ := d.snap.Current()
	if cur == nil {
		var err error
		if cur, err = d.snap.Get(ctx, false, 0); err != nil {
			return nil, err
		}
	}
	return cur.Value.Kind(apiVersion, kind), nil
}

// resources lists every resource of every served group-version, in server
// order. The slice is the caller's; the resourceInfos are shared.
func (d *discoveryCache) resources(ctx context.Context) ([]*resourceInfo, error) {
	v, err := d.snap.Get(ctx, false, 0)
	if err != nil {
		return nil, err
	}
	return slices.Clone(v.Value.All()), nil
}

// resolve returns the first index in which found is true, asking the server
// as little as it can: the index at hand (loaded if there is none); after a
// miss, one fetched since the miss (the kind may be newer than our copy);
// then, only while the server has an APIService for gv that discovery does
// not describe yet, indexes fetched over the next 1.5s. When none will do,
// it returns the last index it tried, found false. It fails with the error
// of a fetch or ctx's.
func (d *discoveryCache) resolve(ctx context.Context, gv schema.GroupVersion, found func(*discoveryindex.Index) bool) (*discoveryindex.Index, error) {
	cur, seen := d.snap.Current()
	var err error
	if cur == nil {
		if cur, err = d.snap.Get(ctx, false, seen); err != nil {
			return nil, err
		}
	}
	if found(cur.Value) {
		return cur.Value, nil
	}
	if cur.Gen <= seen { // else this call fetched it: asking again would tell the same
		// The old index keeps serving other lookups until the new one lands;
		// the disk copy goes now so that other processes stop trusting it.
		d.dir.Remove(discoveryFileName)
		if cur, err = d.snap.Get(ctx, true, seen); err != nil {
			return nil, err
		} else if found(cur.Value) {
			return cur.Value, nil
		}
	}
	if coming, err := d.coming(ctx, cur.Value, gv); err != nil || !coming {
		return cur.Value, err
	}
	// Discovery lags the creation of a CRD by up to a second or so.
	for wait := newGroupVersionWait; wait <= maxNewGroupVersionWait && !cur.Value.Serves(gv.String()); wait *= 2 {
		if err := cachekit.Sleep(ctx, wait); err != nil {
			return nil, err
		}
		if cur, err = d.snap.Get(ctx, true, cur.Gen); err != nil {
			return nil, err
		} else if found(cur.Value) {
			return cur.Value, nil
		}
	}
	return cur.Value, nil
}

// coming reports whether gv, which ix does not describe, is about to be
// served: only then is it worth waiting for. The core group is always
// described, so never coming; a group-version the server lists but could
// not describe is not coming either. Otherwise one GET of gv's APIService
// tells. Measured on a 1.37 control plane, the aggregator registers the
// APIService of a new CRD's version 11-125ms after the CRD's Create
// returns: before the CRD is Established (12 times of 12) and before
// discovery lists it, which lags Established by up to 90ms; a custom
// object created at once after its CRD, without waiting, was found 30
// times of 30. A metadata-only list of CRDs would also cover the first
// ~100ms, but at a fourth request for every unknown group, and without the
// versions: a wrong version of a CRD group would wait 1.5s for nothing.
// Failing to tell (forbidden to read APIServices included) counts as no;
// only ctx's error is returned.
func (d *discoveryCache) coming(ctx context.Context, ix *discoveryindex.Index, gv schema.GroupVersion) (bool, error) {
	if gv.Group == "" || gv.Version == "" || ix.Serves(gv.String()) {
		return false, nil
	}
	if _, failed := ix.Failed(gv.String()); failed {
		return false, nil
	}
	ok, err := discoveryindex.Registered(ctx, d.dc, gv)
	if err != nil && ctx.Err() != nil {
		return false, ctx.Err()
	}
	return ok, nil
}

// invalidate drops the memory and disk copies. A load already in flight
// still stores its result: it is at least as new as this call.
func (d *discoveryCache) invalidate() {
	d.snap.Invalidate()
	d.dir.Remove(discoveryFileName)
}

// load reads the disk copy or, with fresh or without one, fetches; it
// reports whether the index came from the server.
func (d *discoveryCache) load(ctx context.Context, fresh bool) (*discoveryindex.Index, bool, error) {
	if !fresh {
		if a := d.readDisk(); a != nil {
			return discoveryindex.New(a), false, nil
		}
	}
	ctx, cancel := context.WithTimeout(ctx, discoveryFetchTimeout)
	defer cancel()
	a, err := discoveryindex.Fetch(ctx, d.dc, d.now())
	if err != nil {
		return nil, false, fmt.Errorf("discovery: %w", err)
	}
	ix := discoveryindex.New(a)
	if ix.Complete() { // a partial answer is not worth sharing
		if data, err := json.Marshal(a); err == nil {
			d.dir.Write(discoveryFileName, data)
		}
	}
	return ix, true, nil
}

// readDisk returns the disk copy if it is younger than the TTL, or nil: a
// missing, old, corrupt or unreadable copy just means asking the server.
func (d *discoveryCache) readDisk() *discoveryindex.Answer {
	data, err := d.dir.Read(discoveryFileName)
	var a discoveryindex.Answer
	if now := d.now(); err != nil || json.Unmarshal(data, &a) != nil || a.Fetched.After(now) || now.Sub(a.Fetched) >= d.ttl {
		return nil
	}
	return &a
}
