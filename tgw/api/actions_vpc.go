package api

import (
	"strconv"

	"github.com/netlab-dev/netlab/tgw/model"
)

// ---- VPCs, subnets, network interfaces, VPC route tables

func createVpc(s *Server, in form) (any, error) {
	return change(s, func(st *model.State) (*model.VPC, error) {
		return st.CreateVPC(in.str("CidrBlock"), in.tags("vpc"))
	}, func(_ *model.State, v *model.VPC) any { return one("vpc", xVPC(v)) })
}

func describeVpcs(s *Server, in form) (any, error) {
	return describe(s, in, listing[*model.VPC, xVpc]{
		set: "vpcSet", idParam: "VpcId", notFound: model.CodeVpcNotFound, noun: "vpc", prefix: "vpc",
		filters: []string{"vpc-id", "cidr", "cidr-block-association.cidr-block", "cidr-block-association.association-id", "state", "is-default", "owner-id"},
		list:    all((*model.State).ListVPCs),
		id:      func(v *model.VPC) string { return v.ID },
		attrs: func(_ *model.State, v *model.VPC) attrs {
			return withTags(attrs{"vpc-id": {v.ID}, "cidr": {v.CIDRs[0]}, "cidr-block-association.cidr-block": v.CIDRs,
				"cidr-block-association.association-id": v.CIDRAssociationIDs, "state": {"available"}, "is-default": {"false"}, "owner-id": {OwnerID}}, v.Tags)
		},
		view: func(_ *model.State, v *model.VPC) xVpc { return xVPC(v) },
	})
}

// confirmed runs a call that answers only <return>true</return>.
func confirmed(s *Server, op func(st *model.State) error) (any, error) {
	return change(s, func(st *model.State) (bool, error) { return true, op(st) },
		func(*model.State, bool) any { return done() })
}

func deleteVpc(s *Server, in form) (any, error) {
	return confirmed(s, func(st *model.State) error { return st.DeleteVPC(in.str("VpcId")) })
}

type xVpcCidrAssociation struct {
	Assoc xCidrAssociation `xml:"cidrBlockAssociation"`
	VpcID string           `xml:"vpcId"`
}

func associateVpcCidr(s *Server, in form) (any, error) {
	return change(s, func(st *model.State) (string, error) {
		return st.AssociateVPCCIDR(in.str("VpcId"), in.str("CidrBlock"))
	}, func(st *model.State, id string) any {
		v := st.VPCs[in.str("VpcId")]
		return &struct {
			reqID
			xVpcCidrAssociation
		}{xVpcCidrAssociation: xVpcCidrAssociation{Assoc: xCidrAssociation{AssociationID: id, CidrBlock: v.CIDRs[len(v.CIDRs)-1], State: xCidrState{"associated"}}, VpcID: v.ID}}
	})
}

func createSubnet(s *Server, in form) (any, error) {
	return change(s, func(st *model.State) (*model.Subnet, error) {
		return st.CreateSubnet(in.str("VpcId"), in.str("CidrBlock"), in.str("AvailabilityZone"), in.tags("subnet"))
	}, func(st *model.State, sn *model.Subnet) any { return one("subnet", s.xSubnet(st, sn)) })
}

func describeSubnets(s *Server, in form) (any, error) {
	return describe(s, in, listing[*model.Subnet, xSubnet]{
		set: "subnetSet", idParam: "SubnetId", notFound: model.CodeSubnetNotFound, noun: "subnet", prefix: "subnet",
		filters: []string{"subnet-id", "vpc-id", "cidr-block", "cidr", "cidrBlock", "availability-zone", "state", "owner-id"},
		list:    all((*model.State).ListSubnets),
		id:      func(sn *model.Subnet) string { return sn.ID },
		attrs: func(_ *model.State, sn *model.Subnet) attrs {
			return withTags(attrs{"subnet-id": {sn.ID}, "vpc-id": {sn.VPCID}, "cidr-block": {sn.CIDR}, "cidr": {sn.CIDR}, "cidrBlock": {sn.CIDR},
				"availability-zone": {sn.AvailabilityZone}, "state": {"available"}, "owner-id": {OwnerID}}, sn.Tags)
		},
		view: s.xSubnet,
	})
}

