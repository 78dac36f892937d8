package wire

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/tools/metrics"
)

// server is an httptest server whose answers a test scripts; it records
// every request it saw.
type server struct {
	srv *httptest.Server

	mu   sync.Mutex
	seen []string // method path
}

func newServer(t *testing.T, handle func(n int, w http.ResponseWriter, r *http.Request)) *server {
	t.Helper()
	s := &server{}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.seen = append(s.seen, r.Method+" "+r.URL.Path)
		n := len(s.seen)
		s.mu.Unlock()
		handle(n, w, r)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *server) requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.seen)
}

func (s *server) wire(t *testing.T, cfg Config) *Wire {
	t.Helper()
	base, err := url.Parse(s.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Base, cfg.HTTP = base, s.srv.Client()
	return New(cfg)
}

// hangUp closes the connection without an answer, as a dying proxy does.
func hangUp(w http.ResponseWriter) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		conn.Close()
	}
}

func writeStatus(w http.ResponseWriter, code int, reason metav1.StatusReason) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	io.WriteString(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"`+string(reason)+`","code":`+strconv.Itoa(code)+`}`)
}

// recordingMetrics counts what client-go's metrics hooks receive.
type recordingMetrics struct {
	mu      sync.Mutex
	results []string // code method host
	retries []string
}

func (m *recordingMetrics) Increment(_ context.Context, code, method, host string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.results = append(m.results, code+" "+method)
}

func (m *recordingMetrics) IncrementRetry(_ context.Context, code, method, host string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.retries = append(m.retries, code+" "+method)
}

func (m *recordingMetrics) take() (results, retries string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	results, retries = strings.Join(m.results, ","), strings.Join(m.retries, ",")
	m.results, m.retries = nil, nil
	return results, retries
}

// registerMetrics installs the recorder; client-go takes the first
// registration of a process only.
var registerMetrics = sync.OnceValue(func() *recordingMetrics {
	m := &recordingMetrics{}
	metrics.Register(metrics.RegisterOpts{RequestResult: m, RequestRetry: m})
	return m
})

var reasons = map[int]metav1.StatusReason{404: metav1.StatusReasonNotFound, 429: metav1.StatusReasonTooManyRequests,
	500: metav1.StatusReasonInternalError, 503: metav1.StatusReasonServiceUnavailable}

func TestRetryAfterIsHonoured(t *testing.T) {
	m := registerMetrics()
	tests := []struct {
		name        string
		fail        int    // answers of code before a 200
		code        int    // the failing answer's
		retryAfter  string // its Retry-After header
		wantSeen    int
		wantErr     func(error) bool
		wantResults string
		wantRetries string
	}{
		{"429 twice, then 200", 2, 429, "0", 3, nil, "429 GET,429 GET,200 GET", "429 GET,200 GET"},
		{"503 with Retry-After", 1, 503, "0", 2, nil, "503 GET,200 GET", "200 GET"},
		{"500 without Retry-After is not retried", 1, 500, "", 1, apierrors.IsInternalError, "500 GET", ""},
		{"429 with an unreadable Retry-After is not retried", 1, 429, "soon", 1, apierrors.IsTooManyRequests, "429 GET", ""},
		{"a negative Retry-After is not retried", 1, 429, "-1", 1, apierrors.IsTooManyRequests, "429 GET", ""},
		{"404 is never retried", 1, 404, "0", 1, apierrors.IsNotFound, "404 GET", ""},
		{"gives up after MaxRetries", 100, 429, "0", 1 + MaxRetries, apierrors.IsTooManyRequests,
			strings.Repeat("429 GET,", MaxRetries) + "429 GET", strings.TrimSuffix(strings.Repeat("429 GET,", MaxRetries), ",")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, func(n int, w http.ResponseWriter, r *http.Request) {
				if n <= tt.fail {
					if tt.retryAfter != "" {
						w.Header().Set("Retry-After", tt.retryAfter)
					}
					writeStatus(w, tt.code, reasons[tt.code])
					return
				}
				io.WriteString(w, `{}`)
			})
			w := s.wire(t, Config{MaxInFlight: 1})
			m.take()
			r, err := w.Do(context.Background(), &Request{Method: "GET", Path: "/api/v1/namespaces/ns/pods/p"})
			switch {
			case tt.wantErr == nil && err != nil:
				t.Fatalf("Do = %v, want success", err)
			case tt.wantErr != nil && !tt.wantErr(err):
				t.Fatalf("Do = %v (%T), want the refusal as a StatusError", err, err)
			case tt.wantErr != nil && r.Code != tt.code:
				t.Errorf("Do returned reply %+v with its error, want the answer of code %d", r, tt.code)
			}
			if got := s.requests(); got != tt.wantSeen {
				t.Errorf("the server saw %d requests, want %d", got, tt.wantSeen)
			}
			if results, retries := m.take(); results != tt.wantResults || retries != tt.wantRetries {
				t.Errorf("metrics: results %q, retries %q; want %q, %q", results, retries, tt.wantResults, tt.wantRetries)
			}
			if n := len(w.inflight); n != 0 {
				t.Errorf("%d in-flight slots held after Do returned", n)
			}
		})
	}
}

func TestRetryAfterWaitEndsWithTheContext(t *testing.T) {
	s := newServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "3600")
		writeStatus(w, 429, metav1.StatusReasonTooManyRequests)
	})
	w := s.wire(t, Config{MaxInFlight: 1})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		_, err := w.Do(ctx, &Request{Method: "GET", Path: "/x"})
		done <- err
	}()
	for s.requests() == 0 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-done; err != context.Canceled {
		t.Errorf("Do during an hour's Retry-After, canceled = %v, want context.Canceled itself", err)
	}
	if n := s.requests(); n != 1 {
		t.Errorf("the server saw %d requests, want 1", n)
	}
}

// A connection lost on the way is retried for what is safe to send twice:
// a GET, or a write marked Idempotent; never a create.
func TestLostConnectionRetriesOnlyWhatIsSafeToSendTwice(t *testing.T) {
	tests := []struct {
		method     string
		idempotent bool
		wantSeen   int
	}{
		{"GET", false, 2},
		{"PATCH", true, 2},
		{"PUT", true, 2},
		{"POST", false, 1},
		{"PATCH", false, 1},
		{"DELETE", false, 1},
	}
	for _, tt := range tests {
		name := tt.method
		if tt.idempotent {
			name += " idempotent"
		}
		t.Run(name, func(t *testing.T) {
			s := newServer(t, func(n int, w http.ResponseWriter, _ *http.Request) {
				if n == 1 {
					hangUp(w)
					return
				}
				io.WriteString(w, `{}`)
			})
			w := s.wire(t, Config{MaxInFlight: 1})
			_, err := w.Do(context.Background(), &Request{Method: tt.method, Path: "/x", Body: []byte(`{}`), Idempotent: tt.idempotent})
			if tt.wantSeen == 2 && err != nil {
				t.Fatalf("Do after a lost connection = %v, want success on the retry", err)
			}
			if tt.wantSeen == 1 {
				if err == nil {
					t.Fatal("a request whose connection was lost reported success")
				}
				if !strings.Contains(err.Error(), tt.method+" "+s.srv.URL+"/x") {
					t.Errorf("error %q does not name the method and URL", err)
				}
			}
			if got := s.requests(); got != tt.wantSeen {
				t.Errorf("the server saw %d requests, want %d", got, tt.wantSeen)
			}
			if n := len(w.inflight); n != 0 {
				t.Errorf("%d in-flight slots held after a failed attempt", n)
			}
		})
	}
}

func TestRetryWait(t *testing.T) {
	reply := func(code int, retryAfter string) *Reply {
		h := http.Header{}
		if retryAfter != "" {
			h.Set("Retry-After", retryAfter)
		}
		return &Reply{Code: code, Header: h}
	}
	tests := []struct {
		name     string
		req      Request
		resp     *Reply
		err      error
		attempt  int
		want     bool
		min, max time.Duration
	}{
		{"GET, EOF", Request{Method: "GET"}, nil, io.ErrUnexpectedEOF, 0, true, time.Second, time.Second},
		{"GET, connection reset", Request{Method: "GET"}, nil, errors.New("read: connection reset by peer"), 0, true, time.Second, time.Second},
		{"GET, refused", Request{Method: "GET"}, nil, errors.New("dial tcp: connection refused"), 0, false, 0, 0},
		{"POST, EOF", Request{Method: "POST"}, nil, io.EOF, 0, false, 0, 0},
		{"idempotent PATCH, EOF", Request{Method: "PATCH", Idempotent: true}, nil, io.EOF, 0, true, time.Second, time.Second},
		{"GET, EOF, at the limit", Request{Method: "GET"}, nil, io.EOF, MaxRetries, false, 0, 0},
		{"429 Retry-After 2", Request{Method: "POST"}, reply(429, "2"), nil, 0, true, 2 * time.Second, 2*time.Second + 100*time.Millisecond},
		{"500 Retry-After 0", Request{Method: "POST"}, reply(500, "0"), nil, 3, true, 0, 100 * time.Millisecond},
		{"429 at the limit", Request{Method: "GET"}, reply(429, "0"), nil, MaxRetries, false, 0, 0},
		{"429 without Retry-After", Request{Method: "GET"}, reply(429, ""), nil, 0, false, 0, 0},
		{"409 with Retry-After", Request{Method: "GET"}, reply(409, "1"), nil, 0, false, 0, 0},
		{"200", Request{Method: "GET"}, reply(200, "1"), nil, 0, false, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wait, ok := retryWait(&tt.req, tt.resp, tt.err, tt.attempt)
			if ok != tt.want {
				t.Fatalf("retryWait = %v, %v; want retry %v", wait, ok, tt.want)
			}
			if ok && (wait < tt.min || wait >= tt.max+time.Nanosecond) {
				t.Errorf("retryWait waits %v, want within [%v, %v]", wait, tt.min, tt.max)
			}
		})
	}
}

func TestResponseError(t *testing.T) {
	pods := podsResource
	tests := []struct {
		name       string
		method     string
		code       int
		body       string
		check      func(error) bool
		wantCode   int32
		wantReason metav1.StatusReason
		wantText   string // in the message
	}{
		{"the server's Status", "GET", 404,
			`{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","message":"pods \"p\" not found","code":404}`,
			apierrors.IsNotFound, 404, metav1.StatusReasonNotFound, `pods "p" not found`},
		{"a Status without a code takes the answer's", "POST", 409,
			`{"kind":"Status","status":"Failure","reason":"AlreadyExists","message":"exists"}`,
			apierrors.IsAlreadyExists, 409, metav1.StatusReasonAlreadyExists, "exists"},
		{"a Status of success is not the server's refusal", "GET", 500,
			`{"kind":"Status","status":"Success"}`,
			apierrors.IsInternalError, 500, metav1.StatusReasonInternalError, `Success`},
		{"an empty 404 names the verb, resource and name", "GET", 404, ``,
			apierrors.IsNotFound, 404, metav1.StatusReasonNotFound, `(get pods p)`},
		{"a proxy's page", "PATCH", 502, `<html>bad gateway</html>`,
			apierrors.IsInternalError, 502, metav1.StatusReasonInternalError, "bad gateway"},
		{"a conflict without a Status", "PUT", 409, `conflict`,
			apierrors.IsConflict, 409, metav1.StatusReasonConflict, "conflict"},
		{"a refusal to delete", "DELETE", 403, ``,
			apierrors.IsForbidden, 403, metav1.StatusReasonForbidden, "delete"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := responseError(&Request{Method: tt.method, Resource: pods, Name: "p"}, tt.code, []byte(tt.body))
			var se *apierrors.StatusError
			if !errors.As(err, &se) {
				t.Fatalf("responseError = %v (%T), want an *apierrors.StatusError", err, err)
			}
			if !tt.check(err) {
				t.Errorf("responseError = %v, reason %q: the apierrors predicate fails", err, apierrors.ReasonForError(err))
			}
			if se.ErrStatus.Code != tt.wantCode || se.ErrStatus.Reason != tt.wantReason {
				t.Errorf("Status code %d reason %q, want %d %q", se.ErrStatus.Code, se.ErrStatus.Reason, tt.wantCode, tt.wantReason)
			}
			if !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("responseError = %q, want it to say %q", err, tt.wantText)
			}
		})
	}
}

// A request holds an in-flight slot while on the wire and gives it back
// when the answer is read; a streaming request takes none.
func TestInFlightSlot(t *testing.T) {
	arrived, release := make(chan struct{}), make(chan struct{})
	s := newServer(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			close(arrived)
			<-release
		}
		io.WriteString(w, `{}`)
	})
	w := s.wire(t, Config{MaxInFlight: 1})
	ctx := context.Background()
	done := make(chan error)
	go func() {
		_, err := w.Do(ctx, &Request{Method: "GET", Path: "/slow"})
		done <- err
	}()
	<-arrived
	if n := len(w.inflight); n != 1 {
		t.Fatalf("%d slots held while a request is on the wire, want 1", n)
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if err := w.acquire(canceled); err != context.Canceled {
		t.Errorf("acquire with every slot taken and an ended context = %v, want context.Canceled", err)
	}
	open, err := w.Stream(ctx, &Request{Method: "GET", Path: "/stream"})
	if err != nil {
		t.Fatalf("Stream while the only slot is taken = %v, want success: streams take no slot", err)
	}
	open.Body.Close()
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := len(w.inflight); n != 0 {
		t.Errorf("%d slots held after the answer was read", n)
	}
	if _, err := w.Do(ctx, &Request{Method: "GET", Path: "/after"}); err != nil {
		t.Errorf("Do after the slot was given back = %v", err)
	}
}

func TestURL(t *testing.T) {
	tests := []struct {
		base, path string
		query      url.Values
		want       string
	}{
		{"https://h", "/api/v1/pods", nil, "https://h/api/v1/pods"},
		{"https://h/k8s/clusters/c-1", "/api/v1/pods", url.Values{"limit": {"5"}}, "https://h/k8s/clusters/c-1/api/v1/pods?limit=5"},
		{"https://h/prefix/", "/api", nil, "https://h/prefix/api"},
		{"https://h", "/api/v1/namespaces/ns/configmaps/a%2Fb", nil, "https://h/api/v1/namespaces/ns/configmaps/a%2Fb"},
		{"https://h", "/apis/g/v1/xs/a%20b", url.Values{"labelSelector": {"a=b,c"}}, "https://h/apis/g/v1/xs/a%20b?labelSelector=a%3Db%2Cc"},
	}
	for _, tt := range tests {
		base, err := url.Parse(tt.base)
		if err != nil {
			t.Fatal(err)
		}
		if got := New(Config{Base: base}).URL(tt.path, tt.query).String(); got != tt.want {
			t.Errorf("URL(%q, %v) below %s = %s, want %s", tt.path, tt.query, tt.base, got, tt.want)
		}
	}
}

var podsResource = schema.GroupResource{Resource: "pods"}

// panickyHandler panics on every warning, as a buggy user handler may.
type panickyHandler struct{}

func (panickyHandler) HandleWarningHeaderWithContext(context.Context, int, string, string) {
	panic("warning handler")
}

// A warning handler that panics must not keep the in-flight slot: a caller
// that recovers (an HTTP server, a controller's reconciler) would otherwise
// lose one slot per panic until every call waits forever.
func TestWarningHandlerPanicGivesTheSlotBack(t *testing.T) {
	s := newServer(t, func(n int, w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Warning", `299 - "deprecated"`)
		io.WriteString(w, `{}`)
	})
	w := s.wire(t, Config{MaxInFlight: 1, Warnings: panickyHandler{}})
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("the handler's panic did not reach the caller")
			}
		}()
		w.Do(context.Background(), &Request{Method: "GET", Path: "/warns"})
	}()
	if n := len(w.inflight); n != 0 {
		t.Errorf("%d slots held after the warning handler panicked, want 0", n)
	}
}
