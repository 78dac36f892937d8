package e2e

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"k8s.io/client-go/rest"

	"github.com/kobj-dev/kobj"
)

// byteCounter counts the bytes of every response body a client reads.
type byteCounter struct{ n atomic.Int64 }

// config returns a copy of cfg whose transport counts into b.
func (b *byteCounter) config() *rest.Config {
	cc := rest.CopyConfig(cfg)
	inner := cc.WrapTransport
	cc.WrapTransport = func(rt http.RoundTripper) http.RoundTripper {
		if inner != nil {
			rt = inner(rt)
		}
		return hop{next: rt, through: func(r *http.Request, next http.RoundTripper) (*http.Response, error) {
			resp, err := next.RoundTrip(r)
			if err == nil {
				resp.Body = &countedBody{ReadCloser: resp.Body, n: &b.n}
			}
			return resp, err
		}}
	}
	return cc
}

type countedBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (c *countedBody) Read(p []byte) (int, error) {
	n, err := c.ReadCloser.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// TestApplyAllReadsTheSetNotTheNamespace applies 4 small ConfigMaps into a
// namespace that already holds large ConfigMaps (issue 17, defect 3: the
// prior read LISTed every ConfigMap there, whole, and read 15 MB to apply
// 4 small ones). The bytes ApplyAll reads, first apply and re-apply, stay
// below the size of one large ConfigMap: none of them is read whole. With
// 30 large ones the namespace holds more than the metadata page bounds
// (the set's GETs); with 2, the set's existing objects are read by a LIST
// that leaves the 2 out.
func TestApplyAllReadsTheSetNotTheNamespace(t *testing.T) {
	const bigSize = 256 << 10
	for _, large := range []int{30, 2} {
		t.Run(fmt.Sprintf("%d large ConfigMaps", large), func(t *testing.T) {
			t.Parallel()
			ctx := testContext(t, 2*time.Minute)
			c := newClient(t)
			ns := newNamespace(t, c)
			big := strings.Repeat("x", bigSize)
			for i := range large {
				cm := kobj.New("v1", "ConfigMap").SetName(fmt.Sprintf("big-%d", i)).SetNamespace(ns)
				if err := cm.Set("data.blob", big); err != nil {
					t.Fatal(err)
				}
				if _, err := cm.Create(ctx, kobj.WithClient(c)); err != nil {
					t.Fatal(err)
				}
			}
			var counted byteCounter
			cc, err := kobj.NewClient(counted.config(), kobj.CacheDir(t.TempDir()))
			if err != nil {
				t.Fatal(err)
			}
			// Discovery read before counting: the bound is about the set.
			if _, err := kobj.New("v1", "ConfigMap").SetName("warm").SetNamespace(ns).Read(ctx, kobj.WithClient(cc)); err == nil {
				t.Fatal("ConfigMap warm exists")
			}
			for round, want := range []kobj.ChangeAction{kobj.Created, kobj.Unchanged} {
				var set []*kobj.Object
				for i := range 4 {
					set = append(set, load(t, fmt.Sprintf("{apiVersion: v1, kind: ConfigMap, metadata: {name: small-%d, namespace: %s}, data: {k: v%d}}", i, ns, i)))
				}
				counted.n.Store(0)
				cs, err := cc.ApplyAll(ctx, set)
				if err != nil {
					t.Fatal(err)
				}
				for _, ch := range cs.Changes {
					if ch.Action != want {
						t.Errorf("round %d: %s %s, want %s", round+1, ch.Object, ch.Action, want)
					}
				}
				read := counted.n.Load()
				t.Logf("round %d: ApplyAll read %d bytes", round+1, read)
				if read >= bigSize {
					t.Errorf("round %d: ApplyAll read %d bytes applying 4 small ConfigMaps, more than one of the namespace's large ConfigMaps (%d)", round+1, read, bigSize)
				}
			}
		})
	}
}
