package catalog

import (
	"context"
	"strings"
	"testing"

	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/checks/report"
	"github.com/netlab-dev/netlab/internal/testplan"
	"github.com/netlab-dev/netlab/paths"
	"github.com/netlab-dev/netlab/plan"
)

func builtin(t *testing.T, name string) *plan.Plan { return testplan.Builtin(t, name) }

func TestOverlapRefusedOnTheTwoVPCLab(t *testing.T) {
	res := overlapRefused(builtin(t, "tgw-two-vpc"), &builder{})
	if res.Verdict != report.Pass {
		t.Fatalf("verdict %s: %+v", res.Verdict, res.Evidence)
	}
	if len(res.Evidence) != 2 {
		t.Fatalf("want a VPC overlap and a Pod CIDR overlap: %+v", res.Evidence)
	}
	for i, want := range []string{"10.0.0.0/16 (VPC", "10.0.64.0/18 (Pod CIDR"} {
		e := res.Evidence[i]
		if !e.OK || !strings.Contains(e.Observed, want) || !strings.Contains(e.Observed, overlapRefusal) {
			t.Errorf("evidence %d does not quote the specific refusal %q: %+v", i, want, e)
		}
	}
}

func TestOverlapRefusedSkipsWithoutATGW(t *testing.T) {
	if res := overlapRefused(builtin(t, "flannel-basic"), &builder{}); res.Verdict != report.Skip {
		t.Fatalf("verdict %s", res.Verdict)
	}
}

func TestBuilderVerdicts(t *testing.T) {
	b := &builder{}
	if r := b.done("nothing"); r.Verdict != report.Fail {
		t.Fatalf("no evidence must not pass: %s", r.Verdict)
	}
	b = &builder{}
	b.add("x", "1", "1", true)
	if r := b.done("ok"); r.Verdict != report.Pass {
		t.Fatalf("verdict %s", r.Verdict)
	}
	b = &builder{}
	b.add("x", "1", "1", true)
	b.negative("backend scaled to 0", false, "answered", "no answer")
	if r := b.done("neg"); r.Verdict != report.Fail || !strings.Contains(r.Reason, "backend scaled to 0") {
		t.Fatalf("a negative control that did not break the path must fail the check: %+v", r)
	}
	b = &builder{}
	b.add("x", "1", "2", false)
	if r := b.done("bad"); r.Verdict != report.Fail || !strings.Contains(r.Reason, "x") {
		t.Fatalf("%+v", r)
	}
}

func TestInPool(t *testing.T) {
	pool := []string{"10.0.1.200-10.0.1.220", "10.9.0.0/30"}
	for ip, want := range map[string]bool{"10.0.1.200": true, "10.0.1.220": true, "10.0.1.221": false, "10.9.0.3": true, "10.9.0.4": false, "x": false} {
		if InPool(ip, pool) != want {
			t.Errorf("InPool(%s) = %v", ip, !want)
		}
	}
}

// kube-proxy names a Service port's iptables chain from sha256 of "ns/name:port" + protocol; the
// expected value is the chain kube-proxy v1.33.13 created for the echo Service in a live lab.
func TestKubeSVCChain(t *testing.T) {
	if c := KubeSVCChain("netlab-checks/echo:tcp", "tcp"); c != "KUBE-SVC-WQDCL2GGST4JMVJT" {
		t.Fatalf("chain %q", c)
	}
}

// Without a live lab every registered check reports an error verdict, never a pass.
func TestChecksNeedALiveLab(t *testing.T) {
	p := builtin(t, "flannel-basic")
	for _, pa := range paths.All() {
		if pa.ID == "cross-cluster/overlap-refused" {
			continue
		}
		rep := checks.Run(context.Background(), All(), &checks.Env{Plan: p}, checks.Options{Paths: []string{pa.ID}})
		for _, r := range rep.Results {
			if r.Verdict == report.Pass {
				t.Errorf("%s passed without a lab", r.Path)
			}
		}
	}
}

// Every catalogue id has an implementation here: no path is ever reported as unknown to this
// version, and the ones whose machinery up does not install say what is missing.
func TestEveryPathIsRegistered(t *testing.T) {
	for _, sc := range []string{"istio-multi-primary", "enterprise-hub-spoke", "tgw-two-vpc", "cni-matrix"} {
		rep := checks.Run(context.Background(), All(), &checks.Env{Plan: builtin(t, sc)}, checks.Options{Paths: []string{"*"}})
		for _, r := range rep.Results {
			if strings.Contains(r.Reason, "not implemented in this version") {
				t.Errorf("%s on %s: %s", r.Path, sc, r.Reason)
			}
		}
	}
}

// The catalogue lists every path id of package paths exactly once, in its order, each with its
// targets rule and hops.
func TestAllIsTheCatalogue(t *testing.T) {
	defs := All()
	ids := paths.IDs()
	if len(defs) != len(ids) {
		t.Fatalf("%d definitions for %d path ids", len(defs), len(ids))
	}
	for i, d := range defs {
		if d.ID != ids[i] {
			t.Errorf("definition %d is %s, want %s", i, d.ID, ids[i])
		}
		if d.Targets == nil || d.Hops == nil {
			t.Errorf("%s: no Targets or no Hops", d.ID)
		}
	}
}
