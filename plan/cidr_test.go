package plan

import (
	"net/netip"
	"testing"
)

func TestParseCIDR(t *testing.T) {
	cases := map[string]string{
		"10.0.0.0/16":  "",
		" 10.0.0.0/8 ": "",
		"10.0.0.1/16":  `"10.0.0.1/16" has host bits set; did you mean 10.0.0.0/16?`,
		"10.0.0.0":     `"10.0.0.0" is not a CIDR; write it like 10.0.0.0/16`,
		"fd00::/64":    `"fd00::/64" is not IPv4; netlab labs are IPv4 only for now`,
	}
	for in, want := range cases {
		_, err := parseCIDR(in)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != want {
			t.Errorf("parseCIDR(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseRange(t *testing.T) {
	r, err := parseRange("10.0.1.200-10.0.1.220")
	if err != nil || r.count() != 21 || r.String() != "10.0.1.200-10.0.1.220" {
		t.Fatalf("range: %v %v", r, err)
	}
	r, err = parseRange("10.0.1.192/27")
	if err != nil || r.count() != 32 || r.from.String() != "10.0.1.192" || r.to.String() != "10.0.1.223" {
		t.Fatalf("cidr: %v %v", r, err)
	}
	for _, bad := range []string{"10.0.1.220-10.0.1.200", "x-y", "10.0.1.0/33", ""} {
		if _, err := parseRange(bad); err == nil {
			t.Errorf("parseRange(%q) accepted", bad)
		}
	}
}

func TestNthAndOffset(t *testing.T) {
	p := netip.MustParsePrefix("10.0.1.0/24")
	for _, c := range []struct {
		i    int64
		want string
	}{{0, "10.0.1.0"}, {1, "10.0.1.1"}, {-1, "10.0.1.255"}, {-2, "10.0.1.254"}, {192, "10.0.1.192"}} {
		if got := nth(p, c.i).String(); got != c.want {
			t.Errorf("nth(%s, %d) = %s, want %s", p, c.i, got, c.want)
		}
	}
	if o := offset(p, netip.MustParseAddr("10.0.1.200")); o != 200 {
		t.Fatalf("offset = %d", o)
	}
}

func TestAllocatorSkipsTaken(t *testing.T) {
	a := &allocator{}
	a.take(netip.MustParsePrefix("10.0.1.0/24"))
	got, ok := a.next(netip.MustParsePrefix("10.0.0.0/16"), 18)
	if !ok || got.String() != "10.0.64.0/18" {
		t.Fatalf("next = %s %v, want 10.0.64.0/18 (the first /18 holds a taken subnet)", got, ok)
	}
	got, _ = a.next(netip.MustParsePrefix("10.0.0.0/16"), 18)
	if got.String() != "10.0.128.0/18" {
		t.Fatalf("second next = %s, want 10.0.128.0/18", got)
	}
	full := &allocator{}
	full.take(netip.MustParsePrefix("10.0.0.0/16"))
	if _, ok := full.next(netip.MustParsePrefix("10.0.0.0/16"), 24); ok {
		t.Fatal("allocated from a full range")
	}
	if _, ok := a.next(netip.MustParsePrefix("10.0.0.0/16"), 8); ok {
		t.Fatal("allocated a block larger than its range")
	}
}

func TestEffectiveRoutesPrecedence(t *testing.T) {
	routes := effectiveRoutes([]TGWRoute{
		{CIDR: netip.MustParsePrefix("10.1.0.0/16"), Attachment: "b", Type: "propagated"},
		{CIDR: netip.MustParsePrefix("10.1.0.0/16"), Blackhole: true, Type: "static"},
		{CIDR: netip.MustParsePrefix("10.1.64.0/18"), Attachment: "b", Type: "static"},
		{CIDR: netip.MustParsePrefix("10.0.0.0/16"), Attachment: "a", Type: "propagated"},
	})
	want := []string{"10.1.64.0/18 b static", "10.0.0.0/16 a propagated", "10.1.0.0/16  static"}
	if len(routes) != len(want) {
		t.Fatalf("routes = %+v", routes)
	}
	for i, r := range routes {
		if got := r.CIDR.String() + " " + r.Attachment + " " + r.Type; got != want[i] {
			t.Errorf("route %d = %q, want %q", i, got, want[i])
		}
	}
	if r, ok := (RouteTablePlan{Routes: routes}).Lookup(netip.MustParseAddr("10.1.64.5")); !ok || r.Attachment != "b" {
		t.Fatalf("longest prefix: %+v", r)
	}
	if r, ok := (RouteTablePlan{Routes: routes}).Lookup(netip.MustParseAddr("10.1.1.5")); !ok || !r.Blackhole {
		t.Fatalf("static blackhole must beat the propagated route: %+v", r)
	}
}
