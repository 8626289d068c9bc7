package cluster

import (
	"bytes"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/netlab-dev/netlab/internal/status"
)

// The lock holds NetworkEnv at one cluster's value from lockNetwork until release, and the logger
// releases it exactly when kind reports having read it.
func TestNetworkEnvIsSerialisedAndRestored(t *testing.T) {
	t.Setenv(NetworkEnv, "users-own")
	release := lockNetwork("lab-vpc-a")
	if got := os.Getenv(NetworkEnv); got != "lab-vpc-a" {
		t.Fatalf("env = %q while locked", got)
	}
	// A second creator must wait until the first releases.
	second := make(chan string)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		r := lockNetwork("lab-vpc-b")
		second <- os.Getenv(NetworkEnv)
		r()
	}()
	select {
	case v := <-second:
		t.Fatalf("second creator ran while the first held the variable (saw %q)", v)
	case <-time.After(50 * time.Millisecond):
	}
	l := &kindLogger{status: status.Discard(), onNetworkRead: release, cluster: "a"}
	l.Warn("WARNING: Overriding docker network due to KIND_EXPERIMENTAL_DOCKER_NETWORK")
	select {
	case v := <-second:
		if v != "lab-vpc-b" {
			t.Fatalf("second creator saw %q", v)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("kind's warning did not release the lock")
	}
	release() // idempotent: Create's deferred release after the logger's
	wg.Wait()
	if got := os.Getenv(NetworkEnv); got != "users-own" {
		t.Fatalf("env not restored: %q", got)
	}
}

func TestLoggerKeepsErrorsAndStatus(t *testing.T) {
	var out bytes.Buffer
	l := &kindLogger{status: status.New(&out, 1, false), onNetworkRead: func() {}, cluster: "c1"}
	l.V(0).Info(" \u2022 Preparing nodes \U0001F4E6  ...")
	l.V(0).Info(" \u2713 Preparing nodes \U0001F4E6")
	l.V(1).Info("debug noise")
	l.Warn("disk nearly full")
	l.Error("boom")
	if want := "   [c1] Preparing nodes \U0001F4E6  ...\n   [c1] warning: disk nearly full\n"; out.String() != want {
		t.Fatalf("status lines at -v:\n%q\nwant\n%q", out.String(), want)
	}
	if l.lastErrors() != "\nboom" {
		t.Fatalf("errors: %q", l.lastErrors())
	}
	// Without -v kind's phase lines are not shown; its warnings are.
	out.Reset()
	l = &kindLogger{status: status.New(&out, 0, false), onNetworkRead: func() {}, cluster: "c1"}
	l.V(0).Info(" \u2022 Preparing nodes \U0001F4E6  ...")
	l.Warn("disk nearly full")
	if want := "   [c1] warning: disk nearly full\n"; out.String() != want {
		t.Fatalf("status lines without -v: %q, want %q", out.String(), want)
	}
}

// kind warns about cgroup v1 once per cluster it creates; netlab says it once per Provider, in its
// own words, whichever cluster's logger hears it first.
func TestCgroupV1WarningOncePerProvider(t *testing.T) {
	var out bytes.Buffer
	st := status.New(&out, 0, false)
	p := &Provider{}
	warning := "cgroup v1 is deprecated in Kubernetes and will not be supported in a future kind release, please upgrade to cgroup v2"
	for _, c := range []string{"a", "b", "c"} {
		l := &kindLogger{status: st, onNetworkRead: func() {}, cluster: c, cgroupV1: &p.cgroupV1}
		l.Warn(warning)
	}
	if want := "   " + cgroupV1Note + "\n"; out.String() != want {
		t.Fatalf("got %q, want the note once", out.String())
	}
	if strings.Contains(out.String(), "[a]") || !strings.Contains(out.String(), "cgroup v2") {
		t.Fatalf("the note is the host's, not a cluster's, and says the fix: %q", out.String())
	}
}
