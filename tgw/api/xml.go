package api

import (
	"net/netip"

	"github.com/netlab-dev/netlab/tgw/model"
)

// reqID is embedded first in every reply; the server fills it in.
type reqID struct {
	RequestID string `xml:"requestId"`
}

func (r *reqID) setRequestID(id string) { r.RequestID = id }

type xTag struct {
	Key   string `xml:"key"`
	Value string `xml:"value"`
}

func xTags(ts []model.Tag) []xTag {
	var out []xTag
	for _, t := range ts {
		out = append(out, xTag{t.Key, t.Value})
	}
	return out
}

func enableStr(b bool) string {
	if b {
		return "enable"
	}
	return "disable"
}

type xTGWOptions struct {
	AmazonSideAsn                  int64  `xml:"amazonSideAsn"`
	AutoAcceptSharedAttachments    string `xml:"autoAcceptSharedAttachments"`
	DefaultRouteTableAssociation   string `xml:"defaultRouteTableAssociation"`
	AssociationDefaultRouteTableID string `xml:"associationDefaultRouteTableId,omitempty"`
	DefaultRouteTablePropagation   string `xml:"defaultRouteTablePropagation"`
	PropagationDefaultRouteTableID string `xml:"propagationDefaultRouteTableId,omitempty"`
	VpnEcmpSupport                 string `xml:"vpnEcmpSupport"`
	DNSSupport                     string `xml:"dnsSupport"`
	MulticastSupport               string `xml:"multicastSupport"`
}

type xTGW struct {
	ID           string      `xml:"transitGatewayId"`
	Arn          string      `xml:"transitGatewayArn"`
	State        string      `xml:"state"`
	OwnerID      string      `xml:"ownerId"`
	Description  string      `xml:"description,omitempty"`
	CreationTime string      `xml:"creationTime"`
	Options      xTGWOptions `xml:"options"`
	Tags         []xTag      `xml:"tagSet>item"`
}

func (s *Server) xTGW(g *model.TransitGateway, state string) xTGW {
	o := xTGWOptions{AmazonSideAsn: g.ASN, AutoAcceptSharedAttachments: "disable",
		DefaultRouteTableAssociation: enableStr(g.DefaultAssociation), DefaultRouteTablePropagation: enableStr(g.DefaultPropagation),
		VpnEcmpSupport: "enable", DNSSupport: "enable", MulticastSupport: "disable"}
	if g.DefaultAssociation {
		o.AssociationDefaultRouteTableID = g.DefaultRouteTable
	}
	if g.DefaultPropagation {
		o.PropagationDefaultRouteTableID = g.DefaultRouteTable
	}
	return xTGW{ID: g.ID, Arn: "arn:aws:ec2:" + s.opt.Region + ":" + OwnerID + ":transit-gateway/" + g.ID, State: state, OwnerID: OwnerID,
		Description: g.Description, CreationTime: timestamp(g.Created), Options: o, Tags: xTags(g.Tags)}
}

type xVpcAttachmentOptions struct {
	DNSSupport           string `xml:"dnsSupport"`
	Ipv6Support          string `xml:"ipv6Support"`
	ApplianceModeSupport string `xml:"applianceModeSupport"`
}

type xVpcAttachment struct {
	ID           string                `xml:"transitGatewayAttachmentId"`
	TGWID        string                `xml:"transitGatewayId"`
	VpcID        string                `xml:"vpcId"`
	VpcOwnerID   string                `xml:"vpcOwnerId"`
	State        string                `xml:"state"`
	SubnetIDs    []string              `xml:"subnetIds>item"`
	CreationTime string                `xml:"creationTime"`
	Options      xVpcAttachmentOptions `xml:"options"`
	Tags         []xTag                `xml:"tagSet>item"`
}

func xAttachmentVPC(a *model.Attachment, state string) xVpcAttachment {
	x := xVpcAttachment{ID: a.ID, TGWID: a.TGWID, VpcID: a.VPCID, VpcOwnerID: OwnerID, State: state,
		CreationTime: timestamp(a.Created), Options: xVpcAttachmentOptions{"enable", "disable", "disable"}, Tags: xTags(a.Tags)}
	for _, sn := range a.Subnets {
		x.SubnetIDs = append(x.SubnetIDs, sn.SubnetID)
	}
	return x
}

type xAttachmentAssociation struct {
	RouteTableID string `xml:"transitGatewayRouteTableId"`
	State        string `xml:"state"`
}

type xAttachment struct {
	ID              string                  `xml:"transitGatewayAttachmentId"`
	TGWID           string                  `xml:"transitGatewayId"`
	TGWOwnerID      string                  `xml:"transitGatewayOwnerId"`
	ResourceOwnerID string                  `xml:"resourceOwnerId"`
	ResourceType    string                  `xml:"resourceType"`
	ResourceID      string                  `xml:"resourceId"`
	State           string                  `xml:"state"`
	Association     *xAttachmentAssociation `xml:"association,omitempty"`
	CreationTime    string                  `xml:"creationTime"`
	Tags            []xTag                  `xml:"tagSet>item"`
}

