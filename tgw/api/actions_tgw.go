package api

import (
	"strconv"

	"github.com/netlab-dev/netlab/tgw/model"
)

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
	return change(s, func(st *model.State) (*model.TransitGateway, error) {
		return st.CreateTransitGateway(in.str("Description"), o, in.tags("transit-gateway"))
	}, func(_ *model.State, g *model.TransitGateway) any { return one("transitGateway", s.xTGW(g, "pending")) })
}

func describeTransitGateways(s *Server, in form) (any, error) {
	return describe(s, in, listing[*model.TransitGateway, xTGW]{
		set: "transitGatewaySet", idParam: "TransitGatewayIds", notFound: model.CodeTransitGatewayNotFound, noun: "transitGateway", prefix: "tgw",
		filters: []string{"transit-gateway-id", "state", "owner-id", "options.amazon-side-asn",
			"options.association-default-route-table-id", "options.propagation-default-route-table-id",
			"options.default-route-table-association", "options.default-route-table-propagation"},
		list: all((*model.State).ListTransitGateways),
		id:   func(g *model.TransitGateway) string { return g.ID },
		attrs: func(_ *model.State, g *model.TransitGateway) attrs {
			x := s.xTGW(g, "available")
			return withTags(attrs{"transit-gateway-id": {g.ID}, "state": {"available"}, "owner-id": {OwnerID},
				"options.amazon-side-asn":                    {strconv.FormatInt(g.ASN, 10)},
				"options.association-default-route-table-id": {x.Options.AssociationDefaultRouteTableID},
				"options.propagation-default-route-table-id": {x.Options.PropagationDefaultRouteTableID},
				"options.default-route-table-association":    {x.Options.DefaultRouteTableAssociation},
				"options.default-route-table-propagation":    {x.Options.DefaultRouteTablePropagation}}, g.Tags)
		},
		view: func(_ *model.State, g *model.TransitGateway) xTGW { return s.xTGW(g, "available") },
	})
}

func deleteTransitGateway(s *Server, in form) (any, error) {
	return change(s, func(st *model.State) (*model.TransitGateway, error) {
		return st.DeleteTransitGateway(in.str("TransitGatewayId"))
	}, func(_ *model.State, g *model.TransitGateway) any { return one("transitGateway", s.xTGW(g, "deleting")) })
}

// ---- attachments

func createVpcAttachment(s *Server, in form) (any, error) {
	return change(s, func(st *model.State) (*model.Attachment, error) {
		return st.CreateAttachment(in.str("TransitGatewayId"), in.str("VpcId"), in.list("SubnetIds"), in.tags("transit-gateway-attachment"), s.addressFinder())
	}, func(_ *model.State, a *model.Attachment) any {
		return one("transitGatewayVpcAttachment", xAttachmentVPC(a, "pending"))
	})
}

func deleteVpcAttachment(s *Server, in form) (any, error) {
	return change(s, func(st *model.State) (*model.Attachment, error) {
		return st.DeleteAttachment(in.str("TransitGatewayAttachmentId"))
	}, func(_ *model.State, a *model.Attachment) any {
		return one("transitGatewayVpcAttachment", xAttachmentVPC(a, "deleting"))
	})
}

func describeVpcAttachments(s *Server, in form) (any, error) {
	return describe(s, in, listing[*model.Attachment, xVpcAttachment]{
		set: "transitGatewayVpcAttachments", idParam: "TransitGatewayAttachmentIds", notFound: model.CodeAttachmentNotFound, noun: "transitGatewayAttachment", prefix: "tgw-attach",
		filters: []string{"transit-gateway-attachment-id", "transit-gateway-id", "vpc-id", "state"},
		list:    all((*model.State).ListAttachments),
		id:      func(a *model.Attachment) string { return a.ID },
		attrs: func(_ *model.State, a *model.Attachment) attrs {
			return withTags(attrs{"transit-gateway-attachment-id": {a.ID}, "transit-gateway-id": {a.TGWID}, "vpc-id": {a.VPCID}, "state": {"available"}}, a.Tags)
		},
		view: func(_ *model.State, a *model.Attachment) xVpcAttachment { return xAttachmentVPC(a, "available") },
	})
}

func describeAttachments(s *Server, in form) (any, error) {
	return describe(s, in, listing[*model.Attachment, xAttachment]{
		set: "transitGatewayAttachments", idParam: "TransitGatewayAttachmentIds", notFound: model.CodeAttachmentNotFound, noun: "transitGatewayAttachment", prefix: "tgw-attach",
		filters: []string{"transit-gateway-attachment-id", "transit-gateway-id", "resource-id", "resource-type", "state",
			"association.transit-gateway-route-table-id", "association.state", "resource-owner-id", "transit-gateway-owner-id"},
		list: all((*model.State).ListAttachments),
		id:   func(a *model.Attachment) string { return a.ID },
		attrs: func(_ *model.State, a *model.Attachment) attrs {
			at := withTags(attrs{"transit-gateway-attachment-id": {a.ID}, "transit-gateway-id": {a.TGWID}, "resource-id": {a.VPCID},
				"resource-type": {"vpc"}, "state": {"available"}, "resource-owner-id": {OwnerID}, "transit-gateway-owner-id": {OwnerID}}, a.Tags)
			if a.RouteTableID != "" {
				at["association.transit-gateway-route-table-id"] = []string{a.RouteTableID}
				at["association.state"] = []string{"associated"}
			}
			return at
		},
		view: func(_ *model.State, a *model.Attachment) xAttachment { return xAttachmentGeneric(a) },
	})
}

