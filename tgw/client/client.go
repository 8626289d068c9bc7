// Package client configures a netlab transit gateway through its EC2 API, with aws-sdk-go-v2 only:
// the same calls a workshop's `aws ec2 ...` commands make against AWS. Reconcile takes a desired Spec
// and converges the TGW to it; running it again with the same Spec makes no calls that change
// anything. Resources are found again by their tags: netlab:tgw (the gateway's name) and netlab:name.
package client

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// Tag keys netlab sets on what it creates.
const (
	TagTGW  = "netlab:tgw"  // the name of the transit gateway the resource belongs to
	TagName = "netlab:name" // the resource's name in the Spec
)

// Spec is a desired transit gateway setup.
type Spec struct {
	Name        string // the gateway's name (tag netlab:name on the TGW, netlab:tgw on everything)
	ASN         int64  // Amazon-side ASN; 0 means 64512
	Attachments []AttachmentSpec
	RouteTables []RouteTableSpec
	// NodeRoutes are CIDRs behind nodes (Pod CIDRs): each becomes a route in the attachment's VPC
	// route table to the node's network interface, which the TGW follows to reach them.
	NodeRoutes []NodeRoute
}

// AttachmentSpec is one VPC and its attachment to the gateway.
type AttachmentSpec struct {
	Name    string       // names the VPC and the attachment
	CIDRs   []string     // the VPC's CIDRs, primary first (propagation installs all of them)
	Subnets []SubnetSpec // the subnets the TGW attaches to (one per docker network)
	// TGWRoutes are CIDRs that the VPC's route table sends to the transit gateway (the node side:
	// what the VPC's nodes route via the TGW's address in their subnet).
	TGWRoutes []string
}

// SubnetSpec is an attached subnet.
type SubnetSpec struct {
	CIDR string
	// TGWAddress is the TGW container's address on this subnet's network. The TGW finds its own
	// address; Reconcile checks that it is this one ("" skips the check).
	TGWAddress       string
	AvailabilityZone string // "" picks us-east-1a, 1b, … by position
}

// RouteTableSpec is a TGW route table.
type RouteTableSpec struct {
	Name         string
	Associations []string // attachment names (an attachment is associated with at most one table)
	Propagations []string // attachment names
	Routes       []StaticRoute
	Blackholes   []string // CIDRs
}

// StaticRoute sends a CIDR to an attachment.
type StaticRoute struct {
	CIDR       string
	Attachment string
}

// NodeRoute says that CIDR is reached via the node at address Via, in the VPC of Attachment.
type NodeRoute struct {
	Attachment string
	CIDR       string
	Via        string
	Node       string // the node's name, for the network interface's description
}

// Result is what Reconcile did and found.
type Result struct {
	Changes []string // one line per mutating call; empty when the TGW already matched the Spec

	TransitGatewayID string
	VPCIDs           map[string]string // attachment name -> vpc id
	AttachmentIDs    map[string]string // attachment name -> tgw-attach id
	RouteTableIDs    map[string]string // route table name -> tgw-rtb id
}

// NewEC2 returns an EC2 client for the TGW's endpoint with static credentials.
func NewEC2(endpoint string) *ec2.Client {
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("netlab", "netlab", "")}
	return ec2.NewFromConfig(cfg, func(o *ec2.Options) { o.BaseEndpoint = aws.String(endpoint) })
}

