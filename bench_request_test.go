package kobj_test

import (
	"context"
	"io"
	"testing"

	"github.com/kobj-dev/kobj"
)

// BenchmarkRequestPath weighs kobj's own request path (the retrying loop,
// the in-flight slot, metrics, warnings, the error of a refusal) on the
// loopback fake, discovery and OpenAPI warm: most of each figure is the
// HTTP round trip and JSON; the allocations are kobj's and the fake's.
//
//	go test -run '^$' -bench RequestPath -benchmem .
func BenchmarkRequestPath(b *testing.B) {
	ctx := context.Background()
	f := newFakeAPI(b, "")
	f.put("/api/v1/namespaces/default/configmaps/web", configMap("default", "web").Map())
	c := f.client()
	read := func(b *testing.B) {
		if _, err := kobj.New("v1", "ConfigMap").Read(ctx, kobj.WithClient(c), kobj.Named("web")); err != nil {
			b.Fatal(err)
		}
	}
	read(b)
	b.Run("Read", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			read(b)
		}
	})
	b.Run("NotFound", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := kobj.New("v1", "ConfigMap").Read(ctx, kobj.WithClient(c), kobj.Named("none")); err == nil {
				b.Fatal("read of a missing object succeeded")
			}
		}
	})
	b.Run("CreateDryRun", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := configMap("default", "new").Create(ctx, kobj.WithClient(c), kobj.DryRun()); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("CallStream", func(b *testing.B) {
		args := kobj.Args{"namespace": "default", "name": "web"}
		b.ReportAllocs()
		for b.Loop() {
			resp, err := c.CallStream(ctx, "readCoreV1NamespacedConfigMap", args)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := io.Copy(io.Discard, resp.Body); err != nil {
				b.Fatal(err)
			}
			resp.Body.Close()
		}
	})
}
