// Package watchstore is the machinery under kobj's Watch, for any consumer
// of client-go's Reflector or shared informers: a ListerWatcher over one
// resource (a dynamic client, selectors, and resuming from a caller's
// checkpoint, validated with the server) and a Store that turns the
// reflector's calls into events with Resync/Synced markers around each
// (re)list.
//
// Objects go in and out as unstructured maps with their JSON, the bytes the
// server sent (the Resource decodes with internal/rawjson, which keeps
// them), never encoded again; errors go to
// a callback, which decides whether they end the watch. It knows neither
// kobj's Object nor its Client.
package watchstore
