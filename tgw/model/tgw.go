package model

import (
	"net/netip"
	"slices"
	"sort"
)

// TransitGatewayOptions are the options of CreateTransitGateway. Nil booleans take AWS's defaults
// (enable).
type TransitGatewayOptions struct {
	ASN                int64 // 0: 64512
	DefaultAssociation *bool
	DefaultPropagation *bool
}

// CreateTransitGateway creates a transit gateway. With default association or propagation enabled
// (the default), it also creates its default route table, as AWS does.
func (s *State) CreateTransitGateway(description string, o TransitGatewayOptions, tags []Tag) (*TransitGateway, error) {
	asn := o.ASN
	if asn == 0 {
		asn = 64512
	}
	if !(asn >= 64512 && asn <= 65534) && !(asn >= 4200000000 && asn <= 4294967294) {
		return nil, errf(CodeInvalidParameterValue, "Value (%d) for parameter amazonSideAsn is invalid. It must be in 64512-65534 or 4200000000-4294967294.", asn)
	}
	g := &TransitGateway{ID: s.newID("tgw"), Description: description, ASN: asn,
		DefaultAssociation: o.DefaultAssociation == nil || *o.DefaultAssociation,
		DefaultPropagation: o.DefaultPropagation == nil || *o.DefaultPropagation,
		Tags:               cloneTags(tags), Created: s.now()}
	s.TransitGateways[g.ID] = g
	if g.DefaultAssociation || g.DefaultPropagation {
		rt := &RouteTable{ID: s.newID("tgw-rtb"), TGWID: g.ID, Seq: s.nextSeq(), Created: s.now()}
		s.RouteTables[rt.ID] = rt
		g.DefaultRouteTable = rt.ID
	}
	return g, nil
}

// DeleteTransitGateway deletes a transit gateway with no attachments left, and its route tables.
func (s *State) DeleteTransitGateway(id string) (*TransitGateway, error) {
	g, err := lookup(s.TransitGateways, kindTGW, id)
	if err != nil {
		return nil, err
	}
	for _, a := range s.Attachments {
		if a.TGWID == g.ID {
			return nil, errf(CodeIncorrectState, "tgw %s has non-deleted Transit Gateway Attachments: %s", g.ID, a.ID)
		}
	}
	for _, rt := range s.RouteTables {
		if rt.TGWID == g.ID && rt.ID != g.DefaultRouteTable {
			return nil, errf(CodeIncorrectState, "tgw %s has non-default Transit Gateway Route Table %s", g.ID, rt.ID)
		}
	}
	delete(s.RouteTables, g.DefaultRouteTable)
	delete(s.TransitGateways, g.ID)
	return g, nil
}

// TransitGateway returns a transit gateway by id (an InvalidTransitGatewayID.NotFound error if none).
func (s *State) TransitGateway(id string) (*TransitGateway, error) {
	return lookup(s.TransitGateways, kindTGW, id)
}

// ListTransitGateways returns the transit gateways sorted by id.
func (s *State) ListTransitGateways() []*TransitGateway { return sortedValues(s.TransitGateways) }

// AddressFinder returns the transit gateway's own address in a subnet CIDR (the address of its
// interface on that subnet's docker network), and false when it has none.
type AddressFinder func(subnet netip.Prefix) (netip.Addr, bool)

