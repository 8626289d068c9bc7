package api

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/netlab-dev/netlab/tgw/model"
)

type handler func(s *Server, in form) (any, error)

// handlers maps each supported EC2 action to its handler.
var handlers = map[string]handler{
	"CreateTransitGateway":                       createTransitGateway,
	"DescribeTransitGateways":                    describeTransitGateways,
	"DeleteTransitGateway":                       deleteTransitGateway,
	"CreateTransitGatewayVpcAttachment":          createVpcAttachment,
	"DeleteTransitGatewayVpcAttachment":          deleteVpcAttachment,
	"DescribeTransitGatewayVpcAttachments":       describeVpcAttachments,
	"DescribeTransitGatewayAttachments":          describeAttachments,
	"CreateTransitGatewayRouteTable":             createRouteTable,
	"DescribeTransitGatewayRouteTables":          describeRouteTables,
	"DeleteTransitGatewayRouteTable":             deleteRouteTable,
	"AssociateTransitGatewayRouteTable":          associate,
	"DisassociateTransitGatewayRouteTable":       disassociate,
	"GetTransitGatewayRouteTableAssociations":    getAssociations,
	"EnableTransitGatewayRouteTablePropagation":  enablePropagation,
	"DisableTransitGatewayRouteTablePropagation": disablePropagation,
	"GetTransitGatewayRouteTablePropagations":    getPropagations,
	"CreateTransitGatewayRoute":                  createRoute,
	"DeleteTransitGatewayRoute":                  deleteRoute,
	"ReplaceTransitGatewayRoute":                 replaceRoute,
	"SearchTransitGatewayRoutes":                 searchRoutes,
	"CreateVpc":                                  createVpc,
	"DescribeVpcs":                               describeVpcs,
	"DeleteVpc":                                  deleteVpc,
	"AssociateVpcCidrBlock":                      associateVpcCidr,
	"CreateSubnet":                               createSubnet,
	"DescribeSubnets":                            describeSubnets,
	"DeleteSubnet":                               deleteSubnet,
	"CreateNetworkInterface":                     createENI,
	"DescribeNetworkInterfaces":                  describeENIs,
	"DeleteNetworkInterface":                     deleteENI,
	"DescribeRouteTables":                        describeVpcRouteTables,
	"CreateRoute":                                createVpcRoute,
	"ReplaceRoute":                               replaceVpcRoute,
	"DeleteRoute":                                deleteVpcRoute,
	"CreateTags":                                 createTags,
}

// Actions lists the supported EC2 actions.
func Actions() []string {
	var out []string
	for a := range handlers {
		out = append(out, a)
	}
	return out
}

type returnResp struct {
	reqID
	Return bool `xml:"return"`
}

func invalid(format string, args ...any) error {
	return &model.Error{Code: model.CodeInvalidParameterValue, Message: fmt.Sprintf(format, args...)}
}

// ---- transit gateways

func createTransitGateway(s *Server, in form) (any, error) {
	o := model.TransitGatewayOptions{DefaultAssociation: in.enable("Options.DefaultRouteTableAssociation"),
		DefaultPropagation: in.enable("Options.DefaultRouteTablePropagation")}
	if v := in.str("Options.AmazonSideAsn"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, invalid("Value (%s) for parameter amazonSideAsn is invalid.", v)
		}
		o.ASN = n
	}
	return s.mutate(func(st *model.State) (any, error) {
		g, err := st.CreateTransitGateway(in.str("Description"), o, in.tags("transit-gateway"))
		if err != nil {
			return nil, err
		}
		return &struct {
			reqID
			TransitGateway xTGW `xml:"transitGateway"`
		}{TransitGateway: s.xTGW(g, "pending")}, nil
	})
}

