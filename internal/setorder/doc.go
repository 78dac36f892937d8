// Package setorder is how kobj works through a set of objects: it sorts
// the set into stages so that every object comes after what it needs (the
// CRD of its kind, the Namespace that holds it, what its depends-on
// annotation names), runs the objects of a stage concurrently within a
// bound, and reports the failures of a stage as one error.
//
// It knows neither kobj's Object nor its Client: the set is given as
// plain records ([Member]: group, kind, namespace, name, the depends-on
// annotation as written), stages come back as indexes into them, and the
// work of a stage is a callback.
package setorder
