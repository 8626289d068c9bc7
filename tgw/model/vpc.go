package model

import (
	"net/netip"
	"sort"
)

// CreateVPC creates a VPC with a primary CIDR (a /16 to /28 as in AWS) and its main route table, which
// holds the local route.
func (s *State) CreateVPC(cidr string, tags []Tag) (*VPC, error) {
	p, err := parsePrefix("CidrBlock", cidr)
	if err != nil {
		return nil, err
	}
	if p.Bits() < 16 || p.Bits() > 28 {
		return nil, errf(CodeVpcRange, "The CIDR '%s' is invalid.", cidr)
	}
	v := &VPC{ID: s.newID("vpc"), CIDRs: []string{p.String()}, Tags: cloneTags(tags), Created: s.now()}
	v.CIDRAssociationIDs = []string{s.newID("vpc-cidr-assoc")}
	rt := &VPCRouteTable{ID: s.newID("rtb"), VPCID: v.ID, Main: true,
		Routes: []VPCRoute{{Destination: p.String(), GatewayID: "local", Origin: "CreateRouteTable"}}}
	v.MainRouteTableID = rt.ID
	s.VPCs[v.ID] = v
	s.VPCRouteTables[rt.ID] = rt
	return v, nil
}

// AssociateVPCCIDR adds a secondary CIDR to a VPC (and its local route). It returns the association id.
func (s *State) AssociateVPCCIDR(vpcID, cidr string) (string, error) {
	v, err := lookup(s.VPCs, kindVPC, vpcID)
	if err != nil {
		return "", err
	}
	p, err := parsePrefix("CidrBlock", cidr)
	if err != nil {
		return "", err
	}
	if p.Bits() < 16 || p.Bits() > 28 {
		return "", errf(CodeVpcRange, "The CIDR '%s' is invalid.", cidr)
	}
	for _, c := range v.CIDRs {
		if overlaps(netip.MustParsePrefix(c), p) {
			return "", errf(CodeCidrConflict, "The CIDR '%s' conflicts with another subnet", cidr)
		}
	}
	id := s.newID("vpc-cidr-assoc")
	v.CIDRs = append(v.CIDRs, p.String())
	v.CIDRAssociationIDs = append(v.CIDRAssociationIDs, id)
	rt := s.VPCRouteTables[v.MainRouteTableID]
	rt.Routes = append(rt.Routes, VPCRoute{Destination: p.String(), GatewayID: "local", Origin: "CreateRouteTable"})
	return id, nil
}

// DeleteVPC deletes a VPC that has no subnets and no transit gateway attachments left.
func (s *State) DeleteVPC(vpcID string) error {
	v, err := lookup(s.VPCs, kindVPC, vpcID)
	if err != nil {
		return err
	}
	for _, sn := range s.Subnets {
		if sn.VPCID == v.ID {
			return errf(CodeDependencyViolation, "The vpc '%s' has dependencies and cannot be deleted.", v.ID)
		}
	}
	for _, a := range s.Attachments {
		if a.VPCID == v.ID {
			return errf(CodeDependencyViolation, "The vpc '%s' has dependencies and cannot be deleted.", v.ID)
		}
	}
	for id, rt := range s.VPCRouteTables {
		if rt.VPCID == v.ID {
			delete(s.VPCRouteTables, id)
		}
	}
	delete(s.VPCs, v.ID)
	return nil
}

// ListVPCs returns the VPCs sorted by id.
func (s *State) ListVPCs() []*VPC { return sortedValues(s.VPCs) }

// CreateSubnet creates a subnet inside one of the VPC's CIDRs, not overlapping its other subnets.
func (s *State) CreateSubnet(vpcID, cidr, az string, tags []Tag) (*Subnet, error) {
	v, err := lookup(s.VPCs, kindVPC, vpcID)
	if err != nil {
		return nil, err
	}
	p, err := parsePrefix("CidrBlock", cidr)
	if err != nil {
		return nil, err
	}
	in := false
	for _, c := range v.CIDRs {
		if contains(netip.MustParsePrefix(c), p) {
			in = true
		}
	}
	if !in || p.Bits() > 28 {
		return nil, errf(CodeSubnetRange, "The CIDR '%s' is invalid.", cidr)
	}
	for _, sn := range s.Subnets {
		if sn.VPCID == v.ID && overlaps(netip.MustParsePrefix(sn.CIDR), p) {
			return nil, errf(CodeSubnetConflict, "The CIDR '%s' conflicts with another subnet", cidr)
		}
	}
	if az == "" {
		az = "us-east-1a"
	}
	sn := &Subnet{ID: s.newID("subnet"), VPCID: v.ID, CIDR: p.String(), AvailabilityZone: az, Tags: cloneTags(tags), Created: s.now()}
	s.Subnets[sn.ID] = sn
	return sn, nil
}