// Validate checks a Spec for what the API would refuse halfway through.
func (s Spec) Validate() error {
	if s.Name == "" {
		return errors.New("tgw spec: the gateway needs a name")
	}
	atts := map[string]AttachmentSpec{}
	for _, a := range s.Attachments {
		if a.Name == "" || atts[a.Name].Name != "" {
			return fmt.Errorf("tgw spec: attachment name %q is empty or repeated", a.Name)
		}
		if len(a.CIDRs) == 0 || len(a.Subnets) == 0 {
			return fmt.Errorf("tgw spec: attachment %s needs a CIDR and a subnet", a.Name)
		}
		for _, c := range append(append([]string{}, a.CIDRs...), a.TGWRoutes...) {
			if _, err := netip.ParsePrefix(c); err != nil {
				return fmt.Errorf("tgw spec: attachment %s: %w", a.Name, err)
			}
		}
		for _, sn := range a.Subnets {
			if _, err := netip.ParsePrefix(sn.CIDR); err != nil {
				return fmt.Errorf("tgw spec: attachment %s: %w", a.Name, err)
			}
			if sn.TGWAddress != "" {
				if _, err := netip.ParseAddr(sn.TGWAddress); err != nil {
					return fmt.Errorf("tgw spec: attachment %s: %w", a.Name, err)
				}
			}
		}
		atts[a.Name] = a
	}
	rts := map[string]bool{}
	assoc := map[string]string{}
	known := func(rt, what, name string) error {
		if atts[name].Name == "" {
			return fmt.Errorf("tgw spec: route table %s: %s names unknown attachment %q", rt, what, name)
		}
		return nil
	}
	for _, rt := range s.RouteTables {
		if rt.Name == "" || rts[rt.Name] {
			return fmt.Errorf("tgw spec: route table name %q is empty or repeated", rt.Name)
		}
		rts[rt.Name] = true
		for _, a := range rt.Associations {
			if err := known(rt.Name, "association", a); err != nil {
				return err
			}
			if other, ok := assoc[a]; ok {
				return fmt.Errorf("tgw spec: attachment %s is associated with both %s and %s; an attachment has at most one route table", a, other, rt.Name)
			}
			assoc[a] = rt.Name
		}
		for _, a := range rt.Propagations {
			if err := known(rt.Name, "propagation", a); err != nil {
				return err
			}
		}
		seen := map[netip.Prefix]bool{}
		for _, r := range rt.Routes {
			if err := known(rt.Name, "route", r.Attachment); err != nil {
				return err
			}
			p, err := netip.ParsePrefix(r.CIDR)
			if err != nil || seen[p] {
				return fmt.Errorf("tgw spec: route table %s: route %q is invalid or repeated", rt.Name, r.CIDR)
			}
			seen[p] = true
		}
		for _, c := range rt.Blackholes {
			p, err := netip.ParsePrefix(c)
			if err != nil || seen[p] {
				return fmt.Errorf("tgw spec: route table %s: blackhole %q is invalid or repeated", rt.Name, c)
			}
			seen[p] = true
		}
	}
	for _, n := range s.NodeRoutes {
		if atts[n.Attachment].Name == "" {
			return fmt.Errorf("tgw spec: node route %s names unknown attachment %q", n.CIDR, n.Attachment)
		}
		if _, err := netip.ParsePrefix(n.CIDR); err != nil {
			return fmt.Errorf("tgw spec: node route: %w", err)
		}
		if _, err := netip.ParseAddr(n.Via); err != nil {
			return fmt.Errorf("tgw spec: node route %s: %w", n.CIDR, err)
		}
	}
	return nil
}

type rec struct {
	ctx  context.Context
	c    *ec2.Client
	spec Spec
	res  *Result
}

func (r *rec) changed(format string, args ...any) {
	r.res.Changes = append(r.res.Changes, fmt.Sprintf(format, args...))
}

func (r *rec) tags(rt types.ResourceType, name string) []types.TagSpecification {
	return []types.TagSpecification{{ResourceType: rt, Tags: []types.Tag{
		{Key: aws.String("Name"), Value: aws.String(r.spec.Name + "-" + name)},
		{Key: aws.String(TagTGW), Value: aws.String(r.spec.Name)},
		{Key: aws.String(TagName), Value: aws.String(name)}}}}
}

func f(name string, values ...string) types.Filter {
	return types.Filter{Name: aws.String(name), Values: values}
}

func tagOf(tags []types.Tag, key string) string {
	for _, t := range tags {
		if aws.ToString(t.Key) == key {
			return aws.ToString(t.Value)
		}
	}
	return ""
}

// Reconcile converges the transit gateway behind c to spec, through EC2 calls only.
func Reconcile(ctx context.Context, c *ec2.Client, spec Spec) (*Result, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	r := &rec{ctx: ctx, c: c, spec: spec, res: &Result{VPCIDs: map[string]string{}, AttachmentIDs: map[string]string{}, RouteTableIDs: map[string]string{}}}
	steps := []func() error{r.gateway, r.vpcs, r.attachments, r.routeTables, r.associations, r.propagations, r.routes, r.vpcRoutes, r.cleanup}
	for _, step := range steps {
		if err := step(); err != nil {
			return r.res, err
		}
	}
	return r.res, nil
}

func (r *rec) gateway() error {
	out, err := r.c.DescribeTransitGateways(r.ctx, &ec2.DescribeTransitGatewaysInput{Filters: []types.Filter{f("tag:"+TagName, r.spec.Name), f("tag:"+TagTGW, r.spec.Name)}})
	if err != nil {
		return fmt.Errorf("describe transit gateways: %w", err)
	}
	asn := r.spec.ASN
	if asn == 0 {
		asn = 64512
	}
	if len(out.TransitGateways) > 0 {
		g := out.TransitGateways[0]
		if got := aws.ToInt64(g.Options.AmazonSideAsn); got != asn {
			return fmt.Errorf("transit gateway %s (%s) has ASN %d, the spec says %d; the ASN cannot change: delete the gateway first", r.spec.Name, aws.ToString(g.TransitGatewayId), got, asn)
		}
		r.res.TransitGatewayID = aws.ToString(g.TransitGatewayId)
		return nil
	}
	g, err := r.c.CreateTransitGateway(r.ctx, &ec2.CreateTransitGatewayInput{Description: aws.String("netlab transit gateway " + r.spec.Name),
		Options: &types.TransitGatewayRequestOptions{AmazonSideAsn: aws.Int64(asn),
			DefaultRouteTableAssociation: types.DefaultRouteTableAssociationValueDisable,
			DefaultRouteTablePropagation: types.DefaultRouteTablePropagationValueDisable},
		TagSpecifications: r.tags(types.ResourceTypeTransitGateway, r.spec.Name)})
	if err != nil {
		return fmt.Errorf("create transit gateway: %w", err)
	}
	r.res.TransitGatewayID = aws.ToString(g.TransitGateway.TransitGatewayId)
	r.changed("CreateTransitGateway %s -> %s", r.spec.Name, r.res.TransitGatewayID)
	return nil
}