func xAttachmentGeneric(a *model.Attachment) xAttachment {
	x := xAttachment{ID: a.ID, TGWID: a.TGWID, TGWOwnerID: OwnerID, ResourceOwnerID: OwnerID, ResourceType: "vpc", ResourceID: a.VPCID,
		State: "available", CreationTime: timestamp(a.Created), Tags: xTags(a.Tags)}
	if a.RouteTableID != "" {
		x.Association = &xAttachmentAssociation{RouteTableID: a.RouteTableID, State: "associated"}
	}
	return x
}

type xRouteTable struct {
	ID                           string `xml:"transitGatewayRouteTableId"`
	TGWID                        string `xml:"transitGatewayId"`
	State                        string `xml:"state"`
	DefaultAssociationRouteTable bool   `xml:"defaultAssociationRouteTable"`
	DefaultPropagationRouteTable bool   `xml:"defaultPropagationRouteTable"`
	CreationTime                 string `xml:"creationTime"`
	Tags                         []xTag `xml:"tagSet>item"`
}

func xRT(st *model.State, rt *model.RouteTable, state string) xRouteTable {
	x := xRouteTable{ID: rt.ID, TGWID: rt.TGWID, State: state, CreationTime: timestamp(rt.Created), Tags: xTags(rt.Tags)}
	if g := st.TransitGateways[rt.TGWID]; g != nil && g.DefaultRouteTable == rt.ID {
		x.DefaultAssociationRouteTable = g.DefaultAssociation
		x.DefaultPropagationRouteTable = g.DefaultPropagation
	}
	return x
}

// xAssociation serves as TransitGatewayAssociation, TransitGatewayRouteTableAssociation,
// TransitGatewayPropagation and TransitGatewayRouteTablePropagation (the route table id is omitted
// where the shape has none).
type xAssociation struct {
	RouteTableID string `xml:"transitGatewayRouteTableId,omitempty"`
	AttachmentID string `xml:"transitGatewayAttachmentId"`
	ResourceID   string `xml:"resourceId"`
	ResourceType string `xml:"resourceType"`
	State        string `xml:"state"`
}

func xAssoc(rtID string, a *model.Attachment, state string) xAssociation {
	return xAssociation{RouteTableID: rtID, AttachmentID: a.ID, ResourceID: a.VPCID, ResourceType: "vpc", State: state}
}

type xRouteAttachment struct {
	ResourceID   string `xml:"resourceId"`
	ResourceType string `xml:"resourceType"`
	AttachmentID string `xml:"transitGatewayAttachmentId"`
}

type xRoute struct {
	DestinationCidrBlock string             `xml:"destinationCidrBlock"`
	Type                 string             `xml:"type"`
	State                string             `xml:"state"`
	Attachments          []xRouteAttachment `xml:"transitGatewayAttachments>item"`
}

func xRouteOf(r model.Route) xRoute {
	x := xRoute{DestinationCidrBlock: r.CIDR.String(), Type: r.Type, State: r.State}
	if r.AttachmentID != "" {
		x.Attachments = []xRouteAttachment{{ResourceID: r.VPCID, ResourceType: "vpc", AttachmentID: r.AttachmentID}}
	}
	return x
}

type xCidrState struct {
	State string `xml:"state"`
}

type xCidrAssociation struct {
	AssociationID string     `xml:"associationId"`
	CidrBlock     string     `xml:"cidrBlock"`
	State         xCidrState `xml:"cidrBlockState"`
}

type xVpc struct {
	VpcID           string             `xml:"vpcId"`
	OwnerID         string             `xml:"ownerId"`
	State           string             `xml:"state"`
	CidrBlock       string             `xml:"cidrBlock"`
	CidrAssociation []xCidrAssociation `xml:"cidrBlockAssociationSet>item"`
	DhcpOptionsID   string             `xml:"dhcpOptionsId"`
	InstanceTenancy string             `xml:"instanceTenancy"`
	IsDefault       bool               `xml:"isDefault"`
	Tags            []xTag             `xml:"tagSet>item"`
}

func xVPC(v *model.VPC) xVpc {
	x := xVpc{VpcID: v.ID, OwnerID: OwnerID, State: "available", CidrBlock: v.CIDRs[0], DhcpOptionsID: "default", InstanceTenancy: "default", Tags: xTags(v.Tags)}
	for i, c := range v.CIDRs {
		x.CidrAssociation = append(x.CidrAssociation, xCidrAssociation{AssociationID: v.CIDRAssociationIDs[i], CidrBlock: c, State: xCidrState{"associated"}})
	}
	return x
}

