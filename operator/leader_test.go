package operator

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kobj-dev/kobj"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
)

func TestCheckTimings(t *testing.T) {
	s := time.Second
	for _, tc := range []struct {
		name                string
		lease, renew, retry time.Duration
		want                []string // substrings of the error; none: valid
	}{
		{"defaults", 15 * s, 10 * s, 2 * s, nil},
		{"short", 2 * s, 1500 * time.Millisecond, 200 * time.Millisecond, nil},
		{"renew equals lease", 10 * s, 10 * s, 2 * s, []string{"RenewDeadline(10s) must be below LeaseDuration(10s)"}},
		{"renew above lease", 10 * s, 15 * s, 2 * s, []string{"must be below LeaseDuration"}},
		{"retry too long", 15 * s, 10 * s, 9 * s, []string{"must be above 1.2 × RetryPeriod(9s)"}},
		{"retry equals renew", 15 * s, 10 * s, 10 * s, []string{"RetryPeriod(10s)"}},
		{"fractional lease", 1500 * time.Millisecond, s, 100 * time.Millisecond, []string{"LeaseDuration(1.5s): must be a whole number of seconds"}},
		{"sub-second lease", 500 * time.Millisecond, 100 * time.Millisecond, 10 * time.Millisecond, []string{"at least 1s"}},
		{"zero", 0, 0, 0, []string{"LeaseDuration(0s)", "RenewDeadline(0s): must be positive", "RetryPeriod(0s): must be positive"}},
		{"negative retry", 15 * s, 10 * s, -s, []string{"RetryPeriod(-1s): must be positive"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := defaultManagerOptions()
			for _, opt := range []ManagerOption{LeaseDuration(tc.lease), RenewDeadline(tc.renew), RetryPeriod(tc.retry)} {
				opt.applyToManager(&o)
			}
			err := checkTimings(o)
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("checkTimings = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("checkTimings = nil, want an error with %q", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("checkTimings = %v, want it to contain %q", err, w)
				}
			}
		})
	}
}

func testClient(t *testing.T) *kobj.Client {
	t.Helper()
	c, err := kobj.NewClient(&rest.Config{Host: "https://127.0.0.1:1"}, kobj.CacheDir(t.TempDir()), kobj.DefaultNamespace("ops"))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestNewManagerLeaderElection(t *testing.T) {
	c := testClient(t)
	for _, tc := range []struct {
		name     string
		opts     []ManagerOption
		want     string // "" : valid
		wantDesc string
	}{
		{"valid", []ManagerOption{LeaderElection("my-op", "kube-system")}, "", "kube-system/my-op"},
		{"client's namespace", []ManagerOption{LeaderElection("my-op", "")}, "", "ops/my-op"},
		{"no name", []ManagerOption{LeaderElection("", "kube-system")}, `LeaderElection("", "kube-system"): Lease name`, ""},
		{"bad name", []ManagerOption{LeaderElection("My_Op", "x")}, "Lease name", ""},
		{"bad namespace", []ManagerOption{LeaderElection("op", "a.b")}, `namespace "a.b"`, ""},
		{"bad timings", []ManagerOption{LeaderElection("op", "x"), RenewDeadline(20 * time.Second)}, "RenewDeadline(20s) must be below LeaseDuration(15s)", ""},
		{"bad timings without election", []ManagerOption{RetryPeriod(0)}, "RetryPeriod(0s)", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := NewManager(c, tc.opts...)
			if tc.want != "" {
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("NewManager = %v, want an error with %q", err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if m.leader.desc != tc.wantDesc {
				t.Errorf("Lease %s, want %s", m.leader.desc, tc.wantDesc)
			}
			if id := m.leader.identity(); !strings.Contains(id, "_") {
				t.Errorf("identity %q, want hostname_uuid", id)
			}
		})
	}
}

func TestLeaseLockTerminalErrors(t *testing.T) {
	gr := schema.GroupResource{Group: "coordination.k8s.io", Resource: "leases"}
	for _, tc := range []struct {
		name     string
		err      error
		creating bool
		terminal bool
	}{
		{"forbidden", apierrors.NewForbidden(gr, "op", errors.New("no")), false, true},
		{"unauthorized", apierrors.NewUnauthorized("who"), false, true},
		{"not found on get", apierrors.NewNotFound(gr, "op"), false, false},
		{"namespace not found on create", apierrors.NewNotFound(schema.GroupResource{Resource: "namespaces"}, "x"), true, true},
		{"conflict", apierrors.NewConflict(gr, "op", errors.New("rv")), false, false},
		{"already exists", apierrors.NewAlreadyExists(gr, "op"), true, false},
		{"timeout", context.DeadlineExceeded, false, false},
		{"server error", apierrors.NewInternalError(errors.New("etcd")), false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got error
			l := &leaseLock{LeaseLock: &resourcelock.LeaseLock{LeaseMeta: metav1.ObjectMeta{Namespace: "ns", Name: "op"}},
				fail: func(err error) { got = err }}
			l.check("update", tc.err, tc.creating)
			if (got != nil) != tc.terminal {
				t.Fatalf("check(%v): fail called with %v, want terminal=%v", tc.err, got, tc.terminal)
			}
			if got != nil && (!errors.Is(got, tc.err) || !strings.Contains(got.Error(), "cannot update the Lease ns/op")) {
				t.Errorf("fail(%v): want it to wrap %v and name the Lease", got, tc.err)
			}
		})
	}
}

func TestLeaseLockKeepsLeaseUntilReleasable(t *testing.T) {
	l := &leaseLock{LeaseLock: &resourcelock.LeaseLock{}, fail: func(error) {}}
	// client-go releases with a record that has no holder.
	if err := l.Update(context.Background(), resourcelock.LeaderElectionRecord{LeaseDurationSeconds: 1}); !errors.Is(err, errKeepLease) {
		t.Fatalf("release before releasable: %v, want errKeepLease", err)
	}
}