func (r *rec) vpcs() error {
	for _, a := range r.spec.Attachments {
		out, err := r.c.DescribeVpcs(r.ctx, &ec2.DescribeVpcsInput{Filters: []types.Filter{f("tag:"+TagTGW, r.spec.Name), f("tag:"+TagName, a.Name)}})
		if err != nil {
			return fmt.Errorf("describe vpcs: %w", err)
		}
		var vpcID string
		have := map[string]bool{}
		if len(out.Vpcs) > 0 {
			v := out.Vpcs[0]
			vpcID = aws.ToString(v.VpcId)
			if aws.ToString(v.CidrBlock) != a.CIDRs[0] {
				return fmt.Errorf("vpc %s (%s) has CIDR %s, the spec says %s; a VPC's primary CIDR cannot change", a.Name, vpcID, aws.ToString(v.CidrBlock), a.CIDRs[0])
			}
			for _, cb := range v.CidrBlockAssociationSet {
				have[aws.ToString(cb.CidrBlock)] = true
			}
		} else {
			v, err := r.c.CreateVpc(r.ctx, &ec2.CreateVpcInput{CidrBlock: aws.String(a.CIDRs[0]), TagSpecifications: r.tags(types.ResourceTypeVpc, a.Name)})
			if err != nil {
				return fmt.Errorf("create vpc %s: %w", a.Name, err)
			}
			vpcID = aws.ToString(v.Vpc.VpcId)
			have[a.CIDRs[0]] = true
			r.changed("CreateVpc %s %s -> %s", a.Name, a.CIDRs[0], vpcID)
		}
		r.res.VPCIDs[a.Name] = vpcID
		for _, cidr := range a.CIDRs[1:] {
			if have[cidr] {
				continue
			}
			if _, err := r.c.AssociateVpcCidrBlock(r.ctx, &ec2.AssociateVpcCidrBlockInput{VpcId: aws.String(vpcID), CidrBlock: aws.String(cidr)}); err != nil {
				return fmt.Errorf("vpc %s: associate %s: %w", a.Name, cidr, err)
			}
			r.changed("AssociateVpcCidrBlock %s %s", a.Name, cidr)
		}
		subs, err := r.c.DescribeSubnets(r.ctx, &ec2.DescribeSubnetsInput{Filters: []types.Filter{f("vpc-id", vpcID)}})
		if err != nil {
			return fmt.Errorf("describe subnets: %w", err)
		}
		haveSub := map[string]bool{}
		for _, s := range subs.Subnets {
			haveSub[aws.ToString(s.CidrBlock)] = true
		}
		for i, sn := range a.Subnets {
			if haveSub[sn.CIDR] {
				continue
			}
			az := sn.AvailabilityZone
			if az == "" {
				az = fmt.Sprintf("us-east-1%c", 'a'+i%26)
			}
			if _, err := r.c.CreateSubnet(r.ctx, &ec2.CreateSubnetInput{VpcId: aws.String(vpcID), CidrBlock: aws.String(sn.CIDR), AvailabilityZone: aws.String(az),
				TagSpecifications: r.tags(types.ResourceTypeSubnet, a.Name+"/"+sn.CIDR)}); err != nil {
				return fmt.Errorf("vpc %s: create subnet %s: %w", a.Name, sn.CIDR, err)
			}
			r.changed("CreateSubnet %s %s", a.Name, sn.CIDR)
		}
	}
	return nil
}

func (r *rec) subnetIDs(vpcID string, cidrs []string) (map[string]string, error) {
	subs, err := r.c.DescribeSubnets(r.ctx, &ec2.DescribeSubnetsInput{Filters: []types.Filter{f("vpc-id", vpcID)}})
	if err != nil {
		return nil, fmt.Errorf("describe subnets: %w", err)
	}
	out := map[string]string{}
	for _, s := range subs.Subnets {
		out[aws.ToString(s.CidrBlock)] = aws.ToString(s.SubnetId)
	}
	for _, c := range cidrs {
		if out[c] == "" {
			return nil, fmt.Errorf("subnet %s of %s is missing", c, vpcID)
		}
	}
	return out, nil
}

