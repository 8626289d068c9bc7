package client

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// cleanup removes what carries this TGW's tag but is no longer in the spec: attachments, then
// route tables, then VPCs.
func (r *rec) cleanup() error {
	if err := r.cleanupAttachments(); err != nil {
		return err
	}
	if err := r.cleanupRouteTables(); err != nil {
		return err
	}
	return r.cleanupVPCs()
}

// cleanupAttachments deletes the TGW's tagged VPC attachments that the spec no longer has.
func (r *rec) cleanupAttachments() error {
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
	return nil
}

// cleanupRouteTables disassociates and deletes the TGW's tagged route tables that the spec no longer has.
func (r *rec) cleanupRouteTables() error {
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
	return nil
}

// cleanupVPCs empties and deletes the tagged VPCs that the spec no longer has.
func (r *rec) cleanupVPCs() error {
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
		if err := r.emptyVPC(id); err != nil {
			return err
		}
		if _, err := r.c.DeleteVpc(r.ctx, &ec2.DeleteVpcInput{VpcId: aws.String(id)}); err != nil {
			return fmt.Errorf("delete vpc %s: %w", id, err)
		}
		r.changed("DeleteVpc %s %s", tagOf(v.Tags, TagName), id)
	}
	return nil
}

// emptyVPC deletes what VPC id holds (non-local routes, interfaces, subnets) so that it can be deleted.
func (r *rec) emptyVPC(id string) error {
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
	return nil
}
