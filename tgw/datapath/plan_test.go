package datapath

import (
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"github.com/netlab-dev/netlab/tgw/model"
)

// TestPlan checks the mapping from state to kernel routes and rules without a kernel.
func TestPlan(t *testing.T) {
	s := model.New()
	s.IDs = model.Sequential()
	f := false
	addr := func(p netip.Prefix) (netip.Addr, bool) { return p.Addr().Next(), true }
	vA, _ := s.CreateVPC("10.0.0.0/16", nil)
	vB, _ := s.CreateVPC("10.1.0.0/16", nil)
	sA, _ := s.CreateSubnet(vA.ID, "10.0.1.0/24", "", nil)
	sB, _ := s.CreateSubnet(vB.ID, "10.1.1.0/24", "", nil)
	sB2, _ := s.CreateSubnet(vB.ID, "10.1.2.0/24", "us-east-1b", nil)
	g, _ := s.CreateTransitGateway("", model.TransitGatewayOptions{DefaultAssociation: &f, DefaultPropagation: &f}, nil)
	aA, err := s.CreateAttachment(g.ID, vA.ID, []string{sA.ID}, nil, addr)
	must(t, err)
	aB, err := s.CreateAttachment(g.ID, vB.ID, []string{sB.ID, sB2.ID}, nil, addr)
	must(t, err)
	rt, _ := s.CreateRouteTable(g.ID, nil)
	node, _ := s.CreateNetworkInterface(sB2.ID, "10.1.2.20", "", nil)
	must(t, s.CreateVPCRoute(vB.MainRouteTableID, "10.244.1.0/24", model.VPCRouteTarget{NetworkInterfaceID: node.ID}))
	must(t, s.CreateVPCRoute(vB.MainRouteTableID, "10.245.0.0/24", model.VPCRouteTarget{NetworkInterfaceID: node.ID}))
	_, _, err = s.Associate(rt.ID, aA.ID)
	must(t, err)
	_, _, err = s.EnablePropagation(rt.ID, aB.ID)
	must(t, err)
	_, err = s.CreateRoute(rt.ID, "10.244.0.0/16", aB.ID, false)
	must(t, err)
	_, err = s.CreateRoute(rt.ID, "10.245.0.0/16", aB.ID, false)
	must(t, err)
	_, err = s.CreateRoute(rt.ID, "10.245.0.0/20", "", true) // shadows the node route's /24 inside it
	must(t, err)

	d, warnings := Plan(s)
	if len(warnings) != 0 {
		t.Fatalf("warnings: %v", warnings)
	}
	var got []string
	for _, r := range d.Routes {
		got = append(got, r.String())
	}
	table := TableOf(rt)
	want := []string{
		"10.1.2.0/24 leg 10.1.2.1 table 10003",                 // the second attached subnet by its own leg
		"10.244.1.0/24 via 10.1.2.20 leg 10.1.2.1 table 10003", // the node's Pod CIDR inside the static /16
		"blackhole 10.245.0.0/20 table 10003",                  // more specific than the /16: wins over the node's /24 in it
		"10.1.0.0/16 leg 10.1.1.1 table 10003",
		"10.244.0.0/16 leg 10.1.1.1 table 10003",
		"10.245.0.0/16 leg 10.1.1.1 table 10003",
	}
	if table != 10003 || strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("routes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var rules []string
	for _, r := range d.Rules {
		in := r.Iif
		if r.In.IsValid() {
			in = r.In.String()
		}
		rules = append(rules, in+" "+itoa(r.Priority)+" "+itoa(r.Table))
	}
	// A (seq 1) is associated: lookup then drop; B (seq 2) is not: drop only, on both legs; then the
	// TGW's own packets use main, and nothing else is forwarded
	wantRules := []string{"10.0.1.1 10001 10003", "10.0.1.1 20001 0", "10.1.1.1 20002 0", "10.1.2.1 20002 0", "lo 29998 254", " 29999 0"}
	if strings.Join(rules, ",") != strings.Join(wantRules, ",") {
		t.Fatalf("rules %v, want %v", rules, wantRules)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// must fails the test when err is not nil.
func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
