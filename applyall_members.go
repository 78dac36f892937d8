package kobj

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/kobj-dev/kobj/internal/setorder"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// DependsOnAnnotation is the annotation by which an object names the
// objects of its set that must be applied before it (and deleted after
// it), in the format of kpt and cli-utils: a comma-separated list of
// group/namespaces/namespace/Kind/name for a namespaced object and
// group/Kind/name for a cluster-scoped one, the group empty for the core
// group ("/namespaces/shop/ConfigMap/settings").
const DependsOnAnnotation = "config.kubernetes.io/depends-on"

// setMember is what ApplyAll, DeleteAll and pruning know of one object of
// a set: its identity and what orders it.
type setMember = setorder.Member

// orderStages sorts a set into stages of indexes into ms (see
// setorder.Stages).
func orderStages(ms []setMember) ([][]int, error) { return setorder.Stages(ms) }

// setMembers describes objs for ordering. A namespaced object without a
// namespace gets the client's default, as a single call would; whether a
// kind is namespaced comes from the CRD in the set that defines it, else
// from discovery. A kind that neither knows is an error, unless
// unknownOK, when the object keeps the namespace it has.
func (c *Client) setMembers(ctx context.Context, objs []*Object, unknownOK bool) ([]setMember, error) {
	scopes := map[string]string{} // "group/Kind" → the scope its CRD in the set gives
	for _, o := range objs {
		if o == nil || o.APIVersion() != "apiextensions.k8s.io/v1" || o.Kind() != "CustomResourceDefinition" {
			continue
		}
		group, _ := o.GetString("spec.group")
		kind, _ := o.GetString("spec.names.kind")
		scope, _ := o.GetString("spec.scope")
		scopes[group+"/"+kind] = scope
	}
	ms := make([]setMember, len(objs))
	for i, o := range objs {
		if o == nil {
			return nil, fmt.Errorf("object %d is nil", i)
		}
		if missing := missingIdentity(o); missing != "" {
			return nil, fmt.Errorf("object %d (%s) has %s", i, o, missing)
		}
		gv, err := schema.ParseGroupVersion(o.APIVersion())
		if err != nil {
			return nil, fmt.Errorf("%s: %w", o, err)
		}
		m := setMember{Group: gv.Group, Kind: o.Kind(), Namespace: o.Namespace(), Name: o.Name(),
			DependsOn: o.Annotations()[DependsOnAnnotation]}
		if o.APIVersion() == "apiextensions.k8s.io/v1" && o.Kind() == "CustomResourceDefinition" {
			group, _ := o.GetString("spec.group")
			kind, _ := o.GetString("spec.names.kind")
			m.Defines = group + "/" + kind
		}
		if !setorder.FirstStageKind(m.Group, m.Kind) {
			namespaced, err := c.namespacedKind(ctx, o, scopes)
			var unknown *UnknownKindError
			switch {
			case errors.As(err, &unknown) && unknownOK:
			case err != nil:
				return nil, fmt.Errorf("%s: %w", o, err)
			case namespaced && m.Namespace == "":
				m.Namespace = c.namespace
			}
		}
		ms[i] = m
	}
	return ms, nil
}

// missingIdentity names what o lacks of the apiVersion, kind and name
// that identify an object of a set ("no kind", "no apiVersion and no
// name"); "" when it has all three.
func missingIdentity(o *Object) string {
	var missing []string
	for _, f := range [][2]string{{"apiVersion", o.APIVersion()}, {"kind", o.Kind()}, {"name", o.Name()}} {
		if f[1] == "" {
			missing = append(missing, "no "+f[0])
		}
	}
	if len(missing) == 0 {
		return ""
	}
	s := missing[len(missing)-1]
	if len(missing) > 1 {
		s = strings.Join(missing[:len(missing)-1], ", ") + " and " + s
	}
	if gn := o.u.GetGenerateName(); o.Name() == "" && gn != "" {
		s += fmt.Sprintf(" (only metadata.generateName %q)", gn)
	}
	return s
}

// namespacedKind says whether o's kind is namespaced: by the CRD in the
// set that defines it, else by discovery.
func (c *Client) namespacedKind(ctx context.Context, o *Object, scopes map[string]string) (bool, error) {
	gv, _ := schema.ParseGroupVersion(o.APIVersion())
	if scope, ok := scopes[gv.Group+"/"+o.Kind()]; ok {
		return scope == "Namespaced", nil
	}
	info, err := c.disc.lookup(ctx, o.APIVersion(), o.Kind())
	if err != nil {
		return false, err
	}
	return info.Namespaced, nil
}
