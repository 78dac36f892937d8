package kobj_test

import (
	"context"
	"testing"

	"github.com/kobj-dev/kobj"
)

func TestFilledFutureAlwaysGivesItsResult(t *testing.T) {
	f := newFakeAPI(t, "")
	f.put("/api/v1/namespaces/ns/configmaps/web", configMap("ns", "web").Map())
	c := f.client()
	fut := c.CallAsync(context.Background(), "readCoreV1NamespacedConfigMap", kobj.Args{"namespace": "ns", "name": "web"})
	<-fut.Done()
	done, cancel := context.WithCancel(context.Background())
	cancel()
	for i := range 200 {
		obj, code, _, err := fut.Get(done)
		if err != nil || code != 200 || obj == nil {
			t.Fatalf("Get #%d with a done context on a filled future = %v, %d, %v", i, obj, code, err)
		}
		if err := fut.Wait(0); err != nil {
			t.Fatalf("Wait(0) #%d on a filled future = %v", i, err)
		}
	}
}
