package checks

import (
	"reflect"
	"strings"
	"testing"

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
