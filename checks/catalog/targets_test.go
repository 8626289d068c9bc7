package catalog

import (
	"reflect"
	"strings"
	"testing"

	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/paths"
	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/scenarios"
)

// Every catalogue id, in every built-in scenario, gets targets or a reason naming what is missing.
func TestEveryPathIsDecided(t *testing.T) {
	for _, name := range scenarios.Names() {
		p := planOf(t, name, nil)
		p.Checks.Paths = paths.IDs()
		for _, a := range checks.Applies(All(), p) {
			if len(a.Targets) == 0 && a.Reason == "" {
				t.Errorf("%s: %s has neither targets nor a reason", name, a.Path)
			}
			if a.Reason == "no rule for this path" || a.Reason == "unknown path id" {
				t.Errorf("%s: %s: %s", name, a.Path, a.Reason)
			}
		}
	}
}

func targets(t *testing.T, p *plan.Plan, id string) ([]checks.Target, string) {
	t.Helper()
	p.Checks.Paths = []string{id}
	a := checks.Applies(All(), p)[0]
	return a.Targets, a.Reason
}

func TestApplicabilityFollowsThePlan(t *testing.T) {
	fb := planOf(t, "flannel-basic", nil)
	if ts, _ := targets(t, fb, "mtu/path"); len(ts) != 1 || ts[0].Cluster != "c1" {
		t.Errorf("flannel-basic mtu/path: %v", ts)
	}
	if _, why := targets(t, fb, "cross-cluster/tgw-pod"); why != "the scenario has no transit gateway" {
		t.Errorf("flannel-basic tgw-pod: %q", why)
	}
	if _, why := targets(t, fb, "mesh/east-west"); why != "the scenario has no istio section" {
		t.Errorf("mesh: %q", why)
	}
	if _, why := targets(t, fb, "ingress/host-path"); !strings.Contains(why, "ingress controller") {
		t.Errorf("ingress: %q", why)
	}
	tp := planOf(t, "tgw-two-vpc", nil)
	ts, _ := targets(t, tp, "cross-cluster/tgw-pod")
	if !reflect.DeepEqual(ts, []checks.Target{{From: "a", To: "b"}, {From: "b", To: "a"}}) {
		t.Errorf("tgw-two-vpc tgw-pod: %v", ts)
	}
	// A blackhole for B's Pod CIDR in the table takes a->b away (the plan is the expectation).
	bh := planOf(t, "tgw-two-vpc", func(s string) string {
		return strings.Replace(s, "{cidr: 10.1.64.0/18, attachment: vpc-b}", "{cidr: 10.1.64.0/18, blackhole: true}", 1)
	})
	if ts, _ := targets(t, bh, "cross-cluster/tgw-pod"); !reflect.DeepEqual(ts, []checks.Target{{From: "b", To: "a"}}) {
		t.Errorf("with a blackhole: %v", ts)
	}
	if ts, _ := targets(t, tp, "cross-cluster/overlap-refused"); len(ts) != 1 {
		t.Errorf("overlap-refused: %v", ts)
	}
	// kube-proxy-modes has no MetalLB: the LoadBalancer path says so.
	kp := planOf(t, "kube-proxy-modes", nil)
	if _, why := targets(t, kp, "service/loadbalancer"); !strings.Contains(why, "MetalLB") {
		t.Errorf("loadbalancer: %q", why)
	}
}

func planOf(t *testing.T, name string, edit func(string) string) *plan.Plan {
	t.Helper()
	data, _ := scenarios.Lookup(name)
	src := string(data)
	if edit != nil {
		src = edit(src)
	}
	p, d := plan.Build(name, []byte(src), plan.Options{})
	if p == nil {
		t.Fatal(d.Error())
	}
	return p
}

// In the isolated-spokes design the two-way analysis decides the pairs: the spokes and the hub
// answer each other (there and back), the spokes are kept apart, and only the kept-apart pairs are
// tgw-isolation's targets; tgw-internal-lb goes only to the hub, the one cluster with MetalLB.
func TestIsolatedSpokesPairs(t *testing.T) {
	p := planOf(t, "tgw-isolated-spokes", nil)
	pods, _ := targets(t, p, "cross-cluster/tgw-pod")
	want := []checks.Target{{From: "hub", To: "spoke-a"}, {From: "hub", To: "spoke-b"}, {From: "spoke-a", To: "hub"}, {From: "spoke-b", To: "hub"}}
	if !reflect.DeepEqual(pods, want) {
		t.Errorf("tgw-pod targets %v, want %v", pods, want)
	}
	iso, why := targets(t, p, "cross-cluster/tgw-isolation")
	if !reflect.DeepEqual(iso, []checks.Target{{From: "spoke-a", To: "spoke-b"}, {From: "spoke-b", To: "spoke-a"}}) {
		t.Errorf("tgw-isolation targets %v (%s)", iso, why)
	}
	lbs, _ := targets(t, p, "cross-cluster/tgw-internal-lb")
	if !reflect.DeepEqual(lbs, []checks.Target{{From: "spoke-a", To: "hub"}, {From: "spoke-b", To: "hub"}}) {
		t.Errorf("tgw-internal-lb targets %v", lbs)
	}
	// tgw-two-vpc keeps nothing apart: the isolation path says so instead of testing a pair.
	if ts, why := targets(t, planOf(t, "tgw-two-vpc", nil), "cross-cluster/tgw-isolation"); len(ts) != 0 || !strings.Contains(why, "keep no pair") {
		t.Errorf("tgw-two-vpc tgw-isolation: %v %q", ts, why)
	}
}