// CreateAttachment attaches a VPC to a transit gateway through one or more of its subnets. For each
// subnet, addr gives the transit gateway's interface address in it; the attachment records it as a
// requester-managed network interface of type transit_gateway.
func (s *State) CreateAttachment(tgwID, vpcID string, subnetIDs []string, tags []Tag, addr AddressFinder) (*Attachment, error) {
	g, err := lookup(s.TransitGateways, kindTGW, tgwID)
	if err != nil {
		return nil, err
	}
	v, err := lookup(s.VPCs, kindVPC, vpcID)
	if err != nil {
		return nil, err
	}
	if len(subnetIDs) == 0 {
		return nil, errf(CodeMissingParameter, "The request must contain the parameter SubnetIds")
	}
	if a := s.attachmentFor(g.ID, v.ID); a != nil {
		return nil, errf(CodeDuplicateAttachment, "%s has non-deleted Transit Gateway Attachments with same VPC ID: %s", g.ID, a.ID)
	}
	var subs []AttachmentSubnet
	seenAZ := map[string]bool{}
	for _, id := range subnetIDs {
		sn, err := lookup(s.Subnets, kindSubnet, id)
		if err != nil {
			return nil, err
		}
		if sn.VPCID != v.ID {
			return nil, errf(CodeInvalidParameterValue, "Subnet %s does not belong to %s", sn.ID, v.ID)
		}
		if seenAZ[sn.AvailabilityZone] {
			return nil, errf(CodeDuplicateSubnetsInSameZone, "Cannot have more than 1 subnet per Availability Zone for VPC %s (%s)", v.ID, sn.AvailabilityZone)
		}
		seenAZ[sn.AvailabilityZone] = true
	}
	// the request is well-formed; now the transit gateway's interfaces in the subnets
	for _, id := range subnetIDs {
		sn := s.Subnets[id]
		p := netip.MustParsePrefix(sn.CIDR)
		var a netip.Addr
		ok := false
		if addr != nil {
			a, ok = addr(p)
		}
		if !ok || !p.Contains(a) {
			return nil, errf(CodeInvalidParameterValue, "The transit gateway has no interface in subnet %s (%s): connect its container to that subnet's network first", sn.ID, sn.CIDR)
		}
		if other := s.attachmentInSubnet(sn.ID); other != nil {
			return nil, errf(CodeInvalidParameterValue, "Subnet %s already carries the interface of %s (transit gateway %s): in netlab a subnet has one "+
				"transit gateway interface, the server's, so each subnet can be attached to one transit gateway; attach this VPC to %s "+
				"through another subnet, or run a second TGW server", sn.ID, other.ID, other.TGWID, g.ID)
		}
		if err := s.addressFree(sn.ID, a); err != nil {
			return nil, err
		}
		subs = append(subs, AttachmentSubnet{SubnetID: sn.ID, Address: a.String()})
	}
	at := &Attachment{ID: s.newID("tgw-attach"), TGWID: g.ID, VPCID: v.ID, Seq: s.nextSeq(), Tags: cloneTags(tags), Created: s.now()}
	for i := range subs {
		sn := s.Subnets[subs[i].SubnetID]
		e := &NetworkInterface{ID: s.newID("eni"), SubnetID: sn.ID, VPCID: v.ID, PrivateIP: subs[i].Address,
			Description: "Network Interface for Transit Gateway Attachment " + at.ID,
			Type:        InterfaceTypeTransitGateway, AttachmentID: at.ID}
		s.ENIs[e.ID] = e
		subs[i].ENIID = e.ID
	}
	at.Subnets = subs
	s.Attachments[at.ID] = at
	if g.DefaultAssociation && g.DefaultRouteTable != "" {
		at.RouteTableID = g.DefaultRouteTable
	}
	if g.DefaultPropagation && g.DefaultRouteTable != "" && s.overlapsAttached(g.ID, at) == nil {
		rt := s.RouteTables[g.DefaultRouteTable]
		rt.Propagations = insertSorted(rt.Propagations, at.ID)
	}
	return at, nil
}

