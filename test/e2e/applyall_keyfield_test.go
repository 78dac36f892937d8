package e2e

import (
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
)

// TestApplyAllPortProtocolLeftOutAfterUDP: a Service port applied with
// protocol UDP, then with its protocol left out (so TCP, the default), is
// a change: ApplyAll sends the apply, reports Configured, and the server
// holds the TCP port. ApplyAll's skip of unchanged applies must not take
// the served UDP key for the default.
func TestApplyAllPortProtocolLeftOutAfterUDP(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, time.Minute)
	c := newClient(t)
	ns := newNamespace(t, c)
	service := func(protocol string) []*kobj.Object {
		t.Helper()
		port := "{port: 53}"
		if protocol != "" {
			port = "{port: 53, protocol: " + protocol + "}"
		}
		objs, err := kobj.LoadString("apiVersion: v1\nkind: Service\nmetadata: {name: dns, namespace: " + ns + "}\n" +
			"spec: {clusterIP: None, selector: {app: dns}, ports: [" + port + "]}\n")
		if err != nil {
			t.Fatal(err)
		}
		return objs
	}
	if _, err := c.ApplyAll(ctx, service("UDP"), kobj.FieldManager("deployer")); err != nil {
		t.Fatalf("first ApplyAll: %v", err)
	}
	cs, err := c.ApplyAll(ctx, service(""), kobj.FieldManager("deployer"))
	if err != nil {
		t.Fatalf("second ApplyAll: %v", err)
	}
	if got := cs.Changes[0].Action; got != kobj.Configured {
		t.Errorf("second ApplyAll: %s, want Configured", got)
	}
	fresh, err := readFresh(ctx, c, "v1", "Service", ns, "dns")
	if err != nil {
		t.Fatal(err)
	}
	ports, _ := fresh.GetSlice("spec.ports")
	if len(ports) != 1 || ports[0].(map[string]any)["protocol"] != "TCP" {
		t.Errorf("served ports %v, want the one TCP port", ports)
	}
}
