package opindex

import (
	"context"
	"slices"
	"strings"

	"github.com/kobj-dev/kobj/internal/discoveryindex"
	"github.com/kobj-dev/kobj/internal/openapi"
	"github.com/kobj-dev/kobj/internal/suggest"
)

// Which documents a name is in, or nearly in, as its token and the kinds it
// mentions tell.

// nearDocs returns the documents a misspelled name most likely meant to
// name: the one whose token it carries (the longest), the object's
// group-version's, and those serving the kinds it mentions best, exactly or
// nearly.
func (x *Index) nearDocs(ctx context.Context, root *docRoot, name, apiVersion string) []*openapi.DocRef {
	_, rest := openapi.SplitVerb(name)
	var refs []*openapi.DocRef
	add := func(r *openapi.DocRef) {
		if r != nil && !slices.Contains(refs, r) {
			refs = append(refs, r)
		}
	}
	if full := root.tokenDocs(rest); len(full) > 0 {
		add(full[0])
		rest = rest[len(full[0].Token):]
	}
	add(root.byGV[apiVersion])
	if rest == "" {
		rest = name // all lower case: "listnamespacedpod"
	}
	for _, gv := range x.nearKinds(ctx, rest) {
		add(root.byGV[gv])
	}
	return refs
}

// nearKinds returns the group-versions serving the kinds that rest, the
// part of an operation name after its verb and token, mentions best: a
// kind counts when a part of rest is within a quarter of the kind's length
// of edits of it ("Pood" for Pod, "Deploymnet" for Deployment), and of
// those the kinds matching the most letters win, so that the short kinds
// hidden in every long name (Pod in PodTemplate) add no documents.
func (x *Index) nearKinds(ctx context.Context, rest string) []string {
	kinds := x.kindVersions(ctx)
	// Words of operationIds that hold a kind's name without naming it.
	text := strings.NewReplacer("ForAllNamespaces", " ", "Namespaced", " ").Replace(rest)
	best, winners := 0, []string(nil)
	for kind := range kinds {
		d := suggest.SubstringDistance(kind, text)
		if d > (len(kind)+1)/4 {
			continue
		}
		switch score := len(kind) - d; {
		case score > best:
			best, winners = score, []string{kind}
		case score == best:
			winners = append(winners, kind)
		}
	}
	var gvs []string
	for _, kind := range winners {
		gvs = append(gvs, kinds[kind]...)
	}
	return gvs
}

// kindDocs returns the group-version documents that serve a kind named in
// rest, the part of an operation name after its verb, as discovery knows
// them. At each word, the longest kind wins: "NamespacedRoleBinding" names
// RoleBinding, not Binding.
func (x *Index) kindDocs(ctx context.Context, root *docRoot, rest string) []*openapi.DocRef {
	kinds := x.kindVersions(ctx)
	var refs []*openapi.DocRef
	for i := 0; i < len(rest); {
		best := ""
		if isUpper(rest[i]) {
			for kind := range kinds {
				end := i + len(kind)
				if len(kind) > len(best) && strings.HasPrefix(rest[i:], kind) && (end == len(rest) || isUpper(rest[end])) {
					best = kind
				}
			}
		}
		if best == "" {
			i++
			continue
		}
		for _, gv := range kinds[best] {
			if r := root.byGV[gv]; r != nil && !slices.Contains(refs, r) {
				refs = append(refs, r)
			}
		}
		i += len(best)
	}
	return refs
}

// kindVersions returns the group-versions serving each kind, as discovery
// knows them; nil when discovery fails, which only means looking further.
func (x *Index) kindVersions(ctx context.Context) map[string][]string {
	res, err := x.resources(ctx)
	if err != nil {
		return nil
	}
	kinds := map[string][]string{}
	for _, r := range res {
		if gv := r.APIVersion(); !slices.Contains(kinds[r.Kind], gv) {
			kinds[r.Kind] = append(kinds[r.Kind], gv)
		}
	}
	return kinds
}

// resources returns Config.Resources' answer; none without one.
func (x *Index) resources(ctx context.Context) ([]*discoveryindex.Resource, error) {
	if x.cfg.Resources == nil {
		return nil, nil
	}
	return x.cfg.Resources(ctx)
}

func isUpper(b byte) bool { return b >= 'A' && b <= 'Z' }
