package kobj

import (
	"context"
	"encoding/json"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// priorListThreshold is how many objects of one kind in one namespace a
// stage must hold for ApplyAll to read them with one LIST of their
// metadata rather than a GET each. A LIST reads every object of the kind
// in the namespace, the set's or not, so a few objects are cheaper read
// one by one.
const priorListThreshold = 4

// metadataListAccept asks for the metadata of a list's items only
// (PartialObjectMetadataList), the full list from a server that cannot.
const metadataListAccept = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json"

// prior is what ApplyAll knows of an object before applying it.
type prior struct {
	known  bool   // read already; otherwise applyMember reads it
	exists bool   // the object exists
	rv     string // its resourceVersion
}

// readPriors reads, for each group of at least priorListThreshold objects
// of one kind in one namespace among stage, their state with one LIST. A
// group whose LIST fails (no list permission, say) is left unknown: its
// objects are read one by one.
func (c *Client) readPriors(ctx context.Context, objs []*Object, ms []setMember, stage []int) []prior {
	type groupKey struct{ apiVersion, kind, namespace string }
	groups := map[groupKey][]int{} // → indexes into stage
	var keys []groupKey
	for k, i := range stage {
		g := groupKey{objs[i].APIVersion(), objs[i].Kind(), ms[i].namespace}
		if groups[g] == nil {
			keys = append(keys, g)
		}
		groups[g] = append(groups[g], k)
	}
	priors := make([]prior, len(stage))
	runBounded(len(keys), func(n int) {
		g := keys[n]
		if len(groups[g]) < priorListThreshold {
			return
		}
		rvs, err := c.listVersions(ctx, g.apiVersion, g.kind, g.namespace)
		if err != nil {
			return
		}
		for _, k := range groups[g] {
			rv, exists := rvs[ms[stage[k]].name]
			priors[k] = prior{known: true, exists: exists, rv: rv}
		}
	})
	return priors
}

// listVersions returns the resourceVersion of every object of the kind in
// the namespace ("" for a cluster-scoped kind), by name, reading metadata
// only, page by page.
func (c *Client) listVersions(ctx context.Context, apiVersion, kind, namespace string) (map[string]string, error) {
	t, err := New(apiVersion, kind+"List").SetNamespace(namespace).resolve(ctx, "list", &callOptions{client: c}, false)
	if err != nil {
		return nil, err
	}
	rvs := map[string]string{}
	opts := metav1.ListOptions{Limit: 500}
	for {
		req, err := t.request("GET", false, &opts)
		if err != nil {
			return nil, err
		}
		req.accept, req.idempotent = metadataListAccept, true
		resp, err := t.c.do(ctx, req)
		if err != nil {
			return nil, err
		}
		var page struct {
			Metadata metav1.ListMeta `json:"metadata"`
			Items    []struct {
				Metadata struct {
					Name            string `json:"name"`
					ResourceVersion string `json:"resourceVersion"`
				} `json:"metadata"`
			} `json:"items"`
		}
		if err := json.Unmarshal(resp.Body, &page); err != nil {
			return nil, fmt.Errorf("decoding a list page: %w", err)
		}
		for _, it := range page.Items {
			rvs[it.Metadata.Name] = it.Metadata.ResourceVersion
		}
		if page.Metadata.Continue == "" {
			return rvs, nil
		}
		opts.Continue = page.Metadata.Continue
	}
}
