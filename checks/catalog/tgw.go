package catalog

import (
	"net/netip"

	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/tgw/api"
)

// tableFor is the name of the TGW route table associated with the client VPC's attachment.
func tableFor(p *plan.Plan, vpc string) (plan.RouteTablePlan, string, bool) {
	a, _ := p.AttachmentOf(vpc)
	rt, ok := p.RouteTableOf(a.Name)
	return rt, a.Name, ok
}

// routeFor is the plan's effective route that carries dst in table rt (longest prefix first).
func routeFor(rt plan.RouteTablePlan, dst string) (plan.TGWRoute, bool) {
	a, err := netip.ParseAddr(dst)
	if err != nil {
		return plan.TGWRoute{}, false
	}
	return rt.Lookup(a)
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
