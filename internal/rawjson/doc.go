// Package rawjson decodes the objects of client-go's dynamic lists and
// watches while keeping the JSON the server sent. client-go's dynamic
// client decodes every object into a map and drops its bytes; a consumer
// that keeps an object as JSON (kobj's Watch, kobj/operator's cache) would
// then encode it again, most of the work of a sync thrown away.
//
// [Config] gives a dynamic client whose JSON decoder is wrapped: an object
// of a list or of a watch event is decoded with [Decode], which keeps its
// bytes and reads either its metadata only ([Metadata]) or the whole
// object once ([Full]), and hands client-go an Unstructured that carries
// them ([Of], [Take]). Anything else the server answers (a Status, a
// bookmark, a list of another shape) is decoded as client-go does.
//
// It knows neither kobj's Object nor its Client.
package rawjson
