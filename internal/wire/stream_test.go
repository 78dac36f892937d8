package wire

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestStream(t *testing.T) {
	tests := []struct {
		name     string
		serve    func(w http.ResponseWriter)
		wantErr  func(error) bool
		wantBody string
	}{
		{"an open body", func(w http.ResponseWriter) { io.WriteString(w, "line 1\nline 2\n") }, nil, "line 1\nline 2\n"},
		{"the server's refusal", func(w http.ResponseWriter) { writeStatus(w, 404, metav1.StatusReasonNotFound) }, apierrors.IsNotFound, ""},
		{"a refusal without a Status", func(w http.ResponseWriter) { w.WriteHeader(403) }, apierrors.IsForbidden, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var accept string
			s := newServer(t, func(_ int, w http.ResponseWriter, r *http.Request) {
				accept = r.Header.Get("Accept")
				tt.serve(w)
			})
			open, err := s.wire(t, Config{MaxInFlight: 1}).Stream(context.Background(), &Request{Method: "GET", Path: "/log", Resource: podsResource, Name: "p"})
			if tt.wantErr != nil {
				if !tt.wantErr(err) || open.Body != nil {
					t.Fatalf("Stream = %+v, %v; want no body and the refusal as a StatusError", open, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer open.Body.Close()
			data, err := io.ReadAll(open.Body)
			if err != nil || string(data) != tt.wantBody || open.Code != 200 {
				t.Errorf("Stream: code %d, body %q, %v; want 200, %q", open.Code, data, err, tt.wantBody)
			}
			if accept != "application/json, */*" {
				t.Errorf("Accept %q, want application/json, */*", accept)
			}
		})
	}
}

// The body of a stream whose context ended says so with the context's own
// error, not the transport's.
func TestStreamBodyReportsTheContextsEnd(t *testing.T) {
	stop := make(chan struct{})
	defer close(stop)
	s := newServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, "first\n")
		w.(http.Flusher).Flush()
		<-stop
	})
	ctx, cancel := context.WithCancel(context.Background())
	open, err := s.wire(t, Config{MaxInFlight: 1}).Stream(ctx, &Request{Method: "GET", Path: "/log"})
	if err != nil {
		t.Fatal(err)
	}
	defer open.Body.Close()
	buf := make([]byte, len("first\n"))
	if _, err := io.ReadFull(open.Body, buf); err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := io.ReadAll(open.Body); err != context.Canceled {
		t.Errorf("reading after the context ended = %v, want context.Canceled itself", err)
	}
}

type warningRecorder struct {
	mu   sync.Mutex
	seen []string
}

func (w *warningRecorder) HandleWarningHeaderWithContext(_ context.Context, code int, agent, text string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.seen = append(w.seen, text)
}

type countingLimiter struct {
	mu sync.Mutex
	n  int
}

func (l *countingLimiter) TryAccept() bool { return true }
func (l *countingLimiter) Accept()         {}
func (l *countingLimiter) Stop()           {}
func (l *countingLimiter) QPS() float32    { return 1 }
func (l *countingLimiter) Wait(context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.n++
	return nil
}

// Both paths send the user agent, hand Warning headers to the handler and
// wait for the rate limiter before each attempt.
func TestWarningsUserAgentAndLimiter(t *testing.T) {
	var agents []string
	s := newServer(t, func(n int, w http.ResponseWriter, r *http.Request) {
		agents = append(agents, r.Header.Get("User-Agent"))
		w.Header().Add("Warning", `299 - "deprecated `+r.Method+`"`)
		if n == 1 {
			w.Header().Set("Retry-After", "0")
			writeStatus(w, 429, metav1.StatusReasonTooManyRequests)
			return
		}
		io.WriteString(w, `{}`)
	})
	warnings, limiter := &warningRecorder{}, &countingLimiter{}
	w := s.wire(t, Config{MaxInFlight: 1, UserAgent: "test/1", Warnings: warnings, Limiter: limiter})
	ctx := context.Background()
	if _, err := w.Do(ctx, &Request{Method: "GET", Path: "/x"}); err != nil {
		t.Fatal(err)
	}
	open, err := w.Stream(ctx, &Request{Method: "POST", Path: "/y"})
	if err != nil {
		t.Fatal(err)
	}
	open.Body.Close()
	// Do hands over each attempt's warnings; Stream those of its answer.
	if got := strings.Join(warnings.seen, ","); got != "deprecated GET,deprecated GET,deprecated POST" {
		t.Errorf("warnings %q", got)
	}
	if limiter.n != 3 {
		t.Errorf("the limiter was asked %d times, want 3 (one per attempt)", limiter.n)
	}
	if got := strings.Join(agents, ","); got != "test/1,test/1,test/1" {
		t.Errorf("user agents %q", got)
	}
}

// closeRecorder records whether the bodies it hands out were closed.
type closeRecorder struct {
	next   http.RoundTripper
	mu     sync.Mutex
	closed bool
}

func (c *closeRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := c.next.RoundTrip(r)
	if err == nil {
		resp.Body = &recordedBody{ReadCloser: resp.Body, rec: c}
	}
	return resp, err
}

type recordedBody struct {
	io.ReadCloser
	rec *closeRecorder
}

func (b *recordedBody) Close() error {
	b.rec.mu.Lock()
	b.rec.closed = true
	b.rec.mu.Unlock()
	return b.ReadCloser.Close()
}

// A warning handler that panics on a stream's answer must not leave the
// body open: nobody else holds it, and the connection would stay taken
// until the context ends, which for a followed log may be never.
func TestStreamWarningHandlerPanicClosesTheBody(t *testing.T) {
	s := newServer(t, func(n int, w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Warning", `299 - "deprecated"`)
		io.WriteString(w, `{}`)
	})
	w := s.wire(t, Config{Warnings: panickyHandler{}})
	rec := &closeRecorder{next: w.http.Transport}
	hc := *w.http
	hc.Transport = rec
	w.http = &hc
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("the handler's panic did not reach the caller")
			}
		}()
		w.Stream(context.Background(), &Request{Method: "GET", Path: "/logs"})
	}()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if !rec.closed {
		t.Error("the stream's body is still open after the warning handler panicked")
	}
}