// overlapsAttached returns another attachment of the transit gateway whose VPC has a CIDR that
// overlaps one of at's VPC, or nil. AWS (CreateTransitGatewayVpcAttachment): "If you attach a VPC with
// a CIDR range that overlaps the CIDR range of a VPC that is already attached, the new VPC CIDR range
// is not propagated to the default propagation route table."
func (s *State) overlapsAttached(tgwID string, at *Attachment) *Attachment {
	for _, other := range s.ListAttachments() {
		if other.ID == at.ID || other.TGWID != tgwID {
			continue
		}
		for _, c := range s.VPCs[at.VPCID].CIDRs {
			for _, o := range s.VPCs[other.VPCID].CIDRs {
				if overlaps(netip.MustParsePrefix(c), netip.MustParsePrefix(o)) {
					return other
				}
			}
		}
	}
	return nil
}

// DeleteAttachment deletes an attachment: its association, its propagations and its interfaces go
// with it; static routes to it stay, in state blackhole, as in AWS.
func (s *State) DeleteAttachment(id string) (*Attachment, error) {
	a, err := lookup(s.Attachments, kindAttachment, id)
	if err != nil {
		return nil, err
	}
	for _, rt := range s.RouteTables {
		rt.Propagations = slices.DeleteFunc(rt.Propagations, func(x string) bool { return x == a.ID })
	}
	for _, sub := range a.Subnets {
		delete(s.ENIs, sub.ENIID)
	}
	delete(s.Attachments, a.ID)
	return a, nil
}

func (s *State) attachmentFor(tgwID, vpcID string) *Attachment {
	for _, k := range sortedKeys(s.Attachments) {
		if a := s.Attachments[k]; a.TGWID == tgwID && a.VPCID == vpcID {
			return a
		}
	}
	return nil
}

// attachmentInSubnet returns the attachment (of any transit gateway) with an interface in a subnet, or nil.
func (s *State) attachmentInSubnet(subnetID string) *Attachment {
	for _, a := range s.ListAttachments() {
		for _, sub := range a.Subnets {
			if sub.SubnetID == subnetID {
				return a
			}
		}
	}
	return nil
}

// ListAttachments returns the attachments sorted by id.
func (s *State) ListAttachments() []*Attachment { return sortedValues(s.Attachments) }

// CreateRouteTable creates a transit gateway route table.
func (s *State) CreateRouteTable(tgwID string, tags []Tag) (*RouteTable, error) {
	g, err := lookup(s.TransitGateways, kindTGW, tgwID)
	if err != nil {
		return nil, err
	}
	rt := &RouteTable{ID: s.newID("tgw-rtb"), TGWID: g.ID, Seq: s.nextSeq(), Tags: cloneTags(tags), Created: s.now()}
	s.RouteTables[rt.ID] = rt
	return rt, nil
}

// DeleteRouteTable deletes a route table that no attachment is associated with. Its propagations and
// routes go with it.
func (s *State) DeleteRouteTable(id string) (*RouteTable, error) {
	rt, err := lookup(s.RouteTables, kindRouteTable, id)
	if err != nil {
		return nil, err
	}
	for _, k := range sortedKeys(s.Attachments) {
		if a := s.Attachments[k]; a.RouteTableID == rt.ID {
			return nil, errf(CodeIncorrectState, "tgw-rtb %s has associations: %s", rt.ID, a.ID)
		}
	}
	if g := s.TransitGateways[rt.TGWID]; g != nil && g.DefaultRouteTable == rt.ID {
		return nil, errf(CodeIncorrectState, "%s is the default route table of %s", rt.ID, g.ID)
	}
	delete(s.RouteTables, rt.ID)
	return rt, nil
}

// RouteTable returns a route table by id (an InvalidRouteTableID.NotFound error if none).
func (s *State) RouteTable(id string) (*RouteTable, error) {
	return lookup(s.RouteTables, kindRouteTable, id)
}

// ListRouteTables returns the route tables sorted by id.
func (s *State) ListRouteTables() []*RouteTable { return sortedValues(s.RouteTables) }