func (r *rec) attachments() error {
	tgw := r.res.TransitGatewayID
	for _, a := range r.spec.Attachments {
		vpcID := r.res.VPCIDs[a.Name]
		var cidrs []string
		for _, sn := range a.Subnets {
			cidrs = append(cidrs, sn.CIDR)
		}
		ids, err := r.subnetIDs(vpcID, cidrs)
		if err != nil {
			return err
		}
		var want []string
		for _, c := range cidrs {
			want = append(want, ids[c])
		}
		sort.Strings(want)
		out, err := r.c.DescribeTransitGatewayVpcAttachments(r.ctx, &ec2.DescribeTransitGatewayVpcAttachmentsInput{Filters: []types.Filter{f("transit-gateway-id", tgw), f("vpc-id", vpcID)}})
		if err != nil {
			return fmt.Errorf("describe vpc attachments: %w", err)
		}
		attID := ""
		if len(out.TransitGatewayVpcAttachments) > 0 {
			at := out.TransitGatewayVpcAttachments[0]
			have := append([]string{}, at.SubnetIds...)
			sort.Strings(have)
			attID = aws.ToString(at.TransitGatewayAttachmentId)
			if strings.Join(have, ",") != strings.Join(want, ",") {
				// netlab's API has no ModifyTransitGatewayVpcAttachment: replace the attachment
				if _, err := r.c.DeleteTransitGatewayVpcAttachment(r.ctx, &ec2.DeleteTransitGatewayVpcAttachmentInput{TransitGatewayAttachmentId: aws.String(attID)}); err != nil {
					return fmt.Errorf("replace attachment %s: %w", a.Name, err)
				}
				r.changed("DeleteTransitGatewayVpcAttachment %s %s (its subnets changed)", a.Name, attID)
				attID = ""
			}
		}
		if attID == "" {
			at, err := r.c.CreateTransitGatewayVpcAttachment(r.ctx, &ec2.CreateTransitGatewayVpcAttachmentInput{TransitGatewayId: aws.String(tgw), VpcId: aws.String(vpcID),
				SubnetIds: want, TagSpecifications: r.tags(types.ResourceTypeTransitGatewayAttachment, a.Name)})
			if err != nil {
				return fmt.Errorf("attach %s: %w", a.Name, err)
			}
			attID = aws.ToString(at.TransitGatewayVpcAttachment.TransitGatewayAttachmentId)
			r.changed("CreateTransitGatewayVpcAttachment %s -> %s", a.Name, attID)
		}
		r.res.AttachmentIDs[a.Name] = attID
		// the TGW's legs must be the addresses the spec expects
		enis, err := r.c.DescribeNetworkInterfaces(r.ctx, &ec2.DescribeNetworkInterfacesInput{Filters: []types.Filter{f("vpc-id", vpcID), f("interface-type", "transit_gateway")}})
		if err != nil {
			return fmt.Errorf("describe network interfaces: %w", err)
		}
		for _, sn := range a.Subnets {
			if sn.TGWAddress == "" {
				continue
			}
			got := ""
			for _, e := range enis.NetworkInterfaces {
				if aws.ToString(e.SubnetId) == ids[sn.CIDR] {
					got = aws.ToString(e.PrivateIpAddress)
				}
			}
			if got != sn.TGWAddress {
				return fmt.Errorf("attachment %s: the TGW's address in subnet %s is %q, the spec says %s", a.Name, sn.CIDR, got, sn.TGWAddress)
			}
		}
	}
	return nil
}

func (r *rec) routeTables() error {
	out, err := r.c.DescribeTransitGatewayRouteTables(r.ctx, &ec2.DescribeTransitGatewayRouteTablesInput{Filters: []types.Filter{f("transit-gateway-id", r.res.TransitGatewayID)}})
	if err != nil {
		return fmt.Errorf("describe route tables: %w", err)
	}
	have := map[string]string{}
	for _, rt := range out.TransitGatewayRouteTables {
		if n := tagOf(rt.Tags, TagName); n != "" && tagOf(rt.Tags, TagTGW) == r.spec.Name {
			have[n] = aws.ToString(rt.TransitGatewayRouteTableId)
		}
	}
	for _, rt := range r.spec.RouteTables {
		if id, ok := have[rt.Name]; ok {
			r.res.RouteTableIDs[rt.Name] = id
			continue
		}
		c, err := r.c.CreateTransitGatewayRouteTable(r.ctx, &ec2.CreateTransitGatewayRouteTableInput{TransitGatewayId: aws.String(r.res.TransitGatewayID),
			TagSpecifications: r.tags(types.ResourceTypeTransitGatewayRouteTable, rt.Name)})
		if err != nil {
			return fmt.Errorf("create route table %s: %w", rt.Name, err)
		}
		r.res.RouteTableIDs[rt.Name] = aws.ToString(c.TransitGatewayRouteTable.TransitGatewayRouteTableId)
		r.changed("CreateTransitGatewayRouteTable %s -> %s", rt.Name, r.res.RouteTableIDs[rt.Name])
	}
	return nil
}

