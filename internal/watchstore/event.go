package watchstore

// EventType says what an Event reports. The values are kobj's
// EventType's, so that the root converts one to the other as it is.
type EventType string

// The events of a watch: the server's Added, Modified and Deleted, and the
// Resync and Synced markers around a (re)list.
const (
	Added    EventType = "ADDED"
	Modified EventType = "MODIFIED"
	Deleted  EventType = "DELETED"
	Resync   EventType = "RESYNC"
	Synced   EventType = "SYNCED"
)

// Event is one event of a watch. Object is the object as the server sent
// it, Raw its JSON; both are nil for the markers. Initial and
// ResourceVersion mean what kobj's WatchEvent documents.
type Event struct {
	Type            EventType
	Object          map[string]any
	Raw             []byte
	Initial         bool
	ResourceVersion string
}

// Item is what the Store hands over: an event, or (Event nil) a new
// checkpoint from a bookmark or a resumed watch's start.
type Item struct {
	Event *Event
	RV    string
}