// tableAndAttachment resolves both and checks that they belong to the same transit gateway.
func (s *State) tableAndAttachment(rtbID, attID string) (*RouteTable, *Attachment, error) {
	rt, err := lookup(s.RouteTables, kindRouteTable, rtbID)
	if err != nil {
		return nil, nil, err
	}
	a, err := lookup(s.Attachments, kindAttachment, attID)
	if err != nil {
		return nil, nil, err
	}
	if a.TGWID != rt.TGWID {
		return nil, nil, errf(CodeInvalidParameterValue, "Transit Gateway Attachment %s and Route Table %s belong to different transit gateways", a.ID, rt.ID)
	}
	return rt, a, nil
}

// Associate associates an attachment with a route table. An attachment is associated with at most one
// route table: a second association is Resource.AlreadyAssociated.
func (s *State) Associate(rtbID, attID string) (*RouteTable, *Attachment, error) {
	rt, a, err := s.tableAndAttachment(rtbID, attID)
	if err != nil {
		return nil, nil, err
	}
	if a.RouteTableID != "" {
		return nil, nil, errf(CodeAlreadyAssociated, "Transit Gateway Attachment %s is already associated to a route table.", a.ID)
	}
	a.RouteTableID = rt.ID
	return rt, a, nil
}

// Disassociate removes an attachment's association with a route table.
func (s *State) Disassociate(rtbID, attID string) (*RouteTable, *Attachment, error) {
	rt, a, err := s.tableAndAttachment(rtbID, attID)
	if err != nil {
		return nil, nil, err
	}
	if a.RouteTableID != rt.ID {
		return nil, nil, errf(CodeAssociationNotFound, "Transit Gateway Attachment %s is not associated with route table %s.", a.ID, rt.ID)
	}
	a.RouteTableID = ""
	return rt, a, nil
}

// Associations returns the attachments associated with a route table, sorted by id.
func (s *State) Associations(rtbID string) ([]*Attachment, error) {
	rt, err := lookup(s.RouteTables, kindRouteTable, rtbID)
	if err != nil {
		return nil, err
	}
	out := []*Attachment{}
	for _, a := range s.ListAttachments() {
		if a.RouteTableID == rt.ID {
			out = append(out, a)
		}
	}
	return out, nil
}

// EnablePropagation makes an attachment propagate its VPC's CIDRs into a route table.
func (s *State) EnablePropagation(rtbID, attID string) (*RouteTable, *Attachment, error) {
	rt, a, err := s.tableAndAttachment(rtbID, attID)
	if err != nil {
		return nil, nil, err
	}
	if slices.Contains(rt.Propagations, a.ID) {
		return nil, nil, errf(CodePropagationDuplicate, "Propagation %s already exists in Transit Gateway Route Table %s.", a.ID, rt.ID)
	}
	rt.Propagations = insertSorted(rt.Propagations, a.ID)
	return rt, a, nil
}

// DisablePropagation stops an attachment propagating into a route table.
func (s *State) DisablePropagation(rtbID, attID string) (*RouteTable, *Attachment, error) {
	rt, a, err := s.tableAndAttachment(rtbID, attID)
	if err != nil {
		return nil, nil, err
	}
	if !slices.Contains(rt.Propagations, a.ID) {
		return nil, nil, errf(CodePropagationNotFound, "Propagation %s does not exist in Transit Gateway Route Table %s.", a.ID, rt.ID)
	}
	rt.Propagations = slices.DeleteFunc(rt.Propagations, func(x string) bool { return x == a.ID })
	return rt, a, nil
}

// Propagations returns the attachments propagating into a route table, sorted by id.
func (s *State) Propagations(rtbID string) ([]*Attachment, error) {
	rt, err := lookup(s.RouteTables, kindRouteTable, rtbID)
	if err != nil {
		return nil, err
	}
	out := []*Attachment{}
	for _, id := range rt.Propagations {
		if a, ok := s.Attachments[id]; ok {
			out = append(out, a)
		}
	}
	return out, nil
}