func (r *rec) associations() error {
	want := map[string]string{} // attachment id -> route table id
	for _, rt := range r.spec.RouteTables {
		for _, a := range rt.Associations {
			want[r.res.AttachmentIDs[a]] = r.res.RouteTableIDs[rt.Name]
		}
	}
	out, err := r.c.DescribeTransitGatewayAttachments(r.ctx, &ec2.DescribeTransitGatewayAttachmentsInput{Filters: []types.Filter{f("transit-gateway-id", r.res.TransitGatewayID)}})
	if err != nil {
		return fmt.Errorf("describe attachments: %w", err)
	}
	for _, a := range r.spec.Attachments {
		attID := r.res.AttachmentIDs[a.Name]
		have := ""
		for _, at := range out.TransitGatewayAttachments {
			if aws.ToString(at.TransitGatewayAttachmentId) == attID && at.Association != nil {
				have = aws.ToString(at.Association.TransitGatewayRouteTableId)
			}
		}
		if have == want[attID] {
			continue
		}
		if have != "" {
			if _, err := r.c.DisassociateTransitGatewayRouteTable(r.ctx, &ec2.DisassociateTransitGatewayRouteTableInput{TransitGatewayRouteTableId: aws.String(have), TransitGatewayAttachmentId: aws.String(attID)}); err != nil {
				return fmt.Errorf("disassociate %s: %w", a.Name, err)
			}
			r.changed("DisassociateTransitGatewayRouteTable %s from %s", a.Name, have)
		}
		if want[attID] != "" {
			if _, err := r.c.AssociateTransitGatewayRouteTable(r.ctx, &ec2.AssociateTransitGatewayRouteTableInput{TransitGatewayRouteTableId: aws.String(want[attID]), TransitGatewayAttachmentId: aws.String(attID)}); err != nil {
				return fmt.Errorf("associate %s: %w", a.Name, err)
			}
			r.changed("AssociateTransitGatewayRouteTable %s with %s", a.Name, want[attID])
		}
	}
	return nil
}

func (r *rec) propagations() error {
	for _, rt := range r.spec.RouteTables {
		rtID := r.res.RouteTableIDs[rt.Name]
		out, err := r.c.GetTransitGatewayRouteTablePropagations(r.ctx, &ec2.GetTransitGatewayRouteTablePropagationsInput{TransitGatewayRouteTableId: aws.String(rtID)})
		if err != nil {
			return fmt.Errorf("get propagations of %s: %w", rt.Name, err)
		}
		have := map[string]bool{}
		for _, p := range out.TransitGatewayRouteTablePropagations {
			have[aws.ToString(p.TransitGatewayAttachmentId)] = true
		}
		want := map[string]bool{}
		for _, a := range rt.Propagations {
			id := r.res.AttachmentIDs[a]
			want[id] = true
			if have[id] {
				continue
			}
			if _, err := r.c.EnableTransitGatewayRouteTablePropagation(r.ctx, &ec2.EnableTransitGatewayRouteTablePropagationInput{TransitGatewayRouteTableId: aws.String(rtID), TransitGatewayAttachmentId: aws.String(id)}); err != nil {
				return fmt.Errorf("enable propagation of %s into %s: %w", a, rt.Name, err)
			}
			r.changed("EnableTransitGatewayRouteTablePropagation %s into %s", a, rt.Name)
		}
		for id := range have {
			if want[id] {
				continue
			}
			if _, err := r.c.DisableTransitGatewayRouteTablePropagation(r.ctx, &ec2.DisableTransitGatewayRouteTablePropagationInput{TransitGatewayRouteTableId: aws.String(rtID), TransitGatewayAttachmentId: aws.String(id)}); err != nil {
				return fmt.Errorf("disable propagation of %s into %s: %w", id, rt.Name, err)
			}
			r.changed("DisableTransitGatewayRouteTablePropagation %s from %s", id, rt.Name)
		}
	}
	return nil
}