// DeleteSubnet deletes a subnet with no network interfaces and no transit gateway attachment in it.
func (s *State) DeleteSubnet(id string) error {
	sn, err := lookup(s.Subnets, kindSubnet, id)
	if err != nil {
		return err
	}
	for _, e := range s.ENIs {
		if e.SubnetID == sn.ID {
			return errf(CodeDependencyViolation, "The subnet '%s' has dependencies and cannot be deleted.", sn.ID)
		}
	}
	delete(s.Subnets, sn.ID)
	return nil
}

// ListSubnets returns the subnets sorted by id.
func (s *State) ListSubnets() []*Subnet { return sortedValues(s.Subnets) }

// CreateNetworkInterface creates a node's network interface in a subnet, at a fixed address (netlab
// has no IPAM: the address is the node container's address on the VPC's docker network).
func (s *State) CreateNetworkInterface(subnetID, ip, description string, tags []Tag) (*NetworkInterface, error) {
	sn, err := lookup(s.Subnets, kindSubnet, subnetID)
	if err != nil {
		return nil, err
	}
	if ip == "" {
		return nil, errf(CodeMissingParameter, "The request must contain the parameter PrivateIpAddress (netlab does not pick addresses)")
	}
	a, err := netip.ParseAddr(ip)
	if err != nil || !a.Is4() {
		return nil, errf(CodeInvalidParameterValue, "Value (%s) for parameter PrivateIpAddress is invalid.", ip)
	}
	if !netip.MustParsePrefix(sn.CIDR).Contains(a) {
		return nil, errf(CodeInvalidParameterValue, "Address %s does not fall within the subnet's address range", ip)
	}
	if err := s.addressFree(sn.ID, a); err != nil {
		return nil, err
	}
	e := &NetworkInterface{ID: s.newID("eni"), SubnetID: sn.ID, VPCID: sn.VPCID, PrivateIP: a.String(),
		Description: description, Type: InterfaceTypeInterface, Tags: cloneTags(tags)}
	s.ENIs[e.ID] = e
	return e, nil
}

func (s *State) addressFree(subnetID string, a netip.Addr) error {
	for _, e := range s.ENIs {
		if e.SubnetID == subnetID && e.PrivateIP == a.String() {
			return errf(CodeIPAddressInUse, "The specified address %s is already in use by %s", a, e.ID)
		}
	}
	return nil
}

// DeleteNetworkInterface deletes a node's network interface. Routes to it stay, in state blackhole, as
// in AWS. The transit gateway's own interfaces go with their attachment, not through this call.
func (s *State) DeleteNetworkInterface(id string) error {
	e, err := lookup(s.ENIs, kindENI, id)
	if err != nil {
		return err
	}
	if e.Type != InterfaceTypeInterface {
		return errf(CodeIncorrectState, "Network interface '%s' is in use by %s.", e.ID, e.AttachmentID)
	}
	delete(s.ENIs, e.ID)
	return nil
}

// ListNetworkInterfaces returns the network interfaces sorted by id.
func (s *State) ListNetworkInterfaces() []*NetworkInterface { return sortedValues(s.ENIs) }

// ListVPCRouteTables returns the VPC route tables sorted by id.
func (s *State) ListVPCRouteTables() []*VPCRouteTable { return sortedValues(s.VPCRouteTables) }

// VPCRouteTarget is the target of a VPC route: a node's network interface or a transit gateway.
type VPCRouteTarget struct {
	NetworkInterfaceID string
	TransitGatewayID   string
}

func (s *State) checkVPCTarget(rt *VPCRouteTable, t VPCRouteTarget) error {
	switch {
	case t.NetworkInterfaceID != "" && t.TransitGatewayID != "":
		return errf(CodeInvalidParameterValue, "The parameter combination is invalid: give only one of NetworkInterfaceId and TransitGatewayId")
	case t.NetworkInterfaceID != "":
		e, err := lookup(s.ENIs, kindENI, t.NetworkInterfaceID)
		if err != nil {
			return err
		}
		if e.VPCID != rt.VPCID {
			return errf(CodeInvalidParameterValue, "Route table %s and network interface %s belong to different networks", rt.ID, e.ID)
		}
	case t.TransitGatewayID != "":
		g, err := lookup(s.TransitGateways, kindTGW, t.TransitGatewayID)
		if err != nil {
			return err
		}
		if s.attachmentFor(g.ID, rt.VPCID) == nil {
			return errf(CodeInvalidParameterValue, "Transit gateway %s is not attached to %s", g.ID, rt.VPCID)
		}
	default:
		return errf(CodeMissingParameter, "The request must contain a route target: NetworkInterfaceId or TransitGatewayId")
	}
	return nil
}

