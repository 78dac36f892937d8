package kobj

import (
	"context"
	"strings"
	"testing"
)

// TestRepeatedQueryParameters checks the arguments the server takes
// repeated although the OpenAPI documents type them as single values:
// exec's command (argv) and port-forward's ports.
func TestRepeatedQueryParameters(t *testing.T) {
	_, c := warmOpsClient(t)
	tests := []struct {
		name    string
		op      string
		args    Args
		query   string // the encoded query, when the arguments are valid
		wantErr string
	}{
		{"exec argv", "connectCoreV1PostNamespacedPodExec", Args{"command": []string{"ls", "-l"}, "stdout": true},
			"command=ls&command=-l&stdout=true", ""},
		{"exec one string", "connectCoreV1PostNamespacedPodExec", Args{"command": "ls"}, "command=ls", ""},
		{"exec list of any", "connectCoreV1GetNamespacedPodExec", Args{"command": []any{"sh", "-c", "echo a b"}}, "command=sh&command=-c&command=echo+a+b", ""},
		{"port-forward ports", "connectCoreV1GetNamespacedPodPortforward", Args{"ports": []int{80, 443}}, "ports=80&ports=443", ""},
		{"port-forward one port", "connectCoreV1PostNamespacedPodPortforward", Args{"ports": 8080}, "ports=8080", ""},
		{"port-forward ports as uint16", "connectCoreV1PostNamespacedPodPortforward", Args{"ports": []uint16{1, 2}}, "ports=1&ports=2", ""},
		{"exec argv of numbers", "connectCoreV1PostNamespacedPodExec", Args{"command": []int{1}}, "", "item 0: want a string"},
		{"ports as strings", "connectCoreV1GetNamespacedPodPortforward", Args{"ports": []string{"80"}}, "", "item 0: want an integer"},
		{"ports as bytes", "connectCoreV1GetNamespacedPodPortforward", Args{"ports": []byte{80}}, "", "want a list of integers"},
		{"a list where one value is taken", "connectCoreV1PostNamespacedPodExec", Args{"container": []string{"a", "b"}}, "", "want a string"},
		{"a list elsewhere", "listCoreV1NamespacedPod", Args{"labelSelector": []string{"a"}}, "", "want a string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := Args{"namespace": "ns"}
			if !strings.HasPrefix(tt.op, "list") {
				args["name"] = "p"
			}
			for k, v := range tt.args {
				args[k] = v
			}
			call, err := c.prepare(context.Background(), tt.op, args, &callOptions{}, nil, true)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := call.req.query.Encode(); got != tt.query {
				t.Errorf("query = %q, want %q", got, tt.query)
			}
		})
	}
}