func (r *rec) routes() error {
	for _, rt := range r.spec.RouteTables {
		rtID := r.res.RouteTableIDs[rt.Name]
		want := map[string]string{} // CIDR -> attachment id, "" for blackhole
		for _, s := range rt.Routes {
			want[netip.MustParsePrefix(s.CIDR).Masked().String()] = r.res.AttachmentIDs[s.Attachment]
		}
		for _, b := range rt.Blackholes {
			want[netip.MustParsePrefix(b).Masked().String()] = ""
		}
		out, err := r.c.SearchTransitGatewayRoutes(r.ctx, &ec2.SearchTransitGatewayRoutesInput{TransitGatewayRouteTableId: aws.String(rtID), Filters: []types.Filter{f("type", "static")}})
		if err != nil {
			return fmt.Errorf("search routes of %s: %w", rt.Name, err)
		}
		have := map[string]string{}
		for _, x := range out.Routes {
			att := ""
			if len(x.TransitGatewayAttachments) > 0 && x.State != types.TransitGatewayRouteStateBlackhole {
				att = aws.ToString(x.TransitGatewayAttachments[0].TransitGatewayAttachmentId)
			}
			have[aws.ToString(x.DestinationCidrBlock)] = att
		}
		cidrs := make([]string, 0, len(want))
		for c := range want {
			cidrs = append(cidrs, c)
		}
		sort.Strings(cidrs)
		for _, c := range cidrs {
			att := want[c]
			cur, ok := have[c]
			if ok && cur == att {
				continue
			}
			var err error
			if ok {
				in := &ec2.ReplaceTransitGatewayRouteInput{TransitGatewayRouteTableId: aws.String(rtID), DestinationCidrBlock: aws.String(c)}
				if att == "" {
					in.Blackhole = aws.Bool(true)
				} else {
					in.TransitGatewayAttachmentId = aws.String(att)
				}
				_, err = r.c.ReplaceTransitGatewayRoute(r.ctx, in)
				r.changed("ReplaceTransitGatewayRoute %s %s -> %s", rt.Name, c, or(att, "blackhole"))
			} else {
				in := &ec2.CreateTransitGatewayRouteInput{TransitGatewayRouteTableId: aws.String(rtID), DestinationCidrBlock: aws.String(c)}
				if att == "" {
					in.Blackhole = aws.Bool(true)
				} else {
					in.TransitGatewayAttachmentId = aws.String(att)
				}
				_, err = r.c.CreateTransitGatewayRoute(r.ctx, in)
				r.changed("CreateTransitGatewayRoute %s %s -> %s", rt.Name, c, or(att, "blackhole"))
			}
			if err != nil {
				return fmt.Errorf("route %s in %s: %w", c, rt.Name, err)
			}
		}
		for c := range have {
			if _, ok := want[c]; ok {
				continue
			}
			if _, err := r.c.DeleteTransitGatewayRoute(r.ctx, &ec2.DeleteTransitGatewayRouteInput{TransitGatewayRouteTableId: aws.String(rtID), DestinationCidrBlock: aws.String(c)}); err != nil {
				return fmt.Errorf("delete route %s from %s: %w", c, rt.Name, err)
			}
			r.changed("DeleteTransitGatewayRoute %s %s", rt.Name, c)
		}
	}
	return nil
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// vpcRoutes puts the node routes (to node network interfaces) and the TGW routes in each VPC's main
// route table, creating the nodes' network interfaces as needed, and removes other non-local routes.
func (r *rec) vpcRoutes() error {
	for _, a := range r.spec.Attachments {
		vpcID := r.res.VPCIDs[a.Name]
		rts, err := r.c.DescribeRouteTables(r.ctx, &ec2.DescribeRouteTablesInput{Filters: []types.Filter{f("vpc-id", vpcID), f("association.main", "true")}})
		if err != nil {
			return fmt.Errorf("describe route tables of %s: %w", a.Name, err)
		}
		if len(rts.RouteTables) == 0 {
			return fmt.Errorf("vpc %s has no main route table", a.Name)
		}
		rtb := rts.RouteTables[0]
		rtbID := aws.ToString(rtb.RouteTableId)
		enis, err := r.c.DescribeNetworkInterfaces(r.ctx, &ec2.DescribeNetworkInterfacesInput{Filters: []types.Filter{f("vpc-id", vpcID), f("interface-type", "interface")}})
		if err != nil {
			return fmt.Errorf("describe network interfaces of %s: %w", a.Name, err)
		}
		eniByIP := map[string]string{}
		for _, e := range enis.NetworkInterfaces {
			eniByIP[aws.ToString(e.PrivateIpAddress)] = aws.ToString(e.NetworkInterfaceId)
		}
		type target struct{ eni, tgw string }
		want := map[string]target{}
		usedENI := map[string]bool{}
		for _, n := range r.spec.NodeRoutes {
			if n.Attachment != a.Name {
				continue
			}
			id := eniByIP[n.Via]
			if id == "" {
				subnet, err := r.subnetFor(vpcID, n.Via)
				if err != nil {
					return fmt.Errorf("node route %s via %s: %w", n.CIDR, n.Via, err)
				}
				e, err := r.c.CreateNetworkInterface(r.ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: aws.String(subnet), PrivateIpAddress: aws.String(n.Via),
					Description: aws.String("node " + or(n.Node, n.Via)), TagSpecifications: r.tags(types.ResourceTypeNetworkInterface, a.Name+"/"+or(n.Node, n.Via))})
				if err != nil {
					return fmt.Errorf("network interface for node %s: %w", n.Via, err)
				}
				id = aws.ToString(e.NetworkInterface.NetworkInterfaceId)
				eniByIP[n.Via] = id
				r.changed("CreateNetworkInterface %s %s -> %s", a.Name, n.Via, id)
			}
			usedENI[id] = true
			want[netip.MustParsePrefix(n.CIDR).Masked().String()] = target{eni: id}
		}
		for _, c := range a.TGWRoutes {
			want[netip.MustParsePrefix(c).Masked().String()] = target{tgw: r.res.TransitGatewayID}
		}
		have := map[string]target{}
		for _, x := range rtb.Routes {
			if aws.ToString(x.GatewayId) == "local" {
				continue
			}
			have[aws.ToString(x.DestinationCidrBlock)] = target{eni: aws.ToString(x.NetworkInterfaceId), tgw: aws.ToString(x.TransitGatewayId)}
		}
		cidrs := make([]string, 0, len(want))
		for c := range want {
			cidrs = append(cidrs, c)
		}
		sort.Strings(cidrs)
		for _, c := range cidrs {
			w := want[c]
			cur, ok := have[c]
			if ok && cur == w {
				continue
			}
			var err error
			if ok {
				in := &ec2.ReplaceRouteInput{RouteTableId: aws.String(rtbID), DestinationCidrBlock: aws.String(c)}
				if w.eni != "" {
					in.NetworkInterfaceId = aws.String(w.eni)
				} else {
					in.TransitGatewayId = aws.String(w.tgw)
				}
				_, err = r.c.ReplaceRoute(r.ctx, in)
				r.changed("ReplaceRoute %s %s -> %s", a.Name, c, w.eni+w.tgw)
			} else {
				in := &ec2.CreateRouteInput{RouteTableId: aws.String(rtbID), DestinationCidrBlock: aws.String(c)}
				if w.eni != "" {
					in.NetworkInterfaceId = aws.String(w.eni)
				} else {
					in.TransitGatewayId = aws.String(w.tgw)
				}
				_, err = r.c.CreateRoute(r.ctx, in)
				r.changed("CreateRoute %s %s -> %s", a.Name, c, w.eni+w.tgw)
			}
			if err != nil {
				return fmt.Errorf("vpc %s route %s: %w", a.Name, c, err)
			}
		}
		for c := range have {
			if _, ok := want[c]; ok {
				continue
			}
			if _, err := r.c.DeleteRoute(r.ctx, &ec2.DeleteRouteInput{RouteTableId: aws.String(rtbID), DestinationCidrBlock: aws.String(c)}); err != nil {
				return fmt.Errorf("vpc %s: delete route %s: %w", a.Name, c, err)
			}
			r.changed("DeleteRoute %s %s", a.Name, c)
		}
		// node interfaces netlab made that no route uses any more
		for _, e := range enis.NetworkInterfaces {
			id := aws.ToString(e.NetworkInterfaceId)
			if usedENI[id] || tagOf(e.TagSet, TagTGW) != r.spec.Name {
				continue
			}
			if _, err := r.c.DeleteNetworkInterface(r.ctx, &ec2.DeleteNetworkInterfaceInput{NetworkInterfaceId: aws.String(id)}); err != nil {
				return fmt.Errorf("delete network interface %s: %w", id, err)
			}
			r.changed("DeleteNetworkInterface %s %s", a.Name, id)
		}
	}
	return nil
}

