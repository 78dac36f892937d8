package kobj

import (
	"context"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utiljson "k8s.io/apimachinery/pkg/util/json"
)

// priorListThreshold is how many objects of one kind in one namespace a
// stage must hold for ApplyAll to read them with one LIST of their
// metadata rather than a GET each. A LIST reads every object of the kind
// in the namespace, the set's or not, so a few objects are cheaper read
// one by one.
const priorListThreshold = 4

// prior is what ApplyAll knows of an object before applying it.
type prior struct {
	known  bool           // read already; otherwise applyMember reads it
	exists bool           // the object exists
	rv     string         // its resourceVersion
	live   map[string]any // the object as the server holds it, when it exists
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
		items, err := c.listLive(ctx, g.apiVersion, g.kind, g.namespace)
		if err != nil {
			return
		}
		for _, k := range groups[g] {
			priors[k] = priorOf(items[ms[stage[k]].name], g.apiVersion, g.kind)
		}
	})
	return priors
}

// priorOf is the prior of an object the server holds as live (nil: it
// does not exist). A list's items may lack their apiVersion and kind.
func priorOf(live map[string]any, apiVersion, kind string) prior {
	if live == nil {
		return prior{known: true}
	}
	if live["apiVersion"] == nil || live["kind"] == nil {
		live["apiVersion"], live["kind"] = apiVersion, kind
	}
	md, _ := live["metadata"].(map[string]any)
	rv, _ := md["resourceVersion"].(string)
	return prior{known: true, exists: true, rv: rv, live: live}
}

// listLive returns every object of the kind in the namespace ("" for a
// cluster-scoped kind), by name, page by page. Whole objects, not their
// metadata only: whether an apply would change one is told from its
// content and its managedFields.
func (c *Client) listLive(ctx context.Context, apiVersion, kind, namespace string) (map[string]map[string]any, error) {
	t, err := New(apiVersion, kind+"List").SetNamespace(namespace).resolve(ctx, "list", &callOptions{client: c}, false)
	if err != nil {
		return nil, err
	}
	items := map[string]map[string]any{}
	opts := metav1.ListOptions{Limit: 500}
	for {
		req, err := t.request("GET", false, &opts)
		if err != nil {
			return nil, err
		}
		req.idempotent = true
		resp, err := t.c.do(ctx, req)
		if err != nil {
			return nil, err
		}
		var page struct {
			Metadata metav1.ListMeta  `json:"metadata"`
			Items    []map[string]any `json:"items"`
		}
		if err := utiljson.Unmarshal(resp.Body, &page); err != nil {
			return nil, fmt.Errorf("decoding a list page: %w", err)
		}
		for _, it := range page.Items {
			md, _ := it["metadata"].(map[string]any)
			if name, _ := md["name"].(string); name != "" {
				items[name] = it
			}
		}
		if page.Metadata.Continue == "" {
			return items, nil
		}
		opts.Continue = page.Metadata.Continue
	}
}
