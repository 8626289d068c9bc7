package client

import (
	"fmt"
	"net/netip"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

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