func describeTransitGateways(s *Server, in form) (any, error) {
	fs := in.filters()
	if err := checkFilters(fs, "transit-gateway-id", "state", "owner-id", "options.amazon-side-asn",
		"options.association-default-route-table-id", "options.propagation-default-route-table-id",
		"options.default-route-table-association", "options.default-route-table-propagation"); err != nil {
		return nil, err
	}
	return s.read(func(st *model.State) (any, error) {
		want, err := ids(in.list("TransitGatewayIds"), func(id string) bool { return st.TransitGateways[id] != nil }, model.CodeTransitGatewayNotFound, "transitGateway")
		if err != nil {
			return nil, err
		}
		out := &struct {
			reqID
			Set []xTGW `xml:"transitGatewaySet>item"`
		}{}
		for _, g := range st.ListTransitGateways() {
			x := s.xTGW(g, "available")
			a := withTags(attrs{"transit-gateway-id": {g.ID}, "state": {"available"}, "owner-id": {OwnerID},
				"options.amazon-side-asn":                    {strconv.FormatInt(g.ASN, 10)},
				"options.association-default-route-table-id": {x.Options.AssociationDefaultRouteTableID},
				"options.propagation-default-route-table-id": {x.Options.PropagationDefaultRouteTableID},
				"options.default-route-table-association":    {x.Options.DefaultRouteTableAssociation},
				"options.default-route-table-propagation":    {x.Options.DefaultRouteTablePropagation}}, g.Tags)
			if (want == nil || want[g.ID]) && match(a, fs) {
				out.Set = append(out.Set, x)
			}
		}
		return out, nil
	})
}

func deleteTransitGateway(s *Server, in form) (any, error) {
	return s.mutate(func(st *model.State) (any, error) {
		g, err := st.DeleteTransitGateway(in.str("TransitGatewayId"))
		if err != nil {
			return nil, err
		}
		return &struct {
			reqID
			TransitGateway xTGW `xml:"transitGateway"`
		}{TransitGateway: s.xTGW(g, "deleting")}, nil
	})
}

// ---- attachments

func createVpcAttachment(s *Server, in form) (any, error) {
	return s.mutate(func(st *model.State) (any, error) {
		a, err := st.CreateAttachment(in.str("TransitGatewayId"), in.str("VpcId"), in.list("SubnetIds"), in.tags("transit-gateway-attachment"), s.addressFinder())
		if err != nil {
			return nil, err
		}
		return &struct {
			reqID
			Attachment xVpcAttachment `xml:"transitGatewayVpcAttachment"`
		}{Attachment: xAttachmentVPC(a, "pending")}, nil
	})
}

func deleteVpcAttachment(s *Server, in form) (any, error) {
	return s.mutate(func(st *model.State) (any, error) {
		a, err := st.DeleteAttachment(in.str("TransitGatewayAttachmentId"))
		if err != nil {
			return nil, err
		}
		return &struct {
			reqID
			Attachment xVpcAttachment `xml:"transitGatewayVpcAttachment"`
		}{Attachment: xAttachmentVPC(a, "deleting")}, nil
	})
}

func describeVpcAttachments(s *Server, in form) (any, error) {
	fs := in.filters()
	if err := checkFilters(fs, "transit-gateway-attachment-id", "transit-gateway-id", "vpc-id", "state"); err != nil {
		return nil, err
	}
	return s.read(func(st *model.State) (any, error) {
		want, err := ids(in.list("TransitGatewayAttachmentIds"), func(id string) bool { return st.Attachments[id] != nil }, model.CodeAttachmentNotFound, "transitGatewayAttachment")
		if err != nil {
			return nil, err
		}
		out := &struct {
			reqID
			Set []xVpcAttachment `xml:"transitGatewayVpcAttachments>item"`
		}{}
		for _, a := range st.ListAttachments() {
			at := withTags(attrs{"transit-gateway-attachment-id": {a.ID}, "transit-gateway-id": {a.TGWID}, "vpc-id": {a.VPCID}, "state": {"available"}}, a.Tags)
			if (want == nil || want[a.ID]) && match(at, fs) {
				out.Set = append(out.Set, xAttachmentVPC(a, "available"))
			}
		}
		return out, nil
	})
}

func describeAttachments(s *Server, in form) (any, error) {
	fs := in.filters()
	if err := checkFilters(fs, "transit-gateway-attachment-id", "transit-gateway-id", "resource-id", "resource-type", "state",
		"association.transit-gateway-route-table-id", "association.state", "resource-owner-id", "transit-gateway-owner-id"); err != nil {
		return nil, err
	}
	return s.read(func(st *model.State) (any, error) {
		want, err := ids(in.list("TransitGatewayAttachmentIds"), func(id string) bool { return st.Attachments[id] != nil }, model.CodeAttachmentNotFound, "transitGatewayAttachment")
		if err != nil {
			return nil, err
		}
		out := &struct {
			reqID
			Set []xAttachment `xml:"transitGatewayAttachments>item"`
		}{}
		for _, a := range st.ListAttachments() {
			at := withTags(attrs{"transit-gateway-attachment-id": {a.ID}, "transit-gateway-id": {a.TGWID}, "resource-id": {a.VPCID},
				"resource-type": {"vpc"}, "state": {"available"}, "resource-owner-id": {OwnerID}, "transit-gateway-owner-id": {OwnerID}}, a.Tags)
			if a.RouteTableID != "" {
				at["association.transit-gateway-route-table-id"] = []string{a.RouteTableID}
				at["association.state"] = []string{"associated"}
			}
			if (want == nil || want[a.ID]) && match(at, fs) {
				out.Set = append(out.Set, xAttachmentGeneric(a))
			}
		}
		return out, nil
	})
}

