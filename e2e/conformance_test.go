package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/netlab-dev/netlab/conformance"
	"github.com/netlab-dev/netlab/conformance/live"
	"github.com/netlab-dev/netlab/internal/status"
	"github.com/netlab-dev/netlab/internal/testenv"
	"github.com/netlab-dev/netlab/provision/images"
)

// Issue 20: Kubernetes' own suites inside a lab, with nothing pulled. flannel-basic (the default
// lab, Kubernetes v1.33.13, Flannel, kube-proxy iptables) passes every selected "[sig-network] …
// [Conformance]" spec, and the NetworkPolicy suite is reported not applicable there (Flannel does
// not enforce policy), not failed. The lab's leak meter (up) counts every lab packet out through
// the host's uplink for the lab's whole life: none may leave, and the egress guard must have let
// nothing past. Full matrix only: the suite's images (ci/images/build.sh conformance) are built
// for this test alone, and the suite takes minutes.
func TestE2EConformanceFlannel(t *testing.T) {
	testenv.RequireFullMatrix(t)
	requireConformanceImages(t)
	p := planFor(t, "builtin/flannel-basic.yaml", builtinPlan(t, "flannel-basic"))
	up(t, p)
	rep := runConformance(t, p.Lab, conformance.SigNetwork, conformance.NetPol)
	sig, netpol := rep.Runs[0], rep.Runs[1]
	c := sig.Counts()
	if sig.Verdict != conformance.Pass || c[conformance.Failed] != 0 || c[conformance.Passed] < 30 {
		t.Errorf("sig-network on flannel-basic: %s %q, counts %v; want a pass of every selected spec", sig.Verdict, sig.Reason, c)
	}
	if netpol.Verdict != conformance.NotApplicable || !strings.Contains(netpol.Reason, "flannel does not enforce NetworkPolicy") || len(netpol.Specs) != 0 {
		t.Errorf("netpol on flannel: %s %q, %d specs; want not applicable, nothing run", netpol.Verdict, netpol.Reason, len(netpol.Specs))
	}
}

// On Calico (VXLAN, iptables data plane), which enforces NetworkPolicy, the NetworkPolicy suite
// must pass (SCTP specs excluded: the kernel has none).
func TestE2EConformanceCalicoNetPol(t *testing.T) {
	testenv.RequireFullMatrix(t)
	requireConformanceImages(t)
	p := planFor(t, "e2e-conformance-calico", []byte(`apiVersion: netlab.dev/v1alpha1
kind: Scenario
metadata:
  name: e2e-conformance-calico
vpcs:
  - name: vpc
    cidr: 10.244.0.0/16
clusters:
  - name: c1
    workers: 2
    cni: {type: calico, mode: vxlan}
`))
	up(t, p)
	rep := runConformance(t, p.Lab, conformance.NetPol)
	run := rep.Runs[0]
	c := run.Counts()
	if run.Verdict != conformance.Pass || c[conformance.Failed] != 0 || c[conformance.Passed] < 30 {
		t.Errorf("netpol on Calico: %s %q, counts %v", run.Verdict, run.Reason, c)
	}
}

// runConformance runs the suites in the lab as 'netlab conformance' does (offline), logs the
// table and checks what the egress guard counted.
func runConformance(t *testing.T, lab string, suites ...conformance.Suite) *conformance.Report {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Minute)
	defer cancel()
	start := time.Now()
	rep, err := live.Run(ctx, lab, live.Options{Suites: suites, Offline: true, Deadline: 75 * time.Minute}, status.New(testLog{t}, 1, false))
	if err != nil {
		t.Fatalf("conformance: %v", err)
	}
	var table strings.Builder
	if err := rep.Table(&table); err != nil {
		t.Fatal(err)
	}
	t.Logf("netlab conformance %s took %s:\n%s", lab, time.Since(start).Round(time.Second), table.String())
	if len(rep.Runs) != len(suites) {
		t.Fatalf("%d runs, want %d", len(rep.Runs), len(suites))
	}
	if rep.Egress == nil || !rep.Egress.Guarded || rep.Egress.Escaped.Packets != 0 {
		t.Errorf("egress guard: %+v; want it read, and nothing past it", rep.Egress)
	}
	return rep
}

func requireConformanceImages(t *testing.T) {
	t.Helper()
	requireImages(t, "ci/images/build.sh conformance", append([]string{images.ConformanceRunner}, live.TestImages()...)...)
}
