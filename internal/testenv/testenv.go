// Package testenv holds the gates that tests use to say what they need from the machine.
//
// The rule: a test that needs something this machine may lack never passes silently without it.
// Outside CI it skips, naming what is missing. Under CI (CI is set) the same lack fails the test,
// because CI is where those tests must really run.
package testenv

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/netlab-dev/netlab/docker"
)

// InCI reports whether the tests run under CI (the CI variable is set and not "false").
func InCI() bool {
	v := os.Getenv("CI")
	return v != "" && v != "false" && v != "0"
}

// missing skips the test outside CI and fails it under CI.
func missing(t testing.TB, what string) {
	t.Helper()
	if InCI() {
		t.Fatalf("this test needs %s, which is missing; CI must provide it", what)
	}
	t.Skipf("skipped: needs %s", what)
}

// RequireRoot gates tests that create network namespaces, links, routes or firewall rules.
func RequireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		missing(t, "root (network namespaces, links and routes)")
	}
}

// RequireCommand gates tests that drive an external program such as iperf3 or aws.
func RequireCommand(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		missing(t, "the "+name+" command on PATH")
	}
	return p
}

// RequireDocker gates tests that need a running Docker engine and the locally built images.
// They run only when NETLAB_E2E=1 (the e2e stage of ci/test sets it); with NETLAB_E2E=1 and
// no engine, the test fails loudly instead of skipping.
func RequireDocker(t testing.TB) {
	t.Helper()
	if os.Getenv("NETLAB_E2E") != "1" {
		t.Skip("skipped: Docker tests run in the e2e stage (NETLAB_E2E=1)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	eng, err := docker.Connect(ctx)
	if err != nil {
		t.Fatalf("NETLAB_E2E=1 but %v", err)
	}
	eng.Close()
}

// RequireFullMatrix gates the e2e tests that only the full matrix runs (ci/e2e-full.sh sets
// NETLAB_E2E_FULL=1): they prove again, another way, what the default e2e stage proves (up killed
// at each step boundary; a second Flannel lab; Calico, whose compile the default run skips), and
// would push a cold .ci/run past its hour. This is a selection, not a missing capability, so it
// skips under CI too, saying how to run it.
func RequireFullMatrix(t testing.TB) {
	t.Helper()
	RequireDocker(t)
	if os.Getenv("NETLAB_E2E_FULL") != "1" {
		t.Skip("skipped: full-matrix e2e test; run it with ci/e2e-full.sh (NETLAB_E2E_FULL=1)")
	}
}

// RequireBundleRoundTrip gates the test that removes a lab's images from the host's engine and
// loads them back from a bundle (e2e: TestE2EBundleRoundTrip). It runs only when
// NETLAB_E2E_BUNDLE=1: ci/e2e-bundle.sh sets it (run on demand, or last by ci/e2e-full.sh), after every other
// e2e test, and it must run alone: a lab or test using those images while they are gone breaks.
func RequireBundleRoundTrip(t testing.TB) {
	t.Helper()
	RequireDocker(t)
	if os.Getenv("NETLAB_E2E_BUNDLE") != "1" {
		t.Skip("skipped: removes the lab's images from this host; runs alone through ci/e2e-bundle.sh (NETLAB_E2E_BUNDLE=1)")
	}
}