func deleteSubnet(s *Server, in form) (any, error) {
	return confirmed(s, func(st *model.State) error { return st.DeleteSubnet(in.str("SubnetId")) })
}

func createENI(s *Server, in form) (any, error) {
	return change(s, func(st *model.State) (*model.NetworkInterface, error) {
		return st.CreateNetworkInterface(in.str("SubnetId"), in.str("PrivateIpAddress"), in.str("Description"), in.tags("network-interface"))
	}, func(st *model.State, e *model.NetworkInterface) any { return one("networkInterface", xENIOf(st, e)) })
}

func describeENIs(s *Server, in form) (any, error) {
	return describe(s, in, listing[*model.NetworkInterface, xENI]{
		set: "networkInterfaceSet", idParam: "NetworkInterfaceId", notFound: model.CodeNetworkInterfaceNotFound, noun: "networkInterface", prefix: "eni",
		filters: []string{"network-interface-id", "subnet-id", "vpc-id", "private-ip-address", "addresses.private-ip-address",
			"interface-type", "description", "requester-managed", "status", "owner-id", "availability-zone"},
		list: all((*model.State).ListNetworkInterfaces),
		id:   func(e *model.NetworkInterface) string { return e.ID },
		attrs: func(st *model.State, e *model.NetworkInterface) attrs {
			x := xENIOf(st, e)
			return withTags(attrs{"network-interface-id": {e.ID}, "subnet-id": {e.SubnetID}, "vpc-id": {e.VPCID}, "private-ip-address": {e.PrivateIP},
				"addresses.private-ip-address": {e.PrivateIP}, "interface-type": {e.Type}, "description": {e.Description},
				"requester-managed": {strconv.FormatBool(x.RequesterManaged)}, "status": {"in-use"}, "owner-id": {OwnerID}, "availability-zone": {x.AvailabilityZone}}, e.Tags)
		},
		view: xENIOf,
	})
}

func deleteENI(s *Server, in form) (any, error) {
	return confirmed(s, func(st *model.State) error { return st.DeleteNetworkInterface(in.str("NetworkInterfaceId")) })
}

func describeVpcRouteTables(s *Server, in form) (any, error) {
	return describe(s, in, listing[*model.VPCRouteTable, xVpcRouteTable]{
		set: "routeTableSet", idParam: "RouteTableId", notFound: model.CodeRouteTableNotFound, noun: "routeTable", prefix: "rtb", maxResults: 100,
		filters: []string{"route-table-id", "vpc-id", "association.main", "route.destination-cidr-block", "route.network-interface-id",
			"route.transit-gateway-id", "route.gateway-id", "owner-id"},
		list: all((*model.State).ListVPCRouteTables),
		id:   func(rt *model.VPCRouteTable) string { return rt.ID },
		attrs: func(_ *model.State, rt *model.VPCRouteTable) attrs {
			a := withTags(attrs{"route-table-id": {rt.ID}, "vpc-id": {rt.VPCID}, "association.main": {strconv.FormatBool(rt.Main)}, "owner-id": {OwnerID}}, rt.Tags)
			for _, r := range rt.Routes {
				a["route.destination-cidr-block"] = append(a["route.destination-cidr-block"], r.Destination)
				a["route.network-interface-id"] = append(a["route.network-interface-id"], r.NetworkInterfaceID)
				a["route.transit-gateway-id"] = append(a["route.transit-gateway-id"], r.TransitGatewayID)
				a["route.gateway-id"] = append(a["route.gateway-id"], r.GatewayID)
			}
			return a
		},
		view: xVPCRouteTable,
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
	return confirmed(s, func(st *model.State) error {
		return st.CreateVPCRoute(in.str("RouteTableId"), in.str("DestinationCidrBlock"), t)
	})
}

func replaceVpcRoute(s *Server, in form) (any, error) {
	t, err := vpcTarget(in)
	if err != nil {
		return nil, err
	}
	return confirmed(s, func(st *model.State) error {
		return st.ReplaceVPCRoute(in.str("RouteTableId"), in.str("DestinationCidrBlock"), t)
	})
}

func deleteVpcRoute(s *Server, in form) (any, error) {
	return confirmed(s, func(st *model.State) error {
		return st.DeleteVPCRoute(in.str("RouteTableId"), in.str("DestinationCidrBlock"))
	})
}