// CreateVPCRoute adds a route to a VPC route table.
func (s *State) CreateVPCRoute(rtbID, cidr string, t VPCRouteTarget) error {
	rt, err := lookup(s.VPCRouteTables, kindVPCRouteTable, rtbID)
	if err != nil {
		return err
	}
	p, err := parsePrefix("DestinationCidrBlock", cidr)
	if err != nil {
		return err
	}
	for _, r := range rt.Routes {
		if r.Destination == p.String() {
			return errf(CodeRouteAlreadyExists, "The route identified by %s already exists.", p)
		}
	}
	if err := s.checkVPCTarget(rt, t); err != nil {
		return err
	}
	rt.Routes = append(rt.Routes, VPCRoute{Destination: p.String(), NetworkInterfaceID: t.NetworkInterfaceID,
		TransitGatewayID: t.TransitGatewayID, Origin: "CreateRoute"})
	sortVPCRoutes(rt.Routes)
	return nil
}

// ReplaceVPCRoute changes the target of an existing route (not the local route).
func (s *State) ReplaceVPCRoute(rtbID, cidr string, t VPCRouteTarget) error {
	rt, i, err := s.vpcRouteAt(rtbID, cidr, "replace")
	if err != nil {
		return err
	}
	if err := s.checkVPCTarget(rt, t); err != nil {
		return err
	}
	rt.Routes[i] = VPCRoute{Destination: rt.Routes[i].Destination, NetworkInterfaceID: t.NetworkInterfaceID, TransitGatewayID: t.TransitGatewayID, Origin: "CreateRoute"}
	return nil
}

// DeleteVPCRoute removes a route (not the local route).
func (s *State) DeleteVPCRoute(rtbID, cidr string) error {
	rt, i, err := s.vpcRouteAt(rtbID, cidr, "remove")
	if err != nil {
		return err
	}
	rt.Routes = append(rt.Routes[:i], rt.Routes[i+1:]...)
	return nil
}

// VPCRouteState is "active", or "blackhole" when the route's target no longer exists.
func (s *State) VPCRouteState(r VPCRoute) string {
	if r.NetworkInterfaceID != "" {
		if _, ok := s.ENIs[r.NetworkInterfaceID]; !ok {
			return RouteStateBlackhole
		}
	}
	if r.TransitGatewayID != "" {
		if _, ok := s.TransitGateways[r.TransitGatewayID]; !ok {
			return RouteStateBlackhole
		}
	}
	return RouteStateActive
}

// vpcRouteAt finds the route for a CIDR in a VPC route table that a call may change (verb says how):
// not the local route.
func (s *State) vpcRouteAt(rtbID, cidr, verb string) (*VPCRouteTable, int, error) {
	rt, err := lookup(s.VPCRouteTables, kindVPCRouteTable, rtbID)
	if err != nil {
		return nil, 0, err
	}
	p, err := parsePrefix("DestinationCidrBlock", cidr)
	if err != nil {
		return nil, 0, err
	}
	i := vpcRouteIndex(rt, p)
	if i < 0 {
		return nil, 0, errf(CodeRouteNotFound, "no route with destination-cidr-block %s in route table %s", p, rt.ID)
	}
	if rt.Routes[i].GatewayID == "local" {
		return nil, 0, errf(CodeInvalidParameterValue, "cannot %s local route %s in route table %s", verb, p, rt.ID)
	}
	return rt, i, nil
}

func vpcRouteIndex(rt *VPCRouteTable, p netip.Prefix) int {
	for i, r := range rt.Routes {
		if r.Destination == p.String() {
			return i
		}
	}
	return -1
}

func sortVPCRoutes(rs []VPCRoute) {
	sort.SliceStable(rs, func(i, j int) bool {
		if (rs[i].GatewayID == "local") != (rs[j].GatewayID == "local") {
			return rs[i].GatewayID == "local"
		}
		return false
	})
}

func cloneTags(t []Tag) []Tag {
	if len(t) == 0 {
		return nil
	}
	return append([]Tag(nil), t...)
}
