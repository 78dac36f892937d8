package kobj

import (
	"context"
	"strings"
	"testing"
)

// A watch called by operation name points to Watch, before any request
// beyond what loading the operation index takes.
func TestCallOfAWatchPointsToWatch(t *testing.T) {
	tests := []struct {
		name string
		op   string
		args Args
	}{
		{"deprecated watch operation", "watchCoreV1NamespacedPodList", Args{"namespace": "ns"}},
		{"deprecated watch of one object", "watchCoreV1NamespacedPod", Args{"namespace": "ns", "name": "p"}},
		{"list with watch=true", "listCoreV1NamespacedPod", Args{"namespace": "ns", "watch": true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, c := warmOpsClient(t)
			_, _ = c.Call(context.Background(), tt.op, tt.args) // may load what the index lacks
			s.requests()
			_, err := c.Call(context.Background(), tt.op, tt.args)
			if err == nil || !strings.Contains(err.Error(), "use Watch") {
				t.Fatalf("error = %v, want one that points to Watch", err)
			}
			if reqs := s.requests(); len(reqs) != 0 {
				t.Errorf("requests = %v, want none", reqs)
			}
		})
	}
}