// ---- route tables

func createRouteTable(s *Server, in form) (any, error) {
	return change(s, func(st *model.State) (*model.RouteTable, error) {
		return st.CreateRouteTable(in.str("TransitGatewayId"), in.tags("transit-gateway-route-table"))
	}, func(st *model.State, rt *model.RouteTable) any {
		return one("transitGatewayRouteTable", xRT(st, rt, "pending"))
	})
}

func describeRouteTables(s *Server, in form) (any, error) {
	return describe(s, in, listing[*model.RouteTable, xRouteTable]{
		set: "transitGatewayRouteTables", idParam: "TransitGatewayRouteTableIds", notFound: model.CodeRouteTableNotFound, noun: "transitGatewayRouteTable", prefix: "tgw-rtb",
		filters: []string{"transit-gateway-route-table-id", "transit-gateway-id", "state", "default-association-route-table", "default-propagation-route-table"},
		list:    all((*model.State).ListRouteTables),
		id:      func(rt *model.RouteTable) string { return rt.ID },
		attrs: func(st *model.State, rt *model.RouteTable) attrs {
			x := xRT(st, rt, "available")
			return withTags(attrs{"transit-gateway-route-table-id": {rt.ID}, "transit-gateway-id": {rt.TGWID}, "state": {"available"},
				"default-association-route-table": {strconv.FormatBool(x.DefaultAssociationRouteTable)},
				"default-propagation-route-table": {strconv.FormatBool(x.DefaultPropagationRouteTable)}}, rt.Tags)
		},
		view: func(st *model.State, rt *model.RouteTable) xRouteTable { return xRT(st, rt, "available") },
	})
}

func deleteRouteTable(s *Server, in form) (any, error) {
	return change(s, func(st *model.State) (*model.RouteTable, error) {
		return st.DeleteRouteTable(in.str("TransitGatewayRouteTableId"))
	}, func(st *model.State, rt *model.RouteTable) any {
		return one("transitGatewayRouteTable", xRT(st, rt, "deleting"))
	})
}

// ---- associations and propagations

// tableLink is the shape of the association and propagation calls: a model call on a route table and
// an attachment, answered as element name with the link in state.
func tableLink(s *Server, in form, op func(st *model.State, rtbID, attID string) (*model.RouteTable, *model.Attachment, error), name, state string) (any, error) {
	rtbID, attID := in.str("TransitGatewayRouteTableId"), in.str("TransitGatewayAttachmentId")
	return change(s, func(st *model.State) (*model.Attachment, error) {
		_, a, err := op(st, rtbID, attID)
		return a, err
	}, func(_ *model.State, a *model.Attachment) any { return one(name, xAssoc(rtbID, a, state)) })
}

func associate(s *Server, in form) (any, error) {
	return tableLink(s, in, (*model.State).Associate, "association", "associating")
}

func disassociate(s *Server, in form) (any, error) {
	return tableLink(s, in, (*model.State).Disassociate, "association", "disassociating")
}

func enablePropagation(s *Server, in form) (any, error) {
	return tableLink(s, in, (*model.State).EnablePropagation, "propagation", "enabled")
}

func disablePropagation(s *Server, in form) (any, error) {
	return tableLink(s, in, (*model.State).DisablePropagation, "propagation", "disabled")
}

// tableLinks lists a route table's associations or propagations (Get… calls).
func tableLinks(s *Server, in form, list func(st *model.State, rtbID string) ([]*model.Attachment, error), setName, state string, filters ...string) (any, error) {
	return describe(s, in, listing[*model.Attachment, xAssociation]{
		set: setName, filters: filters,
		list: func(st *model.State) ([]*model.Attachment, error) {
			return list(st, in.str("TransitGatewayRouteTableId"))
		},
		id: func(a *model.Attachment) string { return a.ID },
		attrs: func(_ *model.State, a *model.Attachment) attrs {
			return attrs{"resource-id": {a.VPCID}, "resource-type": {"vpc"}, "transit-gateway-attachment-id": {a.ID}, "state": {state}}
		},
		view: func(_ *model.State, a *model.Attachment) xAssociation { return xAssoc("", a, state) },
	})
}

func getAssociations(s *Server, in form) (any, error) {
	return tableLinks(s, in, (*model.State).Associations, "associations", "associated", "resource-id", "resource-type", "transit-gateway-attachment-id")
}

func getPropagations(s *Server, in form) (any, error) {
	return tableLinks(s, in, (*model.State).Propagations, "transitGatewayRouteTablePropagations", "enabled", "resource-id", "resource-type", "transit-gateway-attachment-id", "state")
}