// staticTarget validates the target of a static route: an attachment of the same transit gateway, or a
// blackhole, never both.
func (s *State) staticTarget(rt *RouteTable, attID string, blackhole bool) error {
	if blackhole && attID != "" {
		return errf(CodeInvalidParameterValue, "A route cannot have both a transit gateway attachment and blackhole set")
	}
	if !blackhole && attID == "" {
		return errf(CodeMissingParameter, "The request must contain the parameter TransitGatewayAttachmentId, or Blackhole")
	}
	if attID != "" {
		if _, _, err := s.tableAndAttachment(rt.ID, attID); err != nil {
			return err
		}
	}
	return nil
}

// CreateRoute adds a static route (to an attachment) or a blackhole route to a route table. A static
// route for the same CIDR must not exist already; a propagated one may (the static route wins).
func (s *State) CreateRoute(rtbID, cidr, attID string, blackhole bool) (Route, error) {
	rt, p, err := s.tableAndPrefix(rtbID, cidr)
	if err != nil {
		return Route{}, err
	}
	if err := s.staticTarget(rt, attID, blackhole); err != nil {
		return Route{}, err
	}
	if staticIndex(rt, p) >= 0 {
		return Route{}, errf(CodeRouteAlreadyExists, "Route %s already exists in Transit Gateway Route Table %s.", p, rt.ID)
	}
	rt.Static = append(rt.Static, StaticRoute{CIDR: p.String(), AttachmentID: attID, Blackhole: blackhole})
	sortStatic(rt.Static)
	return s.routeFor(rt, p)
}

// ReplaceRoute replaces the target of a route in a route table; the result is a static route. The CIDR
// must have a route already, static or propagated.
func (s *State) ReplaceRoute(rtbID, cidr, attID string, blackhole bool) (Route, error) {
	rt, p, err := s.tableAndPrefix(rtbID, cidr)
	if err != nil {
		return Route{}, err
	}
	found := false
	for _, r := range s.routes(rt) {
		if r.CIDR == p {
			found = true
		}
	}
	if !found {
		return Route{}, errf(CodeRouteNotFound, "Unable to find route %s in Transit Gateway Route Table %s.", p, rt.ID)
	}
	if err := s.staticTarget(rt, attID, blackhole); err != nil {
		return Route{}, err
	}
	sr := StaticRoute{CIDR: p.String(), AttachmentID: attID, Blackhole: blackhole}
	if i := staticIndex(rt, p); i >= 0 {
		rt.Static[i] = sr
	} else {
		rt.Static = append(rt.Static, sr)
		sortStatic(rt.Static)
	}
	return s.routeFor(rt, p)
}

// DeleteRoute deletes a static or blackhole route. Propagated routes go only by disabling propagation.
// It returns the route as it was.
func (s *State) DeleteRoute(rtbID, cidr string) (Route, error) {
	rt, p, err := s.tableAndPrefix(rtbID, cidr)
	if err != nil {
		return Route{}, err
	}
	i := staticIndex(rt, p)
	if i < 0 {
		return Route{}, errf(CodeRouteNotFound, "Unable to find static route %s in Transit Gateway Route Table %s.", p, rt.ID)
	}
	old, _ := s.routeFor(rt, p)
	rt.Static = append(rt.Static[:i], rt.Static[i+1:]...)
	old.State = "deleted"
	return old, nil
}

// tableAndPrefix resolves the route table and the destination CIDR of a route call.
func (s *State) tableAndPrefix(rtbID, cidr string) (*RouteTable, netip.Prefix, error) {
	rt, err := lookup(s.RouteTables, kindRouteTable, rtbID)
	if err != nil {
		return nil, netip.Prefix{}, err
	}
	p, err := parsePrefix("DestinationCidrBlock", cidr)
	return rt, p, err
}

func staticIndex(rt *RouteTable, p netip.Prefix) int {
	for i, r := range rt.Static {
		if r.CIDR == p.String() {
			return i
		}
	}
	return -1
}