// ---- route tables

func createRouteTable(s *Server, in form) (any, error) {
	return s.mutate(func(st *model.State) (any, error) {
		rt, err := st.CreateRouteTable(in.str("TransitGatewayId"), in.tags("transit-gateway-route-table"))
		if err != nil {
			return nil, err
		}
		return &struct {
			reqID
			RouteTable xRouteTable `xml:"transitGatewayRouteTable"`
		}{RouteTable: xRT(st, rt, "pending")}, nil
	})
}

func describeRouteTables(s *Server, in form) (any, error) {
	fs := in.filters()
	if err := checkFilters(fs, "transit-gateway-route-table-id", "transit-gateway-id", "state", "default-association-route-table", "default-propagation-route-table"); err != nil {
		return nil, err
	}
	return s.read(func(st *model.State) (any, error) {
		want, err := ids(in.list("TransitGatewayRouteTableIds"), func(id string) bool { return st.RouteTables[id] != nil }, model.CodeRouteTableNotFound, "transitGatewayRouteTable")
		if err != nil {
			return nil, err
		}
		out := &struct {
			reqID
			Set []xRouteTable `xml:"transitGatewayRouteTables>item"`
		}{}
		for _, rt := range st.ListRouteTables() {
			x := xRT(st, rt, "available")
			a := withTags(attrs{"transit-gateway-route-table-id": {rt.ID}, "transit-gateway-id": {rt.TGWID}, "state": {"available"},
				"default-association-route-table": {strconv.FormatBool(x.DefaultAssociationRouteTable)},
				"default-propagation-route-table": {strconv.FormatBool(x.DefaultPropagationRouteTable)}}, rt.Tags)
			if (want == nil || want[rt.ID]) && match(a, fs) {
				out.Set = append(out.Set, x)
			}
		}
		return out, nil
	})
}

func deleteRouteTable(s *Server, in form) (any, error) {
	return s.mutate(func(st *model.State) (any, error) {
		rt, err := st.DeleteRouteTable(in.str("TransitGatewayRouteTableId"))
		if err != nil {
			return nil, err
		}
		return &struct {
			reqID
			RouteTable xRouteTable `xml:"transitGatewayRouteTable"`
		}{RouteTable: xRT(st, rt, "deleting")}, nil
	})
}

// ---- associations and propagations

type assocResp struct {
	reqID
	Association xAssociation `xml:"association"`
}

type propResp struct {
	reqID
	Propagation xAssociation `xml:"propagation"`
}

func associate(s *Server, in form) (any, error) {
	return s.mutate(func(st *model.State) (any, error) {
		rt, a, err := st.Associate(in.str("TransitGatewayRouteTableId"), in.str("TransitGatewayAttachmentId"))
		if err != nil {
			return nil, err
		}
		return &assocResp{Association: xAssoc(rt.ID, a, "associating")}, nil
	})
}

func disassociate(s *Server, in form) (any, error) {
	return s.mutate(func(st *model.State) (any, error) {
		rt, a, err := st.Disassociate(in.str("TransitGatewayRouteTableId"), in.str("TransitGatewayAttachmentId"))
		if err != nil {
			return nil, err
		}
		return &assocResp{Association: xAssoc(rt.ID, a, "disassociating")}, nil
	})
}

func getAssociations(s *Server, in form) (any, error) {
	fs := in.filters()
	if err := checkFilters(fs, "resource-id", "resource-type", "transit-gateway-attachment-id"); err != nil {
		return nil, err
	}
	return s.read(func(st *model.State) (any, error) {
		as, err := st.Associations(in.str("TransitGatewayRouteTableId"))
		if err != nil {
			return nil, err
		}
		out := &struct {
			reqID
			Set []xAssociation `xml:"associations>item"`
		}{}
		for _, a := range as {
			if match(attrs{"resource-id": {a.VPCID}, "resource-type": {"vpc"}, "transit-gateway-attachment-id": {a.ID}}, fs) {
				out.Set = append(out.Set, xAssoc("", a, "associated"))
			}
		}
		return out, nil
	})
}

