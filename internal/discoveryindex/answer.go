// Package discoveryindex turns what client-go's discovery client says about
// a server into records that answer "which resource serves this kind": a
// serializable Answer (the groups and resource lists, as fetched or as read
// back from a disk copy), an Index over it with did-you-mean hints, and a
// meta.RESTMapper over the same data.
//
// It holds no cache policy (time to live, refresh on a miss): the caller
// decides when to Fetch.
package discoveryindex

import (
	"context"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
)

// Answer is one discovery of a server: its groups in server order (the core
// group first) and the resource list of each group-version it could
// describe. It is plain data, written to disk as JSON and read back.
type Answer struct {
	Fetched   time.Time                `json:"fetched"`
	Groups    []metav1.APIGroup        `json:"groups"`
	Resources []metav1.APIResourceList `json:"resources"`
	Failed    map[string]string        `json:"failed,omitempty"` // group-version → why the server could not describe it
}

// Fetch asks the server through dc, under ctx, with one request each for
// /api and /apis when the server serves aggregated discovery, and one more
// for each group-version when it does not. A group-version that the server
// lists but cannot describe (a stale aggregated API, an extension API server
// that is down) is recorded in Failed instead of failing the whole answer.
// It fails with client-go's error, typically an *errors.StatusError or a
// transport or context error. Fetched is set from now.
func Fetch(ctx context.Context, dc discovery.DiscoveryInterface, now time.Time) (*Answer, error) {
	// The package function, not the method: the method fetches everything
	// again, twice, when one group-version fails, and the caller refetches
	// on a miss anyway.
	groups, lists, err := discovery.ServerGroupsAndResourcesWithContext(ctx, discovery.ToDiscoveryInterfaceWithContext(dc))
	failed, partial := discovery.GroupDiscoveryFailedErrorGroups(err)
	if err != nil && !partial {
		return nil, err
	}
	a := &Answer{Fetched: now}
	byGV := make(map[string]*metav1.APIResourceList, len(lists))
	for _, l := range lists {
		byGV[l.GroupVersion] = l
	}
	// client-go returns aggregated lists in map order: put them back in
	// the order of the groups, which is the server's.
	for _, g := range groups {
		a.Groups = append(a.Groups, *g)
		for _, v := range g.Versions {
			if l := byGV[v.GroupVersion]; l != nil {
				a.Resources = append(a.Resources, *l)
				delete(byGV, v.GroupVersion)
			}
		}
	}
	for gv, err := range failed {
		if a.Failed == nil {
			a.Failed = make(map[string]string, len(failed))
		}
		a.Failed[gv.String()] = err.Error()
	}
	return a, nil
}

// apiServicesPath is where the aggregator keeps its APIService objects, one
// per group-version, named "<version>.<group>", CRD groups included.
const apiServicesPath = "/apis/apiregistration.k8s.io/v1/apiservices/"

// Registered reports whether the server has an APIService for gv, which
// tells that gv is, or is about to be, served: the aggregator registers one
// for every built-in group-version, every extension API server and every
// version of a CRD group. It sends one GET through dc's REST client. An
// answer of not found, or of forbidden (a user who may not read
// APIServices), is false with no error; other failures are returned.
func Registered(ctx context.Context, dc discovery.DiscoveryInterface, gv schema.GroupVersion) (bool, error) {
	if gv.Group == "" || gv.Version == "" {
		return false, nil // the core group has no APIService to wait for
	}
	err := dc.RESTClient().Get().AbsPath(apiServicesPath + gv.Version + "." + gv.Group).Do(ctx).Error()
	switch {
	case err == nil:
		return true, nil
	case apierrors.IsNotFound(err), apierrors.IsForbidden(err), apierrors.IsUnauthorized(err):
		return false, nil
	default:
		return false, fmt.Errorf("reading the APIService of %s: %w", gv, err)
	}
}
