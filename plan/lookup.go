package plan

import (
	"net/netip"
	"slices"
)

// Subnet returns the planned subnet name of VPC vpc.
func (p *Plan) Subnet(vpc, name string) (*SubnetPlan, bool) {
	v, ok := p.VPC(vpc)
	if !ok {
		return nil, false
	}
	for i := range v.Subnets {
		if v.Subnets[i].Name == name {
			return &v.Subnets[i], true
		}
	}
	return nil, false
}

// SubnetOf returns the subnet cluster c's nodes live in.
func (p *Plan) SubnetOf(c ClusterPlan) (SubnetPlan, bool) {
	s, ok := p.Subnet(c.VPC, c.Subnet)
	if !ok {
		return SubnetPlan{}, false
	}
	return *s, true
}

// AttachmentOf returns the transit gateway attachment of VPC vpc; ok is false when the plan has no
// transit gateway or it does not attach the VPC.
func (p *Plan) AttachmentOf(vpc string) (AttachmentPlan, bool) {
	if p.TransitGateway == nil {
		return AttachmentPlan{}, false
	}
	for _, a := range p.TransitGateway.Attachments {
		if a.VPC == vpc {
			return a, true
		}
	}
	return AttachmentPlan{}, false
}

// RouteTableOf returns the TGW route table associated with attachment att; ok is false when there
// is no transit gateway or no table is associated with att.
func (p *Plan) RouteTableOf(att string) (RouteTablePlan, bool) {
	if p.TransitGateway == nil || att == "" {
		return RouteTablePlan{}, false
	}
	for _, t := range p.TransitGateway.RouteTables {
		if slices.Contains(t.Associations, att) {
			return t, true
		}
	}
	return RouteTablePlan{}, false
}

// Lookup is the effective route of t that carries a: the longest prefix containing it.
func (t RouteTablePlan) Lookup(a netip.Addr) (TGWRoute, bool) {
	for _, r := range t.Routes { // longest prefix first
		if r.CIDR.Contains(a) {
			return r, true
		}
	}
	return TGWRoute{}, false
}

// VPCRouteFor is the route of c's VPC route table that carries a: the longest prefix containing it.
func (c ClusterPlan) VPCRouteFor(a netip.Addr) (VPCRoute, bool) {
	best, bits := VPCRoute{}, -1
	for _, r := range c.VPCRoutes {
		if r.CIDR.Contains(a) && r.CIDR.Bits() > bits {
			best, bits = r, r.CIDR.Bits()
		}
	}
	return best, bits >= 0
}
