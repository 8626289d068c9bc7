package client

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// AttachmentID finds the id of the VPC attachment that Reconcile created for the spec's attachment
// name on the transit gateway named tgw, by the tags it put on it.
func AttachmentID(ctx context.Context, c *ec2.Client, tgw, name string) (string, error) {
	out, err := c.DescribeTransitGatewayVpcAttachments(ctx, &ec2.DescribeTransitGatewayVpcAttachmentsInput{
		Filters: []types.Filter{f("tag:"+TagTGW, tgw), f("tag:"+TagName, name)},
	})
	if err != nil {
		return "", fmt.Errorf("describe the attachment %s of transit gateway %s: %w", name, tgw, err)
	}
	for _, a := range out.TransitGatewayVpcAttachments {
		if a.State != types.TransitGatewayAttachmentStateDeleted {
			return aws.ToString(a.TransitGatewayAttachmentId), nil
		}
	}
	return "", fmt.Errorf("transit gateway %s has no attachment named %s (tags %s, %s); run 'netlab up' to reconcile it", tgw, name, TagTGW, TagName)
}