func enablePropagation(s *Server, in form) (any, error) {
	return s.mutate(func(st *model.State) (any, error) {
		rt, a, err := st.EnablePropagation(in.str("TransitGatewayRouteTableId"), in.str("TransitGatewayAttachmentId"))
		if err != nil {
			return nil, err
		}
		return &propResp{Propagation: xAssoc(rt.ID, a, "enabled")}, nil
	})
}

func disablePropagation(s *Server, in form) (any, error) {
	return s.mutate(func(st *model.State) (any, error) {
		rt, a, err := st.DisablePropagation(in.str("TransitGatewayRouteTableId"), in.str("TransitGatewayAttachmentId"))
		if err != nil {
			return nil, err
		}
		return &propResp{Propagation: xAssoc(rt.ID, a, "disabled")}, nil
	})
}

func getPropagations(s *Server, in form) (any, error) {
	fs := in.filters()
	if err := checkFilters(fs, "resource-id", "resource-type", "transit-gateway-attachment-id", "state"); err != nil {
		return nil, err
	}
	return s.read(func(st *model.State) (any, error) {
		as, err := st.Propagations(in.str("TransitGatewayRouteTableId"))
		if err != nil {
			return nil, err
		}
		out := &struct {
			reqID
			Set []xAssociation `xml:"transitGatewayRouteTablePropagations>item"`
		}{}
		for _, a := range as {
			if match(attrs{"resource-id": {a.VPCID}, "resource-type": {"vpc"}, "transit-gateway-attachment-id": {a.ID}, "state": {"enabled"}}, fs) {
				out.Set = append(out.Set, xAssoc("", a, "enabled"))
			}
		}
		return out, nil
	})
}

// ---- routes

type routeResp struct {
	reqID
	Route xRoute `xml:"route"`
}

func createRoute(s *Server, in form) (any, error) {
	return s.mutate(func(st *model.State) (any, error) {
		r, err := st.CreateRoute(in.str("TransitGatewayRouteTableId"), in.str("DestinationCidrBlock"), in.str("TransitGatewayAttachmentId"), in.bool("Blackhole"))
		if err != nil {
			return nil, err
		}
		return &routeResp{Route: xRouteOf(r)}, nil
	})
}

func deleteRoute(s *Server, in form) (any, error) {
	return s.mutate(func(st *model.State) (any, error) {
		r, err := st.DeleteRoute(in.str("TransitGatewayRouteTableId"), in.str("DestinationCidrBlock"))
		if err != nil {
			return nil, err
		}
		return &routeResp{Route: xRouteOf(r)}, nil
	})
}

func replaceRoute(s *Server, in form) (any, error) {
	return s.mutate(func(st *model.State) (any, error) {
		r, err := st.ReplaceRoute(in.str("TransitGatewayRouteTableId"), in.str("DestinationCidrBlock"), in.str("TransitGatewayAttachmentId"), in.bool("Blackhole"))
		if err != nil {
			return nil, err
		}
		return &routeResp{Route: xRouteOf(r)}, nil
	})
}

