package operator

import (
	"github.com/kobj-dev/kobj"
)

// Manager runs an operator's controllers over one shared Cache.
type Manager struct {
	client *kobj.Client
	cache  *Cache
	// recorder writes the Events of r.Event (events.go); nil: none.
	recorder *recorder
	// owned by manager.go / controller.go (H-ctrl): options, controllers,
	// the event recorder (events.go), run state.
}
