package tgw

import (
	"strings"
	"testing"

	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/scenarios"
)

func TestNodeScriptRoutesAndPreserve(t *testing.T) {
	data, _ := scenarios.Lookup("tgw-two-vpc")
	p, d := plan.Build("tgw-two-vpc", data, plan.Options{})
	if p == nil {
		t.Fatal(d.Error())
	}
	a, _ := p.Cluster("a")
	b, _ := p.Cluster("b")
	sa, sb := NodeScript(*a), NodeScript(*b)
	for _, want := range []string{
		"ip route replace 10.1.64.0/18 via 10.0.1.254\n",
		"ip route replace 10.1.0.0/16 via 10.0.1.254\n",
		"iptables -t nat -A NETLAB-PRESERVE -s 10.0.64.0/18 -d 10.1.64.0/18 -j ACCEPT\n",
		"iptables -t nat -A NETLAB-PRESERVE -s 10.0.64.0/18 -d 10.1.0.0/16 -j ACCEPT\n",
		"iptables -t nat -I POSTROUTING 1 -j NETLAB-PRESERVE\n",
	} {
		if !strings.Contains(sa, want) {
			t.Errorf("cluster a (preserve) script lacks %q:\n%s", want, sa)
		}
	}
	if !strings.Contains(sb, "ip route replace 10.0.64.0/18 via 10.1.1.254\n") || strings.Contains(sb, "iptables") {
		t.Errorf("cluster b (masquerade) must get routes and no non-masquerade rules:\n%s", sb)
	}
	// enterprise-hub-spoke: VPC main's subnets are separate networks; its clusters reach the sibling
	// subnets and the rest of their own VPC, sibling clusters' Pods included ("local"), and VPC gpu
	// ("tgw") through the TGW's leg in their own subnet, and masquerade.
	h, d := plan.Build("enterprise-hub-spoke", mustScenario(t, "enterprise-hub-spoke"), plan.Options{})
	if h == nil {
		t.Fatal(d.Error())
	}
	web, _ := h.Cluster("web")
	gpu, _ := h.Cluster("gpu")
	want := "set -e\nip route replace 10.0.0.0/24 via 10.0.1.254\nip route replace 10.0.2.0/24 via 10.0.1.254\n" +
		"ip route replace 10.0.3.0/24 via 10.0.1.254\nip route replace 10.0.0.0/16 via 10.0.1.254\nip route replace 10.1.0.0/16 via 10.0.1.254\n"
	if s := NodeScript(*web); s != want {
		t.Errorf("cluster web:\n got %q\nwant %q", s, want)
	}
	if s := NodeScript(*gpu); s != "set -e\nip route replace 10.1.0.0/16 via 10.1.1.254\nip route replace 10.0.0.0/16 via 10.1.1.254\n" {
		t.Errorf("cluster gpu: %q", s)
	}
	f, _ := plan.Build("x", mustScenario(t, "flannel-basic"), plan.Options{})
	if s := NodeScript(f.Clusters[0]); s != "" {
		t.Errorf("no TGW, no script: %q", s)
	}
}

func mustScenario(t *testing.T, name string) []byte {
	data, ok := scenarios.Lookup(name)
	if !ok {
		t.Fatal(name)
	}
	return data
}
