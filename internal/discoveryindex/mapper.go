package discoveryindex

import (
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/restmapper"
)

// RESTMapper returns client-go's discovery REST mapper over the index's
// answer, built on first use and then shared: the same priorities (the
// core group first, then each group's preferred version) and the same
// meta.NoKindMatchError and meta.NoResourceMatchError on a miss as
// restmapper.NewDiscoveryRESTMapper over a discovery client, without asking
// the server again.
func (ix *Index) RESTMapper() meta.RESTMapper {
	ix.mapperOnce.Do(func() {
		lists := make(map[string][]metav1.APIResource, len(ix.answer.Resources))
		for _, l := range ix.answer.Resources {
			lists[l.GroupVersion] = l.APIResources
		}
		groups := make([]*restmapper.APIGroupResources, 0, len(ix.answer.Groups))
		for _, g := range ix.answer.Groups {
			gr := &restmapper.APIGroupResources{Group: g, VersionedResources: map[string][]metav1.APIResource{}}
			for _, v := range g.Versions {
				if rs, ok := lists[v.GroupVersion]; ok {
					gr.VersionedResources[v.Version] = rs
				}
			}
			groups = append(groups, gr)
		}
		ix.mapper = restmapper.NewDiscoveryRESTMapper(groups)
	})
	return ix.mapper
}