func (r *rec) subnetFor(vpcID, ip string) (string, error) {
	a := netip.MustParseAddr(ip)
	subs, err := r.c.DescribeSubnets(r.ctx, &ec2.DescribeSubnetsInput{Filters: []types.Filter{f("vpc-id", vpcID)}})
	if err != nil {
		return "", err
	}
	for _, s := range subs.Subnets {
		if p, err := netip.ParsePrefix(aws.ToString(s.CidrBlock)); err == nil && p.Contains(a) {
			return aws.ToString(s.SubnetId), nil
		}
	}
	return "", fmt.Errorf("no subnet of %s contains %s", vpcID, ip)
}

// cleanup removes what netlab made for this gateway that the spec no longer has: attachments, route
// tables, and VPCs (with their interfaces and subnets).
func (r *rec) cleanup() error {
	wantAtt := map[string]bool{}
	for _, id := range r.res.AttachmentIDs {
		wantAtt[id] = true
	}
	atts, err := r.c.DescribeTransitGatewayVpcAttachments(r.ctx, &ec2.DescribeTransitGatewayVpcAttachmentsInput{Filters: []types.Filter{f("transit-gateway-id", r.res.TransitGatewayID)}})
	if err != nil {
		return fmt.Errorf("describe vpc attachments: %w", err)
	}
	for _, at := range atts.TransitGatewayVpcAttachments {
		id := aws.ToString(at.TransitGatewayAttachmentId)
		if wantAtt[id] || tagOf(at.Tags, TagTGW) != r.spec.Name {
			continue
		}
		if _, err := r.c.DeleteTransitGatewayVpcAttachment(r.ctx, &ec2.DeleteTransitGatewayVpcAttachmentInput{TransitGatewayAttachmentId: aws.String(id)}); err != nil {
			return fmt.Errorf("delete attachment %s: %w", id, err)
		}
		r.changed("DeleteTransitGatewayVpcAttachment %s %s", tagOf(at.Tags, TagName), id)
	}
	wantRT := map[string]bool{}
	for _, id := range r.res.RouteTableIDs {
		wantRT[id] = true
	}
	rts, err := r.c.DescribeTransitGatewayRouteTables(r.ctx, &ec2.DescribeTransitGatewayRouteTablesInput{Filters: []types.Filter{f("transit-gateway-id", r.res.TransitGatewayID), f("tag:"+TagTGW, r.spec.Name)}})
	if err != nil {
		return fmt.Errorf("describe route tables: %w", err)
	}
	for _, rt := range rts.TransitGatewayRouteTables {
		id := aws.ToString(rt.TransitGatewayRouteTableId)
		if wantRT[id] {
			continue
		}
		ga, err := r.c.GetTransitGatewayRouteTableAssociations(r.ctx, &ec2.GetTransitGatewayRouteTableAssociationsInput{TransitGatewayRouteTableId: aws.String(id)})
		if err != nil {
			return fmt.Errorf("associations of %s: %w", id, err)
		}
		for _, as := range ga.Associations {
			if _, err := r.c.DisassociateTransitGatewayRouteTable(r.ctx, &ec2.DisassociateTransitGatewayRouteTableInput{TransitGatewayRouteTableId: aws.String(id), TransitGatewayAttachmentId: as.TransitGatewayAttachmentId}); err != nil {
				return fmt.Errorf("disassociate from %s: %w", id, err)
			}
			r.changed("DisassociateTransitGatewayRouteTable %s from %s", aws.ToString(as.TransitGatewayAttachmentId), id)
		}
		if _, err := r.c.DeleteTransitGatewayRouteTable(r.ctx, &ec2.DeleteTransitGatewayRouteTableInput{TransitGatewayRouteTableId: aws.String(id)}); err != nil {
			return fmt.Errorf("delete route table %s: %w", id, err)
		}
		r.changed("DeleteTransitGatewayRouteTable %s %s", tagOf(rt.Tags, TagName), id)
	}
	wantVPC := map[string]bool{}
	for _, id := range r.res.VPCIDs {
		wantVPC[id] = true
	}
	vpcs, err := r.c.DescribeVpcs(r.ctx, &ec2.DescribeVpcsInput{Filters: []types.Filter{f("tag:"+TagTGW, r.spec.Name)}})
	if err != nil {
		return fmt.Errorf("describe vpcs: %w", err)
	}
	for _, v := range vpcs.Vpcs {
		id := aws.ToString(v.VpcId)
		if wantVPC[id] {
			continue
		}
		rts, err := r.c.DescribeRouteTables(r.ctx, &ec2.DescribeRouteTablesInput{Filters: []types.Filter{f("vpc-id", id)}})
		if err != nil {
			return err
		}
		for _, rt := range rts.RouteTables {
			for _, x := range rt.Routes {
				if aws.ToString(x.GatewayId) != "local" {
					if _, err := r.c.DeleteRoute(r.ctx, &ec2.DeleteRouteInput{RouteTableId: rt.RouteTableId, DestinationCidrBlock: x.DestinationCidrBlock}); err != nil {
						return err
					}
				}
			}
		}
		enis, err := r.c.DescribeNetworkInterfaces(r.ctx, &ec2.DescribeNetworkInterfacesInput{Filters: []types.Filter{f("vpc-id", id), f("interface-type", "interface")}})
		if err != nil {
			return err
		}
		for _, e := range enis.NetworkInterfaces {
			if _, err := r.c.DeleteNetworkInterface(r.ctx, &ec2.DeleteNetworkInterfaceInput{NetworkInterfaceId: e.NetworkInterfaceId}); err != nil {
				return err
			}
		}
		subs, err := r.c.DescribeSubnets(r.ctx, &ec2.DescribeSubnetsInput{Filters: []types.Filter{f("vpc-id", id)}})
		if err != nil {
			return err
		}
		for _, s := range subs.Subnets {
			if _, err := r.c.DeleteSubnet(r.ctx, &ec2.DeleteSubnetInput{SubnetId: s.SubnetId}); err != nil {
				return fmt.Errorf("delete subnet %s: %w", aws.ToString(s.SubnetId), err)
			}
		}
		if _, err := r.c.DeleteVpc(r.ctx, &ec2.DeleteVpcInput{VpcId: aws.String(id)}); err != nil {
			return fmt.Errorf("delete vpc %s: %w", id, err)
		}
		r.changed("DeleteVpc %s %s", tagOf(v.Tags, TagName), id)
	}
	return nil
}
