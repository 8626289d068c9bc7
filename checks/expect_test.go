package checks

import (
	"reflect"
	"strings"
	"testing"

	"github.com/netlab-dev/netlab/paths"
	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/scenarios"
)

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

func cluster(t *testing.T, p *plan.Plan, name string) plan.ClusterPlan {
	c, ok := p.Cluster(name)
	if !ok {
		t.Fatalf("no cluster %s", name)
	}
	return *c
}

func TestCrossClusterSourceFollowsTheScenario(t *testing.T) {
	p := planOf(t, "tgw-two-vpc", nil)
	if got := CrossClusterSource(cluster(t, p, "a")); got != SourcePodIP {
		t.Errorf("cluster a preserves its Pod IPs, got %q", got)
	}
	if got := CrossClusterSource(cluster(t, p, "b")); got != SourceNodeIP {
		t.Errorf("cluster b masquerades, got %q", got)
	}
	a := cluster(t, p, "a")
	if got := EgressSource(a, "10.1.0.0/16"); got != SourcePodIP {
		t.Errorf("a's egress to VPC B is not masqueraded, got %q", got)
	}
	if got := EgressSource(a, "10.0.1.0/24"); got != SourceNodeIP {
		t.Errorf("egress elsewhere is SNATed, got %q", got)
	}
}

func TestExternalTrafficPolicy(t *testing.T) {
	cases := []struct {
		policy  string
		local   bool
		want    Source
		answers bool
	}{
		{"Cluster", false, SourceNodeIP, true},
		{"Cluster", true, SourceNodeIP, true},
		{"Local", true, SourceClientIP, true},
		{"Local", false, "", false},
	}
	for _, c := range cases {
		got, ok := ExternalTrafficSource(c.policy, c.local)
		if got != c.want || ok != c.answers {
			t.Errorf("%s, lands on backend node %v: got %q answers=%v", c.policy, c.local, got, ok)
		}
	}
}

func TestHopsAndTTL(t *testing.T) {
	cm := planOf(t, "cni-matrix", nil)
	fl, ca, ci := cluster(t, cm, "flannel"), cluster(t, cm, "calico"), cluster(t, cm, "cilium")
	if SameNodeHops(fl) != 0 || SameNodeHops(ca) != 1 || SameNodeHops(ci) != -1 {
		t.Fatalf("same-node hops: flannel %d calico %d cilium %d", SameNodeHops(fl), SameNodeHops(ca), SameNodeHops(ci))
	}
	if TTLSeen(CrossNodeHops(fl)) != 62 || TTLSeen(SameNodeHops(fl)) != 64 || TTLSeen(-1) != -1 {
		t.Fatal("TTL seen")
	}
	tp := planOf(t, "tgw-two-vpc", nil)
	if h := CrossClusterHops(cluster(t, tp, "a"), cluster(t, tp, "b")); h != CrossNodeHops(cluster(t, tp, "a"))+1 {
		t.Fatalf("the TGW adds exactly one hop, got %d", h)
	}
}

func TestEncapsulationAndMTU(t *testing.T) {
	cm := planOf(t, "cni-matrix", nil)
	if got := ExpectEncapsulation(cluster(t, cm, "flannel")); got != (Encapsulation{"vxlan", 8472, 1450}) {
		t.Errorf("flannel: %+v", got)
	}
	if got := ExpectEncapsulation(cluster(t, cm, "calico")); got != (Encapsulation{"vxlan", 4789, 1450}) {
		t.Errorf("calico: %+v", got)
	}
	hg := planOf(t, "flannel-basic", func(s string) string { return strings.Replace(s, "mode: vxlan", "mode: host-gw", 1) })
	if got := ExpectEncapsulation(cluster(t, hg, "c1")); got != (Encapsulation{"none", 0, 1500}) {
		t.Errorf("host-gw: %+v", got)
	}
	if got := ExpectMTUProbe(cluster(t, cm, "flannel")); got != (MTUProbe{1422, 1423}) {
		t.Errorf("MTU probe: %+v", got)
	}
}

func TestServiceRulesPerMode(t *testing.T) {
	want := map[string]string{"iptables": RuleIptablesKubeSVC, "nftables": RuleNftKubeProxy}
	p := planOf(t, "kube-proxy-modes", nil)
	for _, c := range p.Clusters {
		r := ExpectServiceRules(c)
		if !reflect.DeepEqual(r.Present, []string{want[c.KubeProxyMode]}) || len(r.Absent) != 3 {
			t.Errorf("%s: %+v", c.KubeProxyMode, r)
		}
		for _, a := range r.Absent {
			if a == r.Present[0] {
				t.Errorf("%s: a rule is both present and absent", c.KubeProxyMode)
			}
		}
	}
	if r := ExpectServiceRules(cluster(t, planOf(t, "kube-proxy-ipvs", nil), "ipvs")); r.Present[0] != RuleIPVSVirtual {
		t.Errorf("ipvs: %+v", r)
	}
	if r := ExpectServiceRules(cluster(t, planOf(t, "cni-matrix", nil), "cilium")); r.Present[0] != RuleCiliumService {
		t.Errorf("cilium without kube-proxy: %+v", r)
	}
}

func TestNetworkPolicyEnforcement(t *testing.T) {
	cm := planOf(t, "cni-matrix", nil)
	if ok, why := NetworkPolicyEnforced(cluster(t, cm, "flannel")); ok || !strings.Contains(why, "flannel does not enforce") {
		t.Errorf("flannel: %v %q", ok, why)
	}
	if ok, _ := NetworkPolicyEnforced(cluster(t, cm, "calico")); !ok {
		t.Error("calico enforces NetworkPolicy")
	}
}

// Every catalogue id, in every built-in scenario, gets targets or a reason naming what is missing.
func TestEveryPathIsDecided(t *testing.T) {
	for _, name := range scenarios.Names() {
		p := planOf(t, name, nil)
		p.Checks.Paths = paths.IDs()
		for _, a := range Applies(p) {
			if len(a.Targets) == 0 && a.Reason == "" {
				t.Errorf("%s: %s has neither targets nor a reason", name, a.Path)
			}
			if a.Reason == "no rule for this path" || a.Reason == "unknown path id" {
				t.Errorf("%s: %s: %s", name, a.Path, a.Reason)
			}
		}
	}
}

func targets(t *testing.T, p *plan.Plan, id string) ([]Target, string) {
	t.Helper()
	p.Checks.Paths = []string{id}
	a := Applies(p)[0]
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
	if !reflect.DeepEqual(ts, []Target{{From: "a", To: "b"}, {From: "b", To: "a"}}) {
		t.Errorf("tgw-two-vpc tgw-pod: %v", ts)
	}
	// A blackhole for B's Pod CIDR in the table takes a->b away (the plan is the expectation).
	bh := planOf(t, "tgw-two-vpc", func(s string) string {
		return strings.Replace(s, "{cidr: 10.1.64.0/18, attachment: vpc-b}", "{cidr: 10.1.64.0/18, blackhole: true}", 1)
	})
	if ts, _ := targets(t, bh, "cross-cluster/tgw-pod"); !reflect.DeepEqual(ts, []Target{{From: "b", To: "a"}}) {
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