type xSubnet struct {
	SubnetID                string `xml:"subnetId"`
	SubnetArn               string `xml:"subnetArn"`
	VpcID                   string `xml:"vpcId"`
	OwnerID                 string `xml:"ownerId"`
	State                   string `xml:"state"`
	CidrBlock               string `xml:"cidrBlock"`
	AvailabilityZone        string `xml:"availabilityZone"`
	AvailableIPAddressCount int    `xml:"availableIpAddressCount"`
	DefaultForAz            bool   `xml:"defaultForAz"`
	MapPublicIPOnLaunch     bool   `xml:"mapPublicIpOnLaunch"`
	Tags                    []xTag `xml:"tagSet>item"`
}

func (s *Server) xSubnet(st *model.State, sn *model.Subnet) xSubnet {
	p := netip.MustParsePrefix(sn.CIDR)
	free := 1<<(32-p.Bits()) - 5 // AWS reserves five addresses per subnet
	for _, e := range st.ENIs {
		if e.SubnetID == sn.ID {
			free--
		}
	}
	return xSubnet{SubnetID: sn.ID, SubnetArn: "arn:aws:ec2:" + s.opt.Region + ":" + OwnerID + ":subnet/" + sn.ID, VpcID: sn.VPCID, OwnerID: OwnerID,
		State: "available", CidrBlock: sn.CIDR, AvailabilityZone: sn.AvailabilityZone, AvailableIPAddressCount: free, Tags: xTags(sn.Tags)}
}

type xPrivateIP struct {
	PrivateIPAddress string `xml:"privateIpAddress"`
	Primary          bool   `xml:"primary"`
}

type xENI struct {
	ID               string       `xml:"networkInterfaceId"`
	SubnetID         string       `xml:"subnetId"`
	VpcID            string       `xml:"vpcId"`
	AvailabilityZone string       `xml:"availabilityZone"`
	Description      string       `xml:"description"`
	OwnerID          string       `xml:"ownerId"`
	RequesterID      string       `xml:"requesterId,omitempty"`
	RequesterManaged bool         `xml:"requesterManaged"`
	Status           string       `xml:"status"`
	PrivateIPAddress string       `xml:"privateIpAddress"`
	PrivateIPs       []xPrivateIP `xml:"privateIpAddressesSet>item"`
	SourceDestCheck  bool         `xml:"sourceDestCheck"`
	InterfaceType    string       `xml:"interfaceType"`
	Tags             []xTag       `xml:"tagSet>item"`
}

func xENIOf(st *model.State, e *model.NetworkInterface) xENI {
	x := xENI{ID: e.ID, SubnetID: e.SubnetID, VpcID: e.VPCID, Description: e.Description, OwnerID: OwnerID, Status: "in-use",
		PrivateIPAddress: e.PrivateIP, PrivateIPs: []xPrivateIP{{e.PrivateIP, true}}, InterfaceType: e.Type, Tags: xTags(e.Tags)}
	if sn := st.Subnets[e.SubnetID]; sn != nil {
		x.AvailabilityZone = sn.AvailabilityZone
	}
	if e.Type == model.InterfaceTypeTransitGateway {
		x.RequesterManaged, x.RequesterID = true, "netlab-tgw"
	} else {
		// a node forwards its Pods' packets, so it is not source/destination checked
		x.SourceDestCheck = false
	}
	return x
}

type xVpcRoute struct {
	DestinationCidrBlock string `xml:"destinationCidrBlock"`
	GatewayID            string `xml:"gatewayId,omitempty"`
	NetworkInterfaceID   string `xml:"networkInterfaceId,omitempty"`
	TransitGatewayID     string `xml:"transitGatewayId,omitempty"`
	Origin               string `xml:"origin"`
	State                string `xml:"state"`
}

type xAssociationState struct {
	State string `xml:"state"`
}

type xRTAssociation struct {
	ID           string            `xml:"routeTableAssociationId"`
	RouteTableID string            `xml:"routeTableId"`
	Main         bool              `xml:"main"`
	State        xAssociationState `xml:"associationState"`
}

type xVpcRouteTable struct {
	ID           string           `xml:"routeTableId"`
	VpcID        string           `xml:"vpcId"`
	OwnerID      string           `xml:"ownerId"`
	Routes       []xVpcRoute      `xml:"routeSet>item"`
	Associations []xRTAssociation `xml:"associationSet>item"`
	Tags         []xTag           `xml:"tagSet>item"`
}

func xVPCRouteTable(st *model.State, rt *model.VPCRouteTable) xVpcRouteTable {
	x := xVpcRouteTable{ID: rt.ID, VpcID: rt.VPCID, OwnerID: OwnerID, Tags: xTags(rt.Tags)}
	for _, r := range rt.Routes {
		x.Routes = append(x.Routes, xVpcRoute{DestinationCidrBlock: r.Destination, GatewayID: r.GatewayID, NetworkInterfaceID: r.NetworkInterfaceID,
			TransitGatewayID: r.TransitGatewayID, Origin: r.Origin, State: st.VPCRouteState(r)})
	}
	if rt.Main {
		x.Associations = []xRTAssociation{{ID: "rtbassoc-" + rt.ID[len("rtb-"):], RouteTableID: rt.ID, Main: true, State: xAssociationState{"associated"}}}
	}
	return x
}
