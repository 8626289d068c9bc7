package api_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/netlab-dev/netlab/tgw/api"
)

// TestOverlappingVPCAttachment follows the CreateTransitGatewayVpcAttachment reference: "If you attach
// a VPC with a CIDR range that overlaps the CIDR range of a VPC that is already attached, the new VPC
// CIDR range is not propagated to the default propagation route table." Through aws-sdk-go-v2: the
// second VPC's attachment is made and associated, and the default table's propagations and routes
// hold the first VPC only.
func TestOverlappingVPCAttachment(t *testing.T) {
	_, c, _ := startServer(t, api.Options{Datapath: newFake()})
	ctx := context.Background()
	g, err := c.CreateTransitGateway(ctx, &ec2.CreateTransitGatewayInput{})
	if err != nil {
		t.Fatal(err)
	}
	tgwID, rtb := g.TransitGateway.TransitGatewayId, g.TransitGateway.Options.PropagationDefaultRouteTableId
	var atts []string
	for _, cidr := range []string{"10.0.0.0/16", "10.0.0.0/16"} {
		v, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String(cidr)})
		if err != nil {
			t.Fatal(err)
		}
		sn, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: v.Vpc.VpcId, CidrBlock: aws.String("10.0.1.0/24")})
		if err != nil {
			t.Fatal(err)
		}
		a, err := c.CreateTransitGatewayVpcAttachment(ctx, &ec2.CreateTransitGatewayVpcAttachmentInput{TransitGatewayId: tgwID, VpcId: v.Vpc.VpcId, SubnetIds: []string{*sn.Subnet.SubnetId}})
		if err != nil {
			t.Fatal(err)
		}
		atts = append(atts, *a.TransitGatewayVpcAttachment.TransitGatewayAttachmentId)
	}
	props, err := c.GetTransitGatewayRouteTablePropagations(ctx, &ec2.GetTransitGatewayRouteTablePropagationsInput{TransitGatewayRouteTableId: rtb})
	if err != nil {
		t.Fatal(err)
	}
	if len(props.TransitGatewayRouteTablePropagations) != 1 || *props.TransitGatewayRouteTablePropagations[0].TransitGatewayAttachmentId != atts[0] {
		t.Fatalf("propagations %+v: want only the first VPC's attachment %s", props.TransitGatewayRouteTablePropagations, atts[0])
	}
	assocs, err := c.GetTransitGatewayRouteTableAssociations(ctx, &ec2.GetTransitGatewayRouteTableAssociationsInput{TransitGatewayRouteTableId: rtb})
	if err != nil || len(assocs.Associations) != 2 {
		t.Fatalf("both attachments are associated by default: %+v %v", assocs, err)
	}
}
