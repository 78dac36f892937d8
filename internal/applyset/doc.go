// Package applyset holds the formats of an ApplySet (KEP-3659) as kubectl
// writes and reads them: the set's id, the tooling annotation and the
// tool's name in it, and the parent's lists of group-kinds and namespaces.
//
// It knows neither kobj's Object nor its Client: identities, annotation
// values and sets of kinds or namespaces go in, strings and sets come out.
package applyset
