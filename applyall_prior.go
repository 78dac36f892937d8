package kobj

import (
	"context"
	"errors"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	utiljson "k8s.io/apimachinery/pkg/util/json"

	"github.com/kobj-dev/kobj/internal/pager"
)

// What ApplyAll reads of a set's objects before applying them costs what
// the set costs, not what the namespace holds: a GET per object, or, for
// a group of priorListThreshold or more objects of one kind in one
// namespace, one page of that kind's metadata there (at most the group's
// size plus maxOthers entries) to learn which of them exist, and then
// those that exist read whole: with one LIST that leaves out by name the
// other objects the page showed, or, when there are more of those than
// maxOthers (or the page could not hold the namespace's objects), a GET
// each. Nothing that is not in the set is read whole.

// priorListThreshold is how many objects of one kind in one namespace a
// stage must hold for ApplyAll to read their metadata with one LIST before
// reading them: a few objects are cheaper read one by one.
const priorListThreshold = 4

// maxOthers bounds how many objects outside the set the metadata page may
// show beside a group's, and so how many names the LIST of the group's
// objects leaves out with a field selector.
const maxOthers = 20

// metadataListAccept asks for a list of the items' metadata only.
const metadataListAccept = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"

// prior is what ApplyAll knows of an object before applying it.
type prior struct {
	known  bool           // read already; otherwise applyMember reads it
	exists bool           // the object exists
	rv     string         // its resourceVersion
	live   map[string]any // the object as the server holds it, when it exists
}

// readPriors reads, for each group of at least priorListThreshold objects
// of one kind in one namespace among stage, which exist and those whole,
// as the comment above says. What it cannot tell (a LIST refused, say) is
// left unknown: applyMember reads it with a GET.
func (c *Client) readPriors(ctx context.Context, objs []*Object, ms []setMember, stage []int) []prior {
	type groupKey struct{ apiVersion, kind, namespace string }
	groups := map[groupKey][]int{} // → indexes into stage
	var keys []groupKey
	for k, i := range stage {
		g := groupKey{objs[i].APIVersion(), objs[i].Kind(), ms[i].Namespace}
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
		names := make([]string, len(groups[g]))
		for j, k := range groups[g] {
			names[j] = ms[stage[k]].Name
		}
		got := c.readGroup(ctx, g.apiVersion, g.kind, g.namespace, names)
		for j, k := range groups[g] {
			priors[k] = got[j]
		}
	})
	return priors
}

// readGroup returns the priors of the objects names of the kind in the
// namespace ("" for a cluster-scoped kind), in the order of names.
func (c *Client) readGroup(ctx context.Context, apiVersion, kind, namespace string, names []string) []prior {
	priors := make([]prior, len(names))
	t, err := New(apiVersion, kind+"List").SetNamespace(namespace).resolve(ctx, "list", &callOptions{client: c}, false)
	if err != nil {
		return priors
	}
	listed, complete, err := t.listNames(ctx, len(names)+maxOthers)
	if err != nil || !complete {
		return priors // more objects there than the set and maxOthers: a GET each
	}
	member := make(map[string]bool, len(names))
	existing := 0
	for j, name := range names {
		member[name] = true
		if listed[name] {
			existing++
		} else {
			priors[j] = prior{known: true}
		}
	}
	var others []string
	for name := range listed {
		if !member[name] {
			others = append(others, name)
		}
	}
	if existing < 2 || len(others) > maxOthers {
		return priors // a GET of each existing object costs no more
	}
	live, err := t.listLive(ctx, others)
	if err != nil {
		return priors
	}
	for j, name := range names {
		if listed[name] {
			// Deleted since the metadata page, live[name] is nil: it does not exist.
			priors[j] = priorOf(live[name], apiVersion, kind)
		}
	}
	return priors
}

// errPastPage stops a walk after its first page.
var errPastPage = errors.New("more than one page")

// listNames returns the names of t's objects, read as metadata only in
// one page of at most limit; complete is false when the kind there holds
// more objects than that page.
func (t *target) listNames(ctx context.Context, limit int) (names map[string]bool, complete bool, err error) {
	names = map[string]bool{}
	err = t.eachPage(ctx, metav1.ListOptions{Limit: int64(limit)}, metadataListAccept, func(page pager.Page) error {
		for i, raw := range page.Items {
			var it metav1.PartialObjectMetadata
			if err := utiljson.Unmarshal(raw, &it); err != nil {
				return fmt.Errorf("decoding list item %d: %w", i, err)
			}
			names[it.Name] = true
		}
		if page.Metadata.Continue != "" {
			return errPastPage
		}
		return nil
	})
	if errors.Is(err, errPastPage) {
		return names, false, nil
	}
	return names, err == nil, err
}

// listLive returns t's objects, whole, by name, but for those named in
// except (left out by a field selector, so never sent): whether an apply
// would change one is told from its content and its managedFields.
func (t *target) listLive(ctx context.Context, except []string) (map[string]map[string]any, error) {
	opts := metav1.ListOptions{Limit: 500, FieldSelector: namesExcept(except)}
	items := map[string]map[string]any{}
	n := 0
	err := t.eachPage(ctx, opts, "", func(page pager.Page) error {
		for _, raw := range page.Items {
			var it map[string]any
			if err := utiljson.Unmarshal(raw, &it); err != nil {
				return fmt.Errorf("decoding list item %d: %w", n, err)
			}
			n++
			md, _ := it["metadata"].(map[string]any)
			if name, _ := md["name"].(string); name != "" {
				items[name] = it
			}
		}
		return nil
	})
	return items, err
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

// namesExcept is the field selector of the objects not named in names
// ("" for all objects).
func namesExcept(names []string) string {
	terms := make([]fields.Selector, len(names))
	for i, name := range names {
		terms[i] = fields.OneTermNotEqualSelector("metadata.name", name)
	}
	return fields.AndSelectors(terms...).String()
}
