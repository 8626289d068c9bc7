package egress

import (
	"net/netip"
	"slices"
	"testing"

	"github.com/netlab-dev/netlab/internal/nft"
	"github.com/netlab-dev/netlab/plan"
)

func pfx(ss ...string) []netip.Prefix {
	var out []netip.Prefix
	for _, s := range ss {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}

func TestMerge(t *testing.T) {
	got := Merge(pfx("10.1.0.0/16", "10.0.0.0/16", "10.0.4.0/24", "10.0.0.0/8", "192.168.1.7/24", "192.168.1.0/24", "172.16.0.0/16"))
	if want := pfx("10.0.0.0/8", "172.16.0.0/16", "192.168.1.0/24"); !slices.Equal(got, want) {
		t.Errorf("Merge = %v, want %v", got, want)
	}
	if got := Merge(pfx("10.0.0.0/24", "10.0.1.0/24")); len(got) != 2 {
		t.Errorf("adjacent prefixes: %v", got)
	}
}

func TestSpecFor(t *testing.T) {
	p := &plan.Plan{Lab: "x", Outside: plan.OutsidePlan{Egress: plan.EgressDeny},
		VPCs:     []plan.VPCPlan{{CIDR: netip.MustParsePrefix("10.0.0.0/16"), Subnets: []plan.SubnetPlan{{CIDR: netip.MustParsePrefix("10.0.0.0/24")}}}},
		Clusters: []plan.ClusterPlan{{PodCIDR: netip.MustParsePrefix("10.0.64.0/18"), ServiceCIDR: netip.MustParsePrefix("10.96.0.0/16")}}}
	s, ok := SpecFor(p)
	if !ok || s.Lab != "x" || s.DNSOut || !slices.Equal(s.Ranges, pfx("10.0.0.0/16", "10.96.0.0/16")) {
		t.Errorf("SpecFor = %+v %v", s, ok)
	}
	p.Outside.DNSUpstream = true
	if s2, _ := SpecFor(p); !s2.DNSOut || s2.Key() == s.Key() {
		t.Errorf("dns.upstream: %+v, key %s vs %s", s2, s2.Key(), s.Key())
	}
	p.Outside.Egress = plan.EgressAllow
	if _, ok := SpecFor(p); ok {
		t.Error("egress: allow still has a guard")
	}
	if Canary.Is4() && slices.ContainsFunc(plan.SafeRanges(), func(r netip.Prefix) bool { return r.Contains(Canary) }) {
		t.Errorf("the canary %s is inside a range a lab may use", Canary)
	}
}

func TestCountersFrom(t *testing.T) {
	c := countersFrom(
		map[string]nft.Count{TagCanary + " spec=abc": {Packets: 1, Bytes: 40}, TagDNS: {Packets: 2, Bytes: 120}, TagRefused: {Packets: 5, Bytes: 400}},
		map[string]nft.Count{TagBackstop: {Packets: 0, Bytes: 0}, TagEscaped: {Packets: 0, Bytes: 0}},
	)
	want := Counters{Installed: true, Canary: nft.Count{Packets: 1, Bytes: 40}, DNS: nft.Count{Packets: 2, Bytes: 120}, Refused: nft.Count{Packets: 5, Bytes: 400}}
	if c != want {
		t.Errorf("countersFrom = %+v", c)
	}
	if got := c.Summary(); got != "5 packets refused (2 DNS), 0 left the machine" {
		t.Errorf("Summary = %q", got)
	}
	if got := (Counters{}).Summary(); got != "not installed" {
		t.Errorf("Summary of no table = %q", got)
	}
	if got := (nft.Count{Packets: 7, Bytes: 70}).Since(nft.Count{Packets: 5, Bytes: 50}); got != (nft.Count{Packets: 2, Bytes: 20}) {
		t.Errorf("Since = %+v", got)
	}
}
