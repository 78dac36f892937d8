// Package fieldpath is kobj's path language over JSON-shaped values
// (map[string]any, []any and scalars): it parses and formats path
// expressions such as spec.template.spec.containers[0].image or
// metadata.annotations["example.com/owner"], reads (Lookup) and writes
// (Assign) the node a path names, and merges (Merge) and compares (Diff)
// whole trees, naming the nodes it reports by path.
//
// It knows neither Object nor Client: kobj's root package wraps it, turning
// its *Error into the public *kobj.PathError and its changes into
// kobj.Difference values.
package fieldpath
