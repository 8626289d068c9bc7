package model

import (
	"bytes"
	"net/netip"
	"slices"
	"testing"
	"time"
)

func f() *bool { b := false; return &b }

// world builds two VPCs (10.0.0.0/16, 10.1.0.0/16) with one subnet each, a transit gateway without
// default route table, both VPCs attached, and one route table.
type world struct {
	s          *State
	vpcA, vpcB *VPC
	subA, subB *Subnet
	tgw        *TransitGateway
	attA, attB *Attachment
	rt         *RouteTable
	nodeB      *NetworkInterface
}

func tgwAddr(p netip.Prefix) (netip.Addr, bool) { return p.Addr().Next(), true } // .1 of the subnet

func newWorld(t *testing.T) *world {
	t.Helper()
	s := New()
	s.IDs = Sequential()
	s.Now = func() time.Time { return time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC) }
	w := &world{s: s}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	var err error
	w.vpcA, err = s.CreateVPC("10.0.0.0/16", []Tag{{"Name", "a"}})
	must(err)
	w.vpcB, err = s.CreateVPC("10.1.0.0/16", nil)
	must(err)
	w.subA, err = s.CreateSubnet(w.vpcA.ID, "10.0.1.0/24", "", nil)
	must(err)
	w.subB, err = s.CreateSubnet(w.vpcB.ID, "10.1.1.0/24", "", nil)
	must(err)
	w.tgw, err = s.CreateTransitGateway("lab", TransitGatewayOptions{DefaultAssociation: f(), DefaultPropagation: f()}, nil)
	must(err)
	w.attA, err = s.CreateAttachment(w.tgw.ID, w.vpcA.ID, []string{w.subA.ID}, nil, tgwAddr)
	must(err)
	w.attB, err = s.CreateAttachment(w.tgw.ID, w.vpcB.ID, []string{w.subB.ID}, nil, tgwAddr)
	must(err)
	w.rt, err = s.CreateRouteTable(w.tgw.ID, nil)
	must(err)
	w.nodeB, err = s.CreateNetworkInterface(w.subB.ID, "10.1.1.20", "node b", nil)
	must(err)
	return w
}

func TestDeterministicIDs(t *testing.T) {
	w := newWorld(t)
	if w.tgw.ID != "tgw-00000000000000001" || w.attA.ID != "tgw-attach-00000000000000001" || w.rt.ID != "tgw-rtb-00000000000000001" {
		t.Fatalf("ids: %s %s %s", w.tgw.ID, w.attA.ID, w.rt.ID)
	}
	if w.tgw.DefaultRouteTable != "" {
		t.Fatalf("default route table created with association and propagation disabled")
	}
	if w.attA.Subnets[0].Address != "10.0.1.1" || w.s.ENIs[w.attA.Subnets[0].ENIID].Type != InterfaceTypeTransitGateway {
		t.Fatalf("attachment subnet: %+v", w.attA.Subnets[0])
	}
	// random ids look like AWS's
	s := New()
	g, _ := s.CreateTransitGateway("", TransitGatewayOptions{}, nil)
	if len(g.ID) != len("tgw-")+17 {
		t.Fatalf("random id %q", g.ID)
	}
}

