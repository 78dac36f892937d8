package operator

import (
	"github.com/kobj-dev/kobj"
)

// Cache holds the objects of the kinds an operator reads, kept current by
// one shared informer per kind and scope.
type Cache struct {
	client *kobj.Client
}