func sortStatic(rs []StaticRoute) {
	sort.Slice(rs, func(i, j int) bool {
		return lessPrefix(netip.MustParsePrefix(rs[i].CIDR), netip.MustParsePrefix(rs[j].CIDR))
	})
}

func lessPrefix(a, b netip.Prefix) bool {
	if c := a.Addr().Compare(b.Addr()); c != 0 {
		return c < 0
	}
	return a.Bits() < b.Bits()
}

func insertSorted(xs []string, x string) []string {
	xs = append(xs, x)
	sort.Strings(xs)
	return xs
}

// Route is a route of a transit gateway route table as the API shows it.
type Route struct {
	CIDR         netip.Prefix
	Type         string // static or propagated
	State        string // active or blackhole (deleted, only in DeleteRoute's answer)
	AttachmentID string // "" for a blackhole route
	VPCID        string // the attachment's VPC
	// Effective is false for a propagated route hidden by a static route for the same CIDR.
	Effective bool
}

// Routes returns a route table's routes: its static and blackhole routes, and the VPC CIDRs of the
// attachments propagating into it, sorted by CIDR. A static route hides a propagated route for the
// same CIDR; when two attachments propagate the same CIDR, the one with the smaller id is effective.
func (s *State) Routes(rtbID string) ([]Route, error) {
	rt, err := lookup(s.RouteTables, kindRouteTable, rtbID)
	if err != nil {
		return nil, err
	}
	return s.routes(rt), nil
}

func (s *State) routes(rt *RouteTable) []Route {
	var out []Route
	taken := map[netip.Prefix]bool{}
	for _, sr := range rt.Static {
		p := netip.MustParsePrefix(sr.CIDR)
		r := Route{CIDR: p, Type: RouteTypeStatic, State: RouteStateActive, AttachmentID: sr.AttachmentID, Effective: true}
		if sr.Blackhole {
			r.State = RouteStateBlackhole
		} else if a, ok := s.Attachments[sr.AttachmentID]; ok {
			r.VPCID = a.VPCID
		} else {
			r.State = RouteStateBlackhole // its attachment was deleted
		}
		taken[p] = true
		out = append(out, r)
	}
	for _, id := range rt.Propagations {
		a, ok := s.Attachments[id]
		if !ok {
			continue
		}
		v := s.VPCs[a.VPCID]
		if v == nil {
			continue
		}
		for _, c := range v.CIDRs {
			p := netip.MustParsePrefix(c)
			out = append(out, Route{CIDR: p, Type: RouteTypePropagated, State: RouteStateActive, AttachmentID: a.ID, VPCID: v.ID, Effective: !taken[p]})
			taken[p] = true
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].CIDR != out[j].CIDR {
			return lessPrefix(out[i].CIDR, out[j].CIDR)
		}
		return out[i].Effective && !out[j].Effective
	})
	return out
}

func (s *State) routeFor(rt *RouteTable, p netip.Prefix) (Route, error) {
	for _, r := range s.routes(rt) {
		if r.CIDR == p && r.Effective {
			return r, nil
		}
	}
	return Route{}, errf(CodeRouteNotFound, "Unable to find route %s in Transit Gateway Route Table %s.", p, rt.ID)
}

// Lookup returns the effective route a packet to dst takes in a route table: the longest matching
// prefix, as in AWS. ok is false when no route matches (the packet is dropped).
func (s *State) Lookup(rtbID string, dst netip.Addr) (r Route, ok bool, err error) {
	rs, err := s.Routes(rtbID)
	if err != nil {
		return Route{}, false, err
	}
	best := -1
	for i, x := range rs {
		if x.Effective && x.CIDR.Contains(dst) && (best < 0 || x.CIDR.Bits() > rs[best].CIDR.Bits()) {
			best = i
		}
	}
	if best < 0 {
		return Route{}, false, nil
	}
	return rs[best], true, nil
}
