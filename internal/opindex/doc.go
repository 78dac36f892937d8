// Package opindex is the operation index behind calling the Kubernetes API
// by operation name: it builds, one group-version at a time, the index of
// the operations the server's OpenAPI v3 documents describe (full
// operationIds, and Hikaru's short names with the group-version's token
// removed), resolves a name to one Operation (the object's apiVersion
// picking among group-versions sharing a short name, the closest names
// suggested for an unknown one), and checks and places an operation's
// arguments (parameter names with a closest match, value types, repeated
// query parameters, path escaping, the body's content type).
//
// It knows neither Object nor Client: its owner gives it a callback that
// GETs a path of the server, another that lists the kinds discovery knows,
// the constructors of the errors it reports, and a cache folder; it returns
// plain records (*Operation, paths, url.Values, content types).
package opindex
