package api

import (
	"net/netip"

	"github.com/netlab-dev/netlab/tgw/model"
)

// ---- routes

// routeCall runs a route call and answers with the route.
func routeCall(s *Server, op func(st *model.State) (model.Route, error)) (any, error) {
	return change(s, op, func(_ *model.State, r model.Route) any { return one("route", xRouteOf(r)) })
}

func createRoute(s *Server, in form) (any, error) {
	return routeCall(s, func(st *model.State) (model.Route, error) {
		return st.CreateRoute(in.str("TransitGatewayRouteTableId"), in.str("DestinationCidrBlock"), in.str("TransitGatewayAttachmentId"), in.bool("Blackhole"))
	})
}

func deleteRoute(s *Server, in form) (any, error) {
	return routeCall(s, func(st *model.State) (model.Route, error) {
		return st.DeleteRoute(in.str("TransitGatewayRouteTableId"), in.str("DestinationCidrBlock"))
	})
}

func replaceRoute(s *Server, in form) (any, error) {
	return routeCall(s, func(st *model.State) (model.Route, error) {
		return st.ReplaceRoute(in.str("TransitGatewayRouteTableId"), in.str("DestinationCidrBlock"), in.str("TransitGatewayAttachmentId"), in.bool("Blackhole"))
	})
}

// searchRoutes implements SearchTransitGatewayRoutes with AWS's filters: type, state,
// route-search.exact-match, route-search.longest-prefix-match, route-search.subnet-of-match,
// route-search.supernet-of-match, attachment.transit-gateway-attachment-id, attachment.resource-id,
// attachment.resource-type.
func searchRoutes(s *Server, in form) (any, error) {
	fs, err := in.filters()
	if err != nil {
		return nil, err
	}
	if len(fs) == 0 {
		return nil, &model.Error{Code: model.CodeMissingParameter, Message: "The request must contain the parameter Filters"}
	}
	if err := checkFilters(fs, "type", "state", "route-search.exact-match", "route-search.longest-prefix-match", "route-search.subnet-of-match",
		"route-search.supernet-of-match", "attachment.transit-gateway-attachment-id", "attachment.resource-id", "attachment.resource-type"); err != nil {
		return nil, err
	}
	max, err := maxResults(in, 5, 1000, 1000)
	if err != nil {
		return nil, err
	}
	return s.read(func(st *model.State) (any, error) {
		all, err := st.Routes(in.str("TransitGatewayRouteTableId"))
		if err != nil {
			return nil, err
		}
		var rs []model.Route
		for _, r := range all {
			if r.Effective {
				rs = append(rs, r)
			}
		}
		for _, f := range fs {
			if rs, err = filterRoutes(rs, f); err != nil {
				return nil, err
			}
		}
		out := &struct {
			reqID
			Set       []xRoute `xml:"routeSet>item"`
			Truncated bool     `xml:"additionalRoutesAvailable"`
		}{}
		for i, r := range rs {
			if i == max {
				out.Truncated = true
				break
			}
			out.Set = append(out.Set, xRouteOf(r))
		}
		return out, nil
	})
}

// filterRoutes keeps the routes that match filter f (any of its values), without duplicates.
func filterRoutes(rs []model.Route, f filter) ([]model.Route, error) {
	var kept []model.Route
	switch f.name {
	case "route-search.exact-match", "route-search.subnet-of-match", "route-search.supernet-of-match", "route-search.longest-prefix-match":
		var ps []netip.Prefix
		for _, v := range f.values {
			p, err := parseCIDRFilter(f.name, v)
			if err != nil {
				return nil, err
			}
			ps = append(ps, p)
		}
		for _, p := range ps {
			kept = append(kept, cidrMatches(rs, f.name, p)...)
		}
	default:
		for _, r := range rs {
			if match(attrs{"type": {r.Type}, "state": {r.State}, "attachment.transit-gateway-attachment-id": {r.AttachmentID},
				"attachment.resource-id": {r.VPCID}, "attachment.resource-type": {"vpc"}}, []filter{f}) {
				kept = append(kept, r)
			}
		}
	}
	return dedupe(kept), nil
}

// cidrMatches returns the routes that the route-search filter name selects for CIDR p.
func cidrMatches(rs []model.Route, name string, p netip.Prefix) []model.Route {
	var kept []model.Route
	best := -1
	for _, r := range rs {
		switch name {
		case "route-search.exact-match":
			if r.CIDR == p {
				kept = append(kept, r)
			}
		case "route-search.subnet-of-match": // routes inside the filter's CIDR
			if p.Bits() <= r.CIDR.Bits() && p.Contains(r.CIDR.Addr()) {
				kept = append(kept, r)
			}
		case "route-search.supernet-of-match": // routes containing the filter's CIDR
			if r.CIDR.Bits() <= p.Bits() && r.CIDR.Contains(p.Addr()) {
				kept = append(kept, r)
			}
		case "route-search.longest-prefix-match":
			if r.CIDR.Bits() <= p.Bits() && r.CIDR.Contains(p.Addr()) && r.CIDR.Bits() > best {
				best = r.CIDR.Bits()
			}
		}
	}
	if name == "route-search.longest-prefix-match" && best >= 0 {
		for _, r := range rs {
			if r.CIDR.Bits() == best && r.CIDR.Contains(p.Addr()) {
				kept = append(kept, r)
			}
		}
	}
	return kept
}

func dedupe(rs []model.Route) []model.Route {
	seen := map[netip.Prefix]bool{}
	var out []model.Route
	for _, r := range rs {
		if !seen[r.CIDR] {
			seen[r.CIDR] = true
			out = append(out, r)
		}
	}
	return out
}
