package watchstore

import (
	"context"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/tools/cache"
)

// resumeBrokenStreamsFor is how long broken watch streams are resumed
// rather than relisted (see Reflect).
const resumeBrokenStreamsFor = 30 * time.Second

// Reflect runs client-go's Reflector over lw into store until ctx ends:
// it lists (or streams the initial state with watch-list), watches from
// the list's resourceVersion, resumes after a disconnect or a server
// time-out (bookmarks on), relists after 410 Gone, and backs off with
// jitter. apiVersion and kind are the objects' (the reflector checks
// them); name names the reflector in client-go's logs.
func Reflect(ctx context.Context, lw cache.ListerWatcher, store cache.ReflectorStore, apiVersion, kind, name string) {
	expected := &unstructured.Unstructured{}
	expected.SetAPIVersion(apiVersion)
	expected.SetKind(kind)
	r := cache.NewReflectorWithOptions(lw, expected, store,
		cache.ReflectorOptions{Name: name, TypeDescription: apiVersion + " " + kind})
	// A stream that breaks (a dead connection caught by the transport's
	// HTTP/2 health check, say) ends with an internal error; by default the
	// reflector relists then. Watching again from the last resourceVersion
	// loses nothing and costs no list; a stream that keeps breaking for
	// this long is relisted after all.
	r.MaxInternalErrorRetryDuration = resumeBrokenStreamsFor
	r.RunWithContext(ctx)
}
