package client

import (
	"context"
	"fmt"
	"net/netip"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// Credentials are the access key a TGW's API accepts (a lab's are in its state; 'netlab tgw env LAB'
// prints them).
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
}

// Region is the region netlab's TGW answers for.
const Region = "us-east-1"

// NewEC2 returns an EC2 client for the TGW's endpoint that signs with creds.
func NewEC2(endpoint string, creds Credentials) *ec2.Client {
	cfg := aws.Config{Region: Region, Credentials: credentials.NewStaticCredentialsProvider(creds.AccessKeyID, creds.SecretAccessKey, "")}
	return ec2.NewFromConfig(cfg, func(o *ec2.Options) { o.BaseEndpoint = aws.String(endpoint) })
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
