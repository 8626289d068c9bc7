package catalog

import (
	"net/netip"

	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/tgw/api"
)

// tableFor is the name of the TGW route table associated with the client VPC's attachment.
func tableFor(p *plan.Plan, vpc string) (plan.RouteTablePlan, string, bool) {
	var att string
	for _, a := range p.TransitGateway.Attachments {
		if a.VPC == vpc {
			att = a.Name
		}
	}
	for _, rt := range p.TransitGateway.RouteTables {
		for _, as := range rt.Associations {
			if as == att {
				return rt, att, true
			}
		}
	}
	return plan.RouteTablePlan{}, att, false
}

// routeFor is the plan's effective route that carries dst in table rt (longest prefix first).
func routeFor(rt plan.RouteTablePlan, dst string) (plan.TGWRoute, bool) {
	a, err := netip.ParseAddr(dst)
	if err != nil {
		return plan.TGWRoute{}, false
	}
	for _, r := range rt.Routes {
		if pf, err := netip.ParsePrefix(r.CIDR); err == nil && pf.Contains(a) {
			return r, true
		}
	}
	return plan.TGWRoute{}, false
}

// carrying is the kernel route of t that carries dst: the longest installed prefix containing it,
// a Pod range behind a node (expanded from the VPC route table) included.
func carrying(t api.TableView, dst string) (api.RouteView, bool) {
	a, err := netip.ParseAddr(dst)
	if err != nil {
		return api.RouteView{}, false
	}
	best, bits := api.RouteView{}, -1
	for _, r := range t.Routes {
		pf, err := netip.ParsePrefix(r.Dst)
		if err == nil && pf.Contains(a) && pf.Bits() > bits {
			best, bits = r, pf.Bits()
		}
	}
	return best, bits >= 0
}