func TestDefaultRouteTable(t *testing.T) {
	w := newWorld(t)
	s := w.s
	g, err := s.CreateTransitGateway("", TransitGatewayOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if g.DefaultRouteTable == "" || !g.DefaultAssociation || !g.DefaultPropagation || g.ASN != 64512 {
		t.Fatalf("defaults: %+v", g)
	}
	v, _ := s.CreateVPC("10.2.0.0/16", nil)
	sn, _ := s.CreateSubnet(v.ID, "10.2.0.0/24", "", nil)
	a, err := s.CreateAttachment(g.ID, v.ID, []string{sn.ID}, nil, tgwAddr)
	if err != nil {
		t.Fatal(err)
	}
	if a.RouteTableID != g.DefaultRouteTable {
		t.Fatalf("not associated with the default route table")
	}
	rs, _ := s.Routes(g.DefaultRouteTable)
	if len(rs) != 1 || rs[0].CIDR.String() != "10.2.0.0/16" || rs[0].Type != RouteTypePropagated {
		t.Fatalf("default propagation: %+v", rs)
	}
}

func TestRoutesAndLongestPrefix(t *testing.T) {
	w := newWorld(t)
	s := w.s
	if _, _, err := s.EnablePropagation(w.rt.ID, w.attA.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.EnablePropagation(w.rt.ID, w.attB.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateRoute(w.rt.ID, "10.244.0.0/16", w.attB.ID, false); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateRoute(w.rt.ID, "10.244.1.0/24", "", true); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateRoute(w.rt.ID, "10.1.2.0/24", w.attA.ID, false); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		dst, att, state string
		ok              bool
	}{
		{"10.0.5.5", w.attA.ID, RouteStateActive, true},
		{"10.1.1.10", w.attB.ID, RouteStateActive, true},
		{"10.1.2.9", w.attA.ID, RouteStateActive, true}, // /24 beats the propagated /16
		{"10.244.2.3", w.attB.ID, RouteStateActive, true},
		{"10.244.1.3", "", RouteStateBlackhole, true}, // blackhole /24 beats /16
		{"192.168.0.1", "", "", false},
	}
	for _, c := range cases {
		r, ok, err := s.Lookup(w.rt.ID, netip.MustParseAddr(c.dst))
		if err != nil || ok != c.ok || r.AttachmentID != c.att || r.State != c.state {
			t.Errorf("lookup %s: %+v ok=%v err=%v, want att %q state %q ok %v", c.dst, r, ok, err, c.att, c.state, c.ok)
		}
	}
	// a static route for a propagated CIDR hides it; deleting the static route brings it back
	if _, err := s.CreateRoute(w.rt.ID, "10.1.0.0/16", w.attA.ID, false); err != nil {
		t.Fatal(err)
	}
	r, _, _ := s.Lookup(w.rt.ID, netip.MustParseAddr("10.1.1.10"))
	if r.AttachmentID != w.attA.ID || r.Type != RouteTypeStatic {
		t.Fatalf("static over propagated: %+v", r)
	}
	if _, err := s.DeleteRoute(w.rt.ID, "10.1.0.0/16"); err != nil {
		t.Fatal(err)
	}
	r, _, _ = s.Lookup(w.rt.ID, netip.MustParseAddr("10.1.1.10"))
	if r.AttachmentID != w.attB.ID || r.Type != RouteTypePropagated {
		t.Fatalf("propagated back: %+v", r)
	}
	// replace turns a route into a blackhole
	if _, err := s.ReplaceRoute(w.rt.ID, "10.244.0.0/16", "", true); err != nil {
		t.Fatal(err)
	}
	r, _, _ = s.Lookup(w.rt.ID, netip.MustParseAddr("10.244.9.9"))
	if r.State != RouteStateBlackhole {
		t.Fatalf("replace: %+v", r)
	}
	// disabling propagation removes the propagated route
	if _, _, err := s.DisablePropagation(w.rt.ID, w.attB.ID); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.Lookup(w.rt.ID, netip.MustParseAddr("10.1.1.10")); ok {
		t.Fatal("route left after propagation disabled")
	}
	// deleting an attachment leaves static routes to it in state blackhole
	if _, err := s.DeleteAttachment(w.attA.ID); err != nil {
		t.Fatal(err)
	}
	r, _, _ = s.Lookup(w.rt.ID, netip.MustParseAddr("10.1.2.9"))
	if r.State != RouteStateBlackhole || r.Type != RouteTypeStatic {
		t.Fatalf("route to deleted attachment: %+v", r)
	}
	if _, ok, _ := s.Lookup(w.rt.ID, netip.MustParseAddr("10.0.5.5")); ok {
		t.Fatal("propagation of a deleted attachment left")
	}
}

func TestAssociation(t *testing.T) {
	w := newWorld(t)
	s := w.s
	rt2, _ := s.CreateRouteTable(w.tgw.ID, nil)
	if _, _, err := s.Associate(w.rt.ID, w.attA.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Associate(rt2.ID, w.attA.ID); Code(err) != CodeAlreadyAssociated {
		t.Fatalf("second association: %v", err)
	}
	as, _ := s.Associations(w.rt.ID)
	if len(as) != 1 || as[0].ID != w.attA.ID {
		t.Fatalf("associations: %+v", as)
	}
	if _, err := s.DeleteRouteTable(w.rt.ID); Code(err) != CodeIncorrectState {
		t.Fatalf("delete associated table: %v", err)
	}
	if _, _, err := s.Disassociate(rt2.ID, w.attA.ID); Code(err) != CodeAssociationNotFound {
		t.Fatalf("disassociate wrong table: %v", err)
	}
	if _, _, err := s.Disassociate(w.rt.ID, w.attA.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Associate(rt2.ID, w.attA.ID); err != nil {
		t.Fatal(err)
	}
	if w.attA.RouteTableID != rt2.ID {
		t.Fatal("association not moved")
	}
}

// TestErrorsLeaveNoPartialState checks every validation error's code, and that the state serialises
// to the same bytes before and after the failed call.
func TestErrorsLeaveNoPartialState(t *testing.T) {
	w := newWorld(t)
	s := w.s
	if _, _, err := s.EnablePropagation(w.rt.ID, w.attA.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateRoute(w.rt.ID, "10.9.0.0/16", w.attA.ID, false); err != nil {
		t.Fatal(err)
	}
	otherTGW, _ := s.CreateTransitGateway("", TransitGatewayOptions{DefaultAssociation: f(), DefaultPropagation: f()}, nil)
	otherRT, _ := s.CreateRouteTable(otherTGW.ID, nil)
	noAddr := func(netip.Prefix) (netip.Addr, bool) { return netip.Addr{}, false }
	subA2, _ := s.CreateSubnet(w.vpcA.ID, "10.0.2.0/24", "", nil) // us-east-1a, as subA
	cases := []struct {
		name, code string
		op         func() error
	}{
		{"bad asn", CodeInvalidParameterValue, func() error {
			_, err := s.CreateTransitGateway("", TransitGatewayOptions{ASN: 100}, nil)
			return err
		}},
		{"rt on unknown tgw", CodeTransitGatewayNotFound, func() error { _, err := s.CreateRouteTable("tgw-0123456789abcdef0", nil); return err }},
		{"delete unknown tgw", CodeTransitGatewayNotFound, func() error { _, err := s.DeleteTransitGateway("tgw-0123456789abcdef0"); return err }},
		{"delete tgw with attachments", CodeIncorrectState, func() error { _, err := s.DeleteTransitGateway(w.tgw.ID); return err }},
		{"attach unknown tgw", CodeTransitGatewayNotFound, func() error {
			_, err := s.CreateAttachment("tgw-0123456789abcdef0", w.vpcA.ID, []string{w.subA.ID}, nil, tgwAddr)
			return err
		}},
		{"attach unknown vpc", CodeVpcNotFound, func() error {
			_, err := s.CreateAttachment(otherTGW.ID, "vpc-0123456789abcdef0", []string{w.subA.ID}, nil, tgwAddr)
			return err
		}},
		{"attach unknown subnet", CodeSubnetNotFound, func() error {
			_, err := s.CreateAttachment(otherTGW.ID, w.vpcA.ID, []string{"subnet-0123456789abcdef0"}, nil, tgwAddr)
			return err
		}},
		{"attach subnet of another vpc", CodeInvalidParameterValue, func() error {
			_, err := s.CreateAttachment(otherTGW.ID, w.vpcA.ID, []string{w.subB.ID}, nil, tgwAddr)
			return err
		}},
		{"attach without interface", CodeInvalidParameterValue, func() error {
			_, err := s.CreateAttachment(otherTGW.ID, w.vpcA.ID, []string{w.subA.ID}, nil, noAddr)
			return err
		}},
		{"attach vpc twice", CodeDuplicateAttachment, func() error {
			_, err := s.CreateAttachment(w.tgw.ID, w.vpcA.ID, []string{w.subA.ID}, nil, tgwAddr)
			return err
		}},
		{"delete unknown attachment", CodeAttachmentNotFound, func() error { _, err := s.DeleteAttachment("tgw-attach-0123456789abcdef0"); return err }},
		{"delete unknown rt", CodeRouteTableNotFound, func() error { _, err := s.DeleteRouteTable("tgw-rtb-0123456789abcdef0"); return err }},
		{"associate unknown rt", CodeRouteTableNotFound, func() error { _, _, err := s.Associate("tgw-rtb-0123456789abcdef0", w.attA.ID); return err }},
		{"associate unknown attachment", CodeAttachmentNotFound, func() error { _, _, err := s.Associate(w.rt.ID, "tgw-attach-0123456789abcdef0"); return err }},
		{"associate across tgws", CodeInvalidParameterValue, func() error { _, _, err := s.Associate(otherRT.ID, w.attA.ID); return err }},
		{"propagate twice", CodePropagationDuplicate, func() error { _, _, err := s.EnablePropagation(w.rt.ID, w.attA.ID); return err }},
		{"disable missing propagation", CodePropagationNotFound, func() error { _, _, err := s.DisablePropagation(w.rt.ID, w.attB.ID); return err }},
		{"route bad cidr", CodeInvalidParameterValue, func() error { _, err := s.CreateRoute(w.rt.ID, "10.0.0.0/33", w.attA.ID, false); return err }},
		{"route host bits", CodeInvalidParameterValue, func() error { _, err := s.CreateRoute(w.rt.ID, "10.0.0.1/16", w.attA.ID, false); return err }},
		{"route both targets", CodeInvalidParameterValue, func() error { _, err := s.CreateRoute(w.rt.ID, "10.8.0.0/16", w.attA.ID, true); return err }},
		{"route no target", CodeMissingParameter, func() error { _, err := s.CreateRoute(w.rt.ID, "10.8.0.0/16", "", false); return err }},
		{"route unknown table", CodeRouteTableNotFound, func() error {
			_, err := s.CreateRoute("tgw-rtb-0123456789abcdef0", "10.8.0.0/16", w.attA.ID, false)
			return err
		}},
		{"route unknown attachment", CodeAttachmentNotFound, func() error {
			_, err := s.CreateRoute(w.rt.ID, "10.8.0.0/16", "tgw-attach-0123456789abcdef0", false)
			return err
		}},
		{"route exists", CodeRouteAlreadyExists, func() error { _, err := s.CreateRoute(w.rt.ID, "10.9.0.0/16", "", true); return err }},
		{"delete missing route", CodeRouteNotFound, func() error { _, err := s.DeleteRoute(w.rt.ID, "10.8.0.0/16"); return err }},
		{"delete propagated route", CodeRouteNotFound, func() error { _, err := s.DeleteRoute(w.rt.ID, "10.0.0.0/16"); return err }},
		{"replace missing route", CodeRouteNotFound, func() error { _, err := s.ReplaceRoute(w.rt.ID, "10.8.0.0/16", "", true); return err }},
		{"vpc too big", CodeVpcRange, func() error { _, err := s.CreateVPC("10.0.0.0/8", nil); return err }},
		{"subnet outside vpc", CodeSubnetRange, func() error { _, err := s.CreateSubnet(w.vpcA.ID, "10.5.0.0/24", "", nil); return err }},
		{"subnet overlap", CodeSubnetConflict, func() error { _, err := s.CreateSubnet(w.vpcA.ID, "10.0.1.128/25", "", nil); return err }},
		{"eni outside subnet", CodeInvalidParameterValue, func() error {
			_, err := s.CreateNetworkInterface(w.subB.ID, "10.1.2.20", "", nil)
			return err
		}},
		{"eni address in use", CodeIPAddressInUse, func() error {
			_, err := s.CreateNetworkInterface(w.subB.ID, "10.1.1.20", "", nil)
			return err
		}},
		{"eni on tgw address", CodeIPAddressInUse, func() error {
			_, err := s.CreateNetworkInterface(w.subB.ID, "10.1.1.1", "", nil)
			return err
		}},
		{"vpc route unknown eni", CodeNetworkInterfaceNotFound, func() error {
			return s.CreateVPCRoute(w.vpcB.MainRouteTableID, "10.244.1.0/24", VPCRouteTarget{NetworkInterfaceID: "eni-0123456789abcdef0"})
		}},
		{"vpc route eni of another vpc", CodeInvalidParameterValue, func() error {
			return s.CreateVPCRoute(w.vpcA.MainRouteTableID, "10.244.1.0/24", VPCRouteTarget{NetworkInterfaceID: w.nodeB.ID})
		}},
		{"vpc route unknown table", CodeRouteTableNotFound, func() error {
			return s.CreateVPCRoute("rtb-0123456789abcdef0", "10.244.1.0/24", VPCRouteTarget{NetworkInterfaceID: w.nodeB.ID})
		}},
		{"vpc route to local", CodeRouteAlreadyExists, func() error {
			return s.CreateVPCRoute(w.vpcB.MainRouteTableID, "10.1.0.0/16", VPCRouteTarget{NetworkInterfaceID: w.nodeB.ID})
		}},
		{"two subnets in one zone", CodeDuplicateSubnetsInSameZone, func() error {
			_, err := s.CreateAttachment(otherTGW.ID, w.vpcA.ID, []string{subA2.ID, w.subA.ID}, nil, noAddr)
			return err
		}},
		{"subnet held by another tgw's attachment", CodeInvalidParameterValue, func() error {
			_, err := s.CreateAttachment(otherTGW.ID, w.vpcA.ID, []string{w.subA.ID}, nil, tgwAddr)
			return err
		}},
		{"malformed tgw id", CodeTransitGatewayMalformed, func() error { _, err := s.CreateRouteTable("tgw-attach-00000000000000001", nil); return err }},
		{"malformed attachment id", CodeAttachmentMalformed, func() error { _, _, err := s.Associate(w.rt.ID, w.rt.ID); return err }},
		{"malformed route table id", CodeRouteTableMalformed, func() error { _, err := s.Routes("tgw-rtb-XYZ"); return err }},
		{"malformed vpc id", CodeVpcMalformed, func() error { return s.DeleteVPC("vpc-1") }},
		{"malformed subnet id", CodeSubnetMalformed, func() error { return s.DeleteSubnet("subnet-0123456789abcdef") }},
		{"malformed eni id", CodeNetworkInterfaceMalformed, func() error { return s.DeleteNetworkInterface("eni-g0000000") }},
		{"malformed vpc route table id", CodeRouteTableMalformed, func() error { return s.DeleteVPCRoute("rtb", "10.0.0.0/16") }},
		{"delete vpc with subnets", CodeDependencyViolation, func() error { return s.DeleteVPC(w.vpcA.ID) }},
		{"delete subnet with interfaces", CodeDependencyViolation, func() error { return s.DeleteSubnet(w.subB.ID) }},
	}
	for _, c := range cases {
		before, _ := s.Marshal()
		err := c.op()
		if Code(err) != c.code {
			t.Errorf("%s: got %v, want code %s", c.name, err, c.code)
		}
		after, _ := s.Marshal()
		if !bytes.Equal(before, after) {
			t.Errorf("%s: the failed call changed the state", c.name)
		}
	}
}

func TestVPCRoutesAndJSONRoundTrip(t *testing.T) {
	w := newWorld(t)
	s := w.s
	rtb := w.vpcB.MainRouteTableID
	if err := s.CreateVPCRoute(rtb, "10.244.1.0/24", VPCRouteTarget{NetworkInterfaceID: w.nodeB.ID}); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateVPCRoute(rtb, "10.0.0.0/16", VPCRouteTarget{TransitGatewayID: w.tgw.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AssociateVPCCIDR(w.vpcB.ID, "10.11.0.0/16"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Associate(w.rt.ID, w.attA.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.EnablePropagation(w.rt.ID, w.attB.ID); err != nil {
		t.Fatal(err)
	}
	b, err := s.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	s2, err := Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	b2, _ := s2.Marshal()
	if !bytes.Equal(b, b2) {
		t.Fatalf("round trip differs:\n%s\n%s", b, b2)
	}
	rs, _ := s2.Routes(w.rt.ID)
	if len(rs) != 2 || rs[0].CIDR.String() != "10.1.0.0/16" || rs[1].CIDR.String() != "10.11.0.0/16" {
		t.Fatalf("propagated secondary CIDR after reload: %+v", rs)
	}
	if s2.Attachments[w.attA.ID].RouteTableID != w.rt.ID {
		t.Fatal("association lost")
	}
	if got := s2.VPCRouteTables[rtb].Routes; len(got) != 4 || got[0].GatewayID != "local" {
		t.Fatalf("vpc routes after reload: %+v", got)
	}
	if err := s2.DeleteNetworkInterface(w.nodeB.ID); err != nil {
		t.Fatal(err)
	}
	for _, r := range s2.VPCRouteTables[rtb].Routes {
		if r.NetworkInterfaceID == w.nodeB.ID && s2.VPCRouteState(r) != RouteStateBlackhole {
			t.Fatal("route to deleted interface not blackhole")
		}
	}
	if _, err := Unmarshal([]byte(`{"version":99}`)); err == nil {
		t.Fatal("accepted a future state version")
	}
}

// TestOverlappingVPCNotPropagatedByDefault follows the CreateTransitGatewayVpcAttachment reference:
// "If you attach a VPC with a CIDR range that overlaps the CIDR range of a VPC that is already
// attached, the new VPC CIDR range is not propagated to the default propagation route table." The
// attachment is still made and associated; a VPC that overlaps nothing is propagated as before.
func TestOverlappingVPCNotPropagatedByDefault(t *testing.T) {
	s := New()
	s.IDs = Sequential()
	g, _ := s.CreateTransitGateway("", TransitGatewayOptions{}, nil) // default association and propagation
	attach := func(cidr, subnet string) *Attachment {
		t.Helper()
		v, err := s.CreateVPC(cidr, nil)
		if err != nil {
			t.Fatal(err)
		}
		sn, err := s.CreateSubnet(v.ID, subnet, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		a, err := s.CreateAttachment(g.ID, v.ID, []string{sn.ID}, nil, tgwAddr)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	a := attach("10.0.0.0/16", "10.0.1.0/24")
	same := attach("10.0.0.0/16", "10.0.2.0/24")       // identical CIDR
	inside := attach("10.0.128.0/17", "10.0.130.0/24") // overlaps A's range
	other := attach("10.1.0.0/16", "10.1.1.0/24")
	props, _ := s.Propagations(g.DefaultRouteTable)
	var ids []string
	for _, p := range props {
		ids = append(ids, p.ID)
	}
	if want := []string{a.ID, other.ID}; !slices.Equal(ids, want) {
		t.Fatalf("default propagations %v, want %v (not the overlapping %s, %s)", ids, want, same.ID, inside.ID)
	}
	if same.RouteTableID != g.DefaultRouteTable || inside.RouteTableID != g.DefaultRouteTable {
		t.Fatal("overlapping VPCs are still associated with the default route table")
	}
	r, ok, _ := s.Lookup(g.DefaultRouteTable, netip.MustParseAddr("10.0.200.1"))
	if !ok || r.AttachmentID != a.ID {
		t.Fatalf("10.0.200.1 routes by %+v, want the first VPC's attachment %s", r, a.ID)
	}
}
