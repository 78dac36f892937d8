package ssa

import "github.com/kobj-dev/kobj/internal/jsonvalue"

// The body of a server-side apply. An object never read from the server is
// sent as it is, less the fields only the server writes. An object read
// from the server sends only the fields its manager owns (from the served
// copy's metadata.managedFields) plus what was changed locally since: were
// it sent whole, the apply would claim every field of every other manager.

// serverOnlyMetadata are the metadata fields that the server writes and an
// apply must not send.
var serverOnlyMetadata = []string{"managedFields", "resourceVersion", "uid", "creationTimestamp",
	"generation", "selfLink", "deletionTimestamp", "deletionGracePeriodSeconds"}

// Body returns the apply body of current, whose last server copy is served
// (nil: never served), for field manager manager. For the status
// subresource (status true) it holds status only, else everything but
// status. name and namespace ("" for a cluster-scoped object) are the
// call's and replace current's. Neither current nor served is modified.
// It fails when served's metadata.managedFields holds a fieldsV1 it cannot
// read, naming the entry and the path.
func Body(current, served map[string]any, manager string, status bool, name, namespace string) (map[string]any, error) {
	var body map[string]any
	if served == nil {
		body = jsonvalue.Copy(current).(map[string]any)
	} else {
		sub := ""
		if status {
			sub = "status"
		}
		owned, keys, err := managedEntries(served, manager, sub)
		if err != nil {
			return nil, err
		}
		sel := union(owned, changed(served, current, "", keys))
		p, _ := project(current, sel)
		body, _ = p.(map[string]any)
		if body == nil {
			body = map[string]any{}
		}
	}
	md, _ := body["metadata"].(map[string]any)
	if md == nil {
		md = map[string]any{}
	}
	for _, f := range serverOnlyMetadata {
		delete(md, f)
	}
	md["name"] = name
	if namespace != "" {
		md["namespace"] = namespace
	}
	body["metadata"] = md
	body["apiVersion"], body["kind"] = current["apiVersion"], current["kind"]
	if status {
		st, ok := body["status"]
		body = map[string]any{"apiVersion": body["apiVersion"], "kind": body["kind"],
			"metadata": map[string]any{"name": md["name"]}}
		if namespace != "" {
			body["metadata"].(map[string]any)["namespace"] = namespace
		}
		if ok {
			body["status"] = st
		}
	} else {
		delete(body, "status")
	}
	return body, nil
}

// Owned returns the part of live (an object as the server holds it,
// metadata.managedFields included) whose fields manager owns by Apply on
// subresource ("" for the main resource, "status" for its status), a
// copy; false when the manager owns no field there. It fails when a
// managedFields entry holds a fieldsV1 it cannot read, naming the entry
// and the path.
func Owned(live map[string]any, manager, subresource string) (map[string]any, bool, error) {
	owned, _, err := managedEntries(live, manager, subresource)
	if err != nil || owned.empty() {
		return nil, false, err
	}
	p, ok := project(live, owned)
	m, _ := p.(map[string]any)
	return m, ok && m != nil, nil
}