// searchRoutes implements SearchTransitGatewayRoutes with AWS's filters: type, state,
// route-search.exact-match, route-search.longest-prefix-match, route-search.subnet-of-match,
// route-search.supernet-of-match, attachment.transit-gateway-attachment-id, attachment.resource-id,
// attachment.resource-type.
func searchRoutes(s *Server, in form) (any, error) {
	fs := in.filters()
	if len(fs) == 0 {
		return nil, &model.Error{Code: model.CodeMissingParameter, Message: "The request must contain the parameter Filters"}
	}
	if err := checkFilters(fs, "type", "state", "route-search.exact-match", "route-search.longest-prefix-match", "route-search.subnet-of-match",
		"route-search.supernet-of-match", "attachment.transit-gateway-attachment-id", "attachment.resource-id", "attachment.resource-type"); err != nil {
		return nil, err
	}
	max := 1000
	if v := in.str("MaxResults"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 5 || n > 1000 {
			return nil, invalid("Value (%s) for parameter MaxResults is invalid. Expecting a value between 5 and 1000.", v)
		}
		max = n
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
					best := -1
					for _, r := range rs {
						switch f.name {
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
					if f.name == "route-search.longest-prefix-match" && best >= 0 {
						for _, r := range rs {
							if r.CIDR.Bits() == best && r.CIDR.Contains(p.Addr()) {
								kept = append(kept, r)
							}
						}
					}
				}
			default:
				for _, r := range rs {
					if match(attrs{"type": {r.Type}, "state": {r.State}, "attachment.transit-gateway-attachment-id": {r.AttachmentID},
						"attachment.resource-id": {r.VPCID}, "attachment.resource-type": {"vpc"}}, []filter{f}) {
						kept = append(kept, r)
					}
				}
			}
			rs = dedupe(kept)
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

// ---- VPCs, subnets, network interfaces, VPC route tables

func createVpc(s *Server, in form) (any, error) {
	return s.mutate(func(st *model.State) (any, error) {
		v, err := st.CreateVPC(in.str("CidrBlock"), in.tags("vpc"))
		if err != nil {
			return nil, err
		}
		return &struct {
			reqID
			Vpc xVpc `xml:"vpc"`
		}{Vpc: xVPC(v)}, nil
	})
}

func describeVpcs(s *Server, in form) (any, error) {
	fs := in.filters()
	if err := checkFilters(fs, "vpc-id", "cidr", "cidr-block-association.cidr-block", "cidr-block-association.association-id", "state", "is-default", "owner-id"); err != nil {
		return nil, err
	}
	return s.read(func(st *model.State) (any, error) {
		want, err := ids(in.list("VpcId"), func(id string) bool { return st.VPCs[id] != nil }, model.CodeVpcNotFound, "vpc")
		if err != nil {
			return nil, err
		}
		out := &struct {
			reqID
			Set []xVpc `xml:"vpcSet>item"`
		}{}
		for _, v := range st.ListVPCs() {
			a := withTags(attrs{"vpc-id": {v.ID}, "cidr": {v.CIDRs[0]}, "cidr-block-association.cidr-block": v.CIDRs,
				"cidr-block-association.association-id": v.CIDRAssociationIDs, "state": {"available"}, "is-default": {"false"}, "owner-id": {OwnerID}}, v.Tags)
			if (want == nil || want[v.ID]) && match(a, fs) {
				out.Set = append(out.Set, xVPC(v))
			}
		}
		return out, nil
	})
}

func deleteVpc(s *Server, in form) (any, error) {
	return s.mutate(func(st *model.State) (any, error) {
		return &returnResp{Return: true}, st.DeleteVPC(in.str("VpcId"))
	})
}

func associateVpcCidr(s *Server, in form) (any, error) {
	return s.mutate(func(st *model.State) (any, error) {
		id, err := st.AssociateVPCCIDR(in.str("VpcId"), in.str("CidrBlock"))
		if err != nil {
			return nil, err
		}
		v := st.VPCs[in.str("VpcId")]
		return &struct {
			reqID
			Assoc xCidrAssociation `xml:"cidrBlockAssociation"`
			VpcID string           `xml:"vpcId"`
		}{Assoc: xCidrAssociation{AssociationID: id, CidrBlock: v.CIDRs[len(v.CIDRs)-1], State: xCidrState{"associated"}}, VpcID: v.ID}, nil
	})
}

func createSubnet(s *Server, in form) (any, error) {
	return s.mutate(func(st *model.State) (any, error) {
		sn, err := st.CreateSubnet(in.str("VpcId"), in.str("CidrBlock"), in.str("AvailabilityZone"), in.tags("subnet"))
		if err != nil {
			return nil, err
		}
		return &struct {
			reqID
			Subnet xSubnet `xml:"subnet"`
		}{Subnet: s.xSubnet(st, sn)}, nil
	})
}

func describeSubnets(s *Server, in form) (any, error) {
	fs := in.filters()
	if err := checkFilters(fs, "subnet-id", "vpc-id", "cidr-block", "cidr", "cidrBlock", "availability-zone", "state", "owner-id"); err != nil {
		return nil, err
	}
	return s.read(func(st *model.State) (any, error) {
		want, err := ids(in.list("SubnetId"), func(id string) bool { return st.Subnets[id] != nil }, model.CodeSubnetNotFound, "subnet")
		if err != nil {
			return nil, err
		}
		out := &struct {
			reqID
			Set []xSubnet `xml:"subnetSet>item"`
		}{}
		for _, sn := range st.ListSubnets() {
			a := withTags(attrs{"subnet-id": {sn.ID}, "vpc-id": {sn.VPCID}, "cidr-block": {sn.CIDR}, "cidr": {sn.CIDR}, "cidrBlock": {sn.CIDR},
				"availability-zone": {sn.AvailabilityZone}, "state": {"available"}, "owner-id": {OwnerID}}, sn.Tags)
			if (want == nil || want[sn.ID]) && match(a, fs) {
				out.Set = append(out.Set, s.xSubnet(st, sn))
			}
		}
		return out, nil
	})
}

func deleteSubnet(s *Server, in form) (any, error) {
	return s.mutate(func(st *model.State) (any, error) {
		return &returnResp{Return: true}, st.DeleteSubnet(in.str("SubnetId"))
	})
}

func createENI(s *Server, in form) (any, error) {
	return s.mutate(func(st *model.State) (any, error) {
		e, err := st.CreateNetworkInterface(in.str("SubnetId"), in.str("PrivateIpAddress"), in.str("Description"), in.tags("network-interface"))
		if err != nil {
			return nil, err
		}
		return &struct {
			reqID
			ENI xENI `xml:"networkInterface"`
		}{ENI: xENIOf(st, e)}, nil
	})
}

func describeENIs(s *Server, in form) (any, error) {
	fs := in.filters()
	if err := checkFilters(fs, "network-interface-id", "subnet-id", "vpc-id", "private-ip-address", "addresses.private-ip-address",
		"interface-type", "description", "requester-managed", "status", "owner-id", "availability-zone"); err != nil {
		return nil, err
	}
	return s.read(func(st *model.State) (any, error) {
		want, err := ids(in.list("NetworkInterfaceId"), func(id string) bool { return st.ENIs[id] != nil }, model.CodeNetworkInterfaceNotFound, "networkInterface")
		if err != nil {
			return nil, err
		}
		out := &struct {
			reqID
			Set []xENI `xml:"networkInterfaceSet>item"`
		}{}
		for _, e := range st.ListNetworkInterfaces() {
			x := xENIOf(st, e)
			a := withTags(attrs{"network-interface-id": {e.ID}, "subnet-id": {e.SubnetID}, "vpc-id": {e.VPCID}, "private-ip-address": {e.PrivateIP},
				"addresses.private-ip-address": {e.PrivateIP}, "interface-type": {e.Type}, "description": {e.Description},
				"requester-managed": {strconv.FormatBool(x.RequesterManaged)}, "status": {"in-use"}, "owner-id": {OwnerID}, "availability-zone": {x.AvailabilityZone}}, e.Tags)
			if (want == nil || want[e.ID]) && match(a, fs) {
				out.Set = append(out.Set, x)
			}
		}
		return out, nil
	})
}

func deleteENI(s *Server, in form) (any, error) {
	return s.mutate(func(st *model.State) (any, error) {
		return &returnResp{Return: true}, st.DeleteNetworkInterface(in.str("NetworkInterfaceId"))
	})
}

func describeVpcRouteTables(s *Server, in form) (any, error) {
	fs := in.filters()
	if err := checkFilters(fs, "route-table-id", "vpc-id", "association.main", "route.destination-cidr-block", "route.network-interface-id",
		"route.transit-gateway-id", "route.gateway-id", "owner-id"); err != nil {
		return nil, err
	}
	return s.read(func(st *model.State) (any, error) {
		want, err := ids(in.list("RouteTableId"), func(id string) bool { return st.VPCRouteTables[id] != nil }, model.CodeRouteTableNotFound, "routeTable")
		if err != nil {
			return nil, err
		}
		out := &struct {
			reqID
			Set []xVpcRouteTable `xml:"routeTableSet>item"`
		}{}
		for _, rt := range st.ListVPCRouteTables() {
			a := withTags(attrs{"route-table-id": {rt.ID}, "vpc-id": {rt.VPCID}, "association.main": {strconv.FormatBool(rt.Main)}, "owner-id": {OwnerID}}, rt.Tags)
			for _, r := range rt.Routes {
				a["route.destination-cidr-block"] = append(a["route.destination-cidr-block"], r.Destination)
				a["route.network-interface-id"] = append(a["route.network-interface-id"], r.NetworkInterfaceID)
				a["route.transit-gateway-id"] = append(a["route.transit-gateway-id"], r.TransitGatewayID)
				a["route.gateway-id"] = append(a["route.gateway-id"], r.GatewayID)
			}
			if (want == nil || want[rt.ID]) && match(a, fs) {
				out.Set = append(out.Set, xVPCRouteTable(st, rt))
			}
		}
		return out, nil
	})
}

func vpcTarget(in form) (model.VPCRouteTarget, error) {
	for _, k := range []string{"GatewayId", "NatGatewayId", "InstanceId", "VpcPeeringConnectionId", "EgressOnlyInternetGatewayId", "LocalGatewayId", "CarrierGatewayId", "VpcEndpointId", "CoreNetworkArn"} {
		if in.str(k) != "" {
			return model.VPCRouteTarget{}, invalid("netlab's VPC routes take NetworkInterfaceId or TransitGatewayId, not %s", k)
		}
	}
	return model.VPCRouteTarget{NetworkInterfaceID: in.str("NetworkInterfaceId"), TransitGatewayID: in.str("TransitGatewayId")}, nil
}

func createVpcRoute(s *Server, in form) (any, error) {
	t, err := vpcTarget(in)
	if err != nil {
		return nil, err
	}
	return s.mutate(func(st *model.State) (any, error) {
		return &returnResp{Return: true}, st.CreateVPCRoute(in.str("RouteTableId"), in.str("DestinationCidrBlock"), t)
	})
}

func replaceVpcRoute(s *Server, in form) (any, error) {
	t, err := vpcTarget(in)
	if err != nil {
		return nil, err
	}
	return s.mutate(func(st *model.State) (any, error) {
		return &returnResp{Return: true}, st.ReplaceVPCRoute(in.str("RouteTableId"), in.str("DestinationCidrBlock"), t)
	})
}

func deleteVpcRoute(s *Server, in form) (any, error) {
	return s.mutate(func(st *model.State) (any, error) {
		return &returnResp{Return: true}, st.DeleteVPCRoute(in.str("RouteTableId"), in.str("DestinationCidrBlock"))
	})
}

// createTags sets tags (replacing values of existing keys) on any resource the server holds.
func createTags(s *Server, in form) (any, error) {
	resources := in.list("ResourceId")
	var tags []model.Tag
	for j := 1; j <= 50; j++ {
		k := in.str("Tag." + strconv.Itoa(j) + ".Key")
		if k == "" {
			break
		}
		tags = append(tags, model.Tag{Key: k, Value: in.str("Tag." + strconv.Itoa(j) + ".Value")})
	}
	if len(resources) == 0 {
		return nil, &model.Error{Code: model.CodeMissingParameter, Message: "The request must contain the parameter ResourceId"}
	}
	return s.mutate(func(st *model.State) (any, error) {
		var targets []*[]model.Tag
		for _, id := range resources {
			var t *[]model.Tag
			switch {
			case st.VPCs[id] != nil:
				t = &st.VPCs[id].Tags
			case st.Subnets[id] != nil:
				t = &st.Subnets[id].Tags
			case st.ENIs[id] != nil:
				t = &st.ENIs[id].Tags
			case st.VPCRouteTables[id] != nil:
				t = &st.VPCRouteTables[id].Tags
			case st.TransitGateways[id] != nil:
				t = &st.TransitGateways[id].Tags
			case st.Attachments[id] != nil:
				t = &st.Attachments[id].Tags
			case st.RouteTables[id] != nil:
				t = &st.RouteTables[id].Tags
			default:
				code := "InvalidID"
				switch {
				case strings.HasPrefix(id, "tgw-rtb-"):
					code = model.CodeRouteTableNotFound
				case strings.HasPrefix(id, "tgw-attach-"):
					code = model.CodeAttachmentNotFound
				case strings.HasPrefix(id, "tgw-"):
					code = model.CodeTransitGatewayNotFound
				}
				return nil, &model.Error{Code: code, Message: fmt.Sprintf("The ID '%s' is not valid", id)}
			}
			targets = append(targets, t)
		}
		for _, t := range targets {
			for _, nt := range tags {
				set := false
				for i := range *t {
					if (*t)[i].Key == nt.Key {
						(*t)[i].Value, set = nt.Value, true
					}
				}
				if !set {
					*t = append(*t, nt)
				}
			}
		}
		return &returnResp{Return: true}, nil
	})
}
