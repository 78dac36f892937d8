package kobj

// EventType says what a WatchEvent reports.
type EventType string

// The events of a watch. Added, Modified and Deleted are the server's;
// Resync and Synced are markers kobj adds around a (re)list: a watch starts
// with Resync, one Added{Initial: true} per existing object, then Synced,
// and repeats them when it must list again (after 410 Gone).
const (
	Added    EventType = "ADDED"
	Modified EventType = "MODIFIED"
	Deleted  EventType = "DELETED"
	Resync   EventType = "RESYNC"
	Synced   EventType = "SYNCED"
)

// WatchEvent is one event of a watch. Object is nil for the Resync and
// Synced markers. Initial marks the Added events of a (re)list, which
// report objects that already existed rather than new ones.
// ResourceVersion is the watch's checkpoint after this event: a watch
// started with FromResourceVersion(ResourceVersion) resumes after it. The
// events between Resync and Synced carry the checkpoint from before the
// list ("" at the start), since an object's own resourceVersion in a list
// is no place to resume from; Synced carries the list's. A Deleted event
// with Initial set reports an object that a relist no longer found.
type WatchEvent struct {
	Type            EventType
	Object          *Object
	Initial         bool
	ResourceVersion string
}
