package api_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/netlab-dev/netlab/tgw/api"
	"github.com/netlab-dev/netlab/tgw/datapath"
	"github.com/netlab-dev/netlab/tgw/model"
)

// lab is a small setup through the SDK: VPC A (10.0.0.0/16) with subnets in us-east-1a and -1b, VPC
// B (10.1.0.0/16) with one subnet, and one transit gateway without default route table.
type lab struct {
	c                  *ec2.Client
	dp                 *fakeDP
	srv                *api.Server
	url                string
	vpcA, vpcB         string
	subA1, subA2, subB string
	tgw, rtb           string
	attA, attB         string
	ctx                context.Context
	t                  *testing.T
}

func newLab(t *testing.T) *lab {
	t.Helper()
	dp := &fakeDP{addrs: []string{"10.0.1.1/24", "10.0.2.1/24", "10.1.1.1/24", "10.0.3.1/24"}}
	srv, c, url := startServer(t, api.Options{Datapath: dp})
	l := &lab{c: c, dp: dp, srv: srv, url: url, ctx: context.Background(), t: t}
	l.vpcA = l.vpc("10.0.0.0/16")
	l.vpcB = l.vpc("10.1.0.0/16")
	l.subA1 = l.subnet(l.vpcA, "10.0.1.0/24", "us-east-1a")
	l.subA2 = l.subnet(l.vpcA, "10.0.2.0/24", "us-east-1b")
	l.subB = l.subnet(l.vpcB, "10.1.1.0/24", "us-east-1a")
	l.tgw = l.newTGW()
	rt, err := c.CreateTransitGatewayRouteTable(l.ctx, &ec2.CreateTransitGatewayRouteTableInput{TransitGatewayId: aws.String(l.tgw)})
	l.must(err)
	l.rtb = aws.ToString(rt.TransitGatewayRouteTable.TransitGatewayRouteTableId)
	l.attA = l.attach(l.tgw, l.vpcA, l.subA1)
	l.attB = l.attach(l.tgw, l.vpcB, l.subB)
	return l
}

func (l *lab) must(err error) {
	l.t.Helper()
	if err != nil {
		l.t.Fatal(err)
	}
}

func (l *lab) vpc(cidr string) string {
	l.t.Helper()
	v, err := l.c.CreateVpc(l.ctx, &ec2.CreateVpcInput{CidrBlock: aws.String(cidr)})
	l.must(err)
	return aws.ToString(v.Vpc.VpcId)
}

func (l *lab) subnet(vpc, cidr, az string) string {
	l.t.Helper()
	s, err := l.c.CreateSubnet(l.ctx, &ec2.CreateSubnetInput{VpcId: aws.String(vpc), CidrBlock: aws.String(cidr), AvailabilityZone: aws.String(az)})
	l.must(err)
	return aws.ToString(s.Subnet.SubnetId)
}

func (l *lab) newTGW() string {
	l.t.Helper()
	g, err := l.c.CreateTransitGateway(l.ctx, &ec2.CreateTransitGatewayInput{Options: &types.TransitGatewayRequestOptions{
		DefaultRouteTableAssociation: types.DefaultRouteTableAssociationValueDisable, DefaultRouteTablePropagation: types.DefaultRouteTablePropagationValueDisable}})
	l.must(err)
	return aws.ToString(g.TransitGateway.TransitGatewayId)
}

func (l *lab) attach(tgw, vpc string, subnets ...string) string {
	l.t.Helper()
	a, err := l.c.CreateTransitGatewayVpcAttachment(l.ctx, &ec2.CreateTransitGatewayVpcAttachmentInput{TransitGatewayId: aws.String(tgw), VpcId: aws.String(vpc), SubnetIds: subnets})
	l.must(err)
	return aws.ToString(a.TransitGatewayVpcAttachment.TransitGatewayAttachmentId)
}

// errCase is one call that must fail with an EC2 error code and change nothing.
type errCase struct {
	name, want string
	call       func() error
}

func (l *lab) expectErrors(cases []errCase) {
	l.t.Helper()
	before, _ := l.srv.State().Marshal()
	for _, ec := range cases {
		if got := code(ec.call()); got != ec.want {
			l.t.Errorf("%s: code %q, want %q", ec.name, got, ec.want)
		}
	}
	if after, _ := l.srv.State().Marshal(); string(after) != string(before) {
		l.t.Errorf("failed calls changed the state")
	}
}

// TestMalformedIDs follows the EC2 API reference's error codes (Common client error codes): an id
// that does not have its resource's shape is <Resource>ID.Malformed, not .NotFound, with AWS's casing
// (InvalidRouteTableId.Malformed next to InvalidRouteTableID.NotFound; InvalidNetworkInterfaceId).
// Clients branch on the difference: the CloudFormation handler of AWS::EC2::TransitGatewayVpcAttachment
// and Steampipe's aws_ec2_transit_gateway_* tables list InvalidTransitGatewayAttachmentID.Malformed and
// InvalidTransitGatewayID.Malformed beside .NotFound, and a Terraform user who passed a route table's
// id as transit_gateway_attachment_id got InvalidTransitGatewayAttachmentID.Malformed from
// EnableTransitGatewayRouteTablePropagation (the case below). Well-formed unknown ids stay NotFound.
func TestMalformedIDs(t *testing.T) {
	l := newLab(t)
	c, ctx := l.c, l.ctx
	tgw3 := l.newTGW()
	l.expectErrors([]errCase{
		{"describe tgw-nope", model.CodeTransitGatewayMalformed, func() error {
			_, err := c.DescribeTransitGateways(ctx, &ec2.DescribeTransitGatewaysInput{TransitGatewayIds: []string{"tgw-nope"}})
			return err
		}},
		{"describe unknown well-formed tgw", model.CodeTransitGatewayNotFound, func() error {
			_, err := c.DescribeTransitGateways(ctx, &ec2.DescribeTransitGatewaysInput{TransitGatewayIds: []string{"tgw-0123456789abcdef0"}})
			return err
		}},
		{"8-digit ids are well-formed", model.CodeVpcNotFound, func() error {
			_, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{"vpc-0123abcd"}})
			return err
		}},
		{"route table id as attachment id", model.CodeAttachmentMalformed, func() error {
			_, err := c.EnableTransitGatewayRouteTablePropagation(ctx, &ec2.EnableTransitGatewayRouteTablePropagationInput{TransitGatewayRouteTableId: aws.String(l.rtb), TransitGatewayAttachmentId: aws.String(l.rtb)})
			return err
		}},
		{"attachment id as route table id", model.CodeRouteTableMalformed, func() error {
			_, err := c.AssociateTransitGatewayRouteTable(ctx, &ec2.AssociateTransitGatewayRouteTableInput{TransitGatewayRouteTableId: aws.String(l.attA), TransitGatewayAttachmentId: aws.String(l.attA)})
			return err
		}},
		{"describe tgw-rtb non-hex", model.CodeRouteTableMalformed, func() error {
			_, err := c.DescribeTransitGatewayRouteTables(ctx, &ec2.DescribeTransitGatewayRouteTablesInput{TransitGatewayRouteTableIds: []string{"tgw-rtb-0123456789abcdefg"}})
			return err
		}},
		{"search routes of a malformed table", model.CodeRouteTableMalformed, func() error {
			_, err := c.SearchTransitGatewayRoutes(ctx, &ec2.SearchTransitGatewayRoutesInput{TransitGatewayRouteTableId: aws.String("rtb-1"), Filters: []types.Filter{filter("type", "static")}})
			return err
		}},
		{"attach upper-case vpc id", model.CodeVpcMalformed, func() error {
			_, err := c.CreateTransitGatewayVpcAttachment(ctx, &ec2.CreateTransitGatewayVpcAttachmentInput{TransitGatewayId: aws.String(l.tgw), VpcId: aws.String(strings.ToUpper(l.vpcA)), SubnetIds: []string{l.subA2}})
			return err
		}},
		{"attach short subnet id", model.CodeSubnetMalformed, func() error {
			_, err := c.CreateTransitGatewayVpcAttachment(ctx, &ec2.CreateTransitGatewayVpcAttachmentInput{TransitGatewayId: aws.String(tgw3), VpcId: aws.String(l.vpcA), SubnetIds: []string{"subnet-123"}})
			return err
		}},
		{"vpc route to a malformed eni", model.CodeNetworkInterfaceMalformed, func() error {
			rts, err := c.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []types.Filter{filter("vpc-id", l.vpcB)}})
			if err != nil {
				return err
			}
			_, err = c.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: rts.RouteTables[0].RouteTableId, DestinationCidrBlock: aws.String("10.244.0.0/24"), NetworkInterfaceId: aws.String("eni-1")})
			return err
		}},
		{"describe route tables malformed", model.CodeRouteTableMalformed, func() error {
			_, err := c.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{RouteTableIds: []string{"rtb-x"}})
			return err
		}},
		{"tag a malformed vpc", model.CodeVpcMalformed, func() error {
			_, err := c.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{"vpc-zz"}, Tags: []types.Tag{tag("a", "b")}})
			return err
		}},
		{"tag an unknown attachment", model.CodeAttachmentNotFound, func() error {
			_, err := c.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{"tgw-attach-0123456789abcdef0"}, Tags: []types.Tag{tag("a", "b")}})
			return err
		}},
	})
}

// TestAttachmentAndRouteTableRules covers the errors of CreateTransitGatewayVpcAttachment and of
// route table calls that name an attachment of another transit gateway:
//   - two subnets of one Availability Zone: DuplicateSubnetsInSameZone (the code AWS's Serverless
//     Transit Network Orchestrator, aws-solutions/serverless-transit-network-orchestrator, branches
//     on when it adds a subnet to a TGW VPC attachment: "you can add only one subnet per
//     Availability Zone"; the Transit Gateway guide, tgw-vpc-attachments.html: "you can select one
//     subnet per Availability Zone");
//   - a subnet of another VPC, and an attachment of another transit gateway in
//     Associate/EnablePropagation/CreateTransitGatewayRoute: InvalidParameterValue (EC2's code for a
//     parameter value the call cannot use; netlab found no public record of AWS's exact code here);
//   - a VPC attached to two transit gateways of one server through different subnets works, each
//     subnet's leg looking its packets up in its own gateway's table (gap 6); through the same
//     subnet it is refused with InvalidParameterValue naming the attachment that holds the subnet
//     (one server has one interface per subnet: see docs/tgw.md).
func TestAttachmentAndRouteTableRules(t *testing.T) {
	l := newLab(t)
	c, ctx := l.c, l.ctx
	tgw2 := l.newTGW()
	rt2, err := c.CreateTransitGatewayRouteTable(ctx, &ec2.CreateTransitGatewayRouteTableInput{TransitGatewayId: aws.String(tgw2)})
	l.must(err)
	rtb2 := aws.ToString(rt2.TransitGatewayRouteTable.TransitGatewayRouteTableId)
	subA1b := l.subnet(l.vpcA, "10.0.3.0/24", "us-east-1a")
	l.expectErrors([]errCase{
		{"two subnets in us-east-1a", model.CodeDuplicateSubnetsInSameZone, func() error {
			_, err := c.CreateTransitGatewayVpcAttachment(ctx, &ec2.CreateTransitGatewayVpcAttachmentInput{TransitGatewayId: aws.String(tgw2), VpcId: aws.String(l.vpcA), SubnetIds: []string{l.subA2, subA1b, l.subA1}})
			return err
		}},
		{"subnet of another vpc", model.CodeInvalidParameterValue, func() error {
			_, err := c.CreateTransitGatewayVpcAttachment(ctx, &ec2.CreateTransitGatewayVpcAttachmentInput{TransitGatewayId: aws.String(tgw2), VpcId: aws.String(l.vpcA), SubnetIds: []string{l.subB}})
			return err
		}},
		{"associate another tgw's attachment", model.CodeInvalidParameterValue, func() error {
			_, err := c.AssociateTransitGatewayRouteTable(ctx, &ec2.AssociateTransitGatewayRouteTableInput{TransitGatewayRouteTableId: aws.String(rtb2), TransitGatewayAttachmentId: aws.String(l.attA)})
			return err
		}},
		{"propagate another tgw's attachment", model.CodeInvalidParameterValue, func() error {
			_, err := c.EnableTransitGatewayRouteTablePropagation(ctx, &ec2.EnableTransitGatewayRouteTablePropagationInput{TransitGatewayRouteTableId: aws.String(rtb2), TransitGatewayAttachmentId: aws.String(l.attB)})
			return err
		}},
		{"route to another tgw's attachment", model.CodeInvalidParameterValue, func() error {
			_, err := c.CreateTransitGatewayRoute(ctx, &ec2.CreateTransitGatewayRouteInput{TransitGatewayRouteTableId: aws.String(rtb2), DestinationCidrBlock: aws.String("10.9.0.0/16"), TransitGatewayAttachmentId: aws.String(l.attB)})
			return err
		}},
	})
	_, err = c.CreateTransitGatewayVpcAttachment(ctx, &ec2.CreateTransitGatewayVpcAttachmentInput{TransitGatewayId: aws.String(tgw2), VpcId: aws.String(l.vpcA), SubnetIds: []string{l.subA1}})
	if code(err) != model.CodeInvalidParameterValue || !strings.Contains(err.Error(), l.attA) {
		t.Errorf("second TGW through a subnet the first one holds: %v; want InvalidParameterValue naming %s", err, l.attA)
	}

	// one VPC, two transit gateways, through different subnets: each leg is looked up in its own TGW's table
	att2 := l.attach(tgw2, l.vpcA, l.subA2)
	for _, x := range []struct{ rtb, att string }{{l.rtb, l.attA}, {rtb2, att2}} {
		_, err := c.AssociateTransitGatewayRouteTable(ctx, &ec2.AssociateTransitGatewayRouteTableInput{TransitGatewayRouteTableId: aws.String(x.rtb), TransitGatewayAttachmentId: aws.String(x.att)})
		l.must(err)
	}
	st := l.srv.State()
	d, _ := datapath.Plan(st)
	want := map[string]int{"10.0.1.1": datapath.TableOf(st.RouteTables[l.rtb]), "10.0.2.1": datapath.TableOf(st.RouteTables[rtb2])}
	for addr, table := range want {
		if got := d.Legs[netip.MustParseAddr(addr)]; got != table {
			t.Errorf("leg %s looks up table %d, want %d", addr, got, table)
		}
	}
	da, err := c.DescribeTransitGatewayAttachments(ctx, &ec2.DescribeTransitGatewayAttachmentsInput{Filters: []types.Filter{filter("resource-id", l.vpcA)}})
	l.must(err)
	if len(da.TransitGatewayAttachments) != 2 {
		t.Errorf("VPC A's attachments: %+v, want one per transit gateway", da.TransitGatewayAttachments)
	}
}

// TestReplaceRouteWithoutRoute follows the ReplaceTransitGatewayRoute reference ("Replaces the
// specified route in the specified transit gateway route table"): it changes a route the table holds
// and does not create one, so a destination without a route is InvalidRoute.NotFound (EC2's error code
// list: "The specified route does not exist in the specified route table"), as for ReplaceRoute.
// CloudFormation relies on this split: AWS::EC2::TransitGatewayRoute creates with
// CreateTransitGatewayRoute and changes a target with ReplaceTransitGatewayRoute
// (aws-cloudformation/cloudformation-coverage-roadmap#1082). A propagated route may be replaced: the
// result is a static route that hides it.
func TestReplaceRouteWithoutRoute(t *testing.T) {
	l := newLab(t)
	c, ctx := l.c, l.ctx
	_, err := c.EnableTransitGatewayRouteTablePropagation(ctx, &ec2.EnableTransitGatewayRouteTablePropagationInput{TransitGatewayRouteTableId: aws.String(l.rtb), TransitGatewayAttachmentId: aws.String(l.attB)})
	l.must(err)
	l.expectErrors([]errCase{
		{"replace a route the table does not hold", model.CodeRouteNotFound, func() error {
			_, err := c.ReplaceTransitGatewayRoute(ctx, &ec2.ReplaceTransitGatewayRouteInput{TransitGatewayRouteTableId: aws.String(l.rtb), DestinationCidrBlock: aws.String("10.9.0.0/16"), Blackhole: aws.Bool(true)})
			return err
		}},
		{"a CIDR inside a route is not that route", model.CodeRouteNotFound, func() error {
			_, err := c.ReplaceTransitGatewayRoute(ctx, &ec2.ReplaceTransitGatewayRouteInput{TransitGatewayRouteTableId: aws.String(l.rtb), DestinationCidrBlock: aws.String("10.1.1.0/24"), Blackhole: aws.Bool(true)})
			return err
		}},
	})
	rr, err := c.ReplaceTransitGatewayRoute(ctx, &ec2.ReplaceTransitGatewayRouteInput{TransitGatewayRouteTableId: aws.String(l.rtb), DestinationCidrBlock: aws.String("10.1.0.0/16"), Blackhole: aws.Bool(true)})
	l.must(err)
	if rr.Route.Type != types.TransitGatewayRouteTypeStatic || rr.Route.State != types.TransitGatewayRouteStateBlackhole {
		t.Errorf("replacing the propagated route: %+v", rr.Route)
	}

	cl := newCLI(t, l.url)
	cl.fails(model.CodeRouteNotFound, "replace-transit-gateway-route", "--transit-gateway-route-table-id", l.rtb, "--destination-cidr-block", "10.8.0.0/16", "--blackhole")
	cl.fails(model.CodeTransitGatewayMalformed, "describe-transit-gateways", "--transit-gateway-ids", "tgw-nope")
	cl.fails(model.CodeAttachmentMalformed, "enable-transit-gateway-route-table-propagation", "--transit-gateway-route-table-id", l.rtb, "--transit-gateway-attachment-id", l.rtb)
	cl.fails(model.CodeDuplicateSubnetsInSameZone, "create-transit-gateway-vpc-attachment", "--transit-gateway-id", l.newTGW(), "--vpc-id", l.vpcA,
		"--subnet-ids", l.subA1, l.subnet(l.vpcA, "10.0.4.0/24", "us-east-1a"))
}

// TestUnsupportedVersion: the EC2 endpoint answers a request for an API version it does not have with
// NoSuchVersion ("The requested version (2010-03-31) of service AmazonEC2 does not exist",
// boto/boto3#1138 and ansible/ansible#37267, where an SNS or ELBv2 request reached EC2). netlab
// speaks 2016-11-15, the version every current SDK sends; a request without Version is
// MissingParameter.
func TestUnsupportedVersion(t *testing.T) {
	srv, err := api.New(api.Options{}) // no credentials: any SigV4-shaped request is served
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	for _, c := range []struct{ body, code string }{
		{"Action=DescribeVpcs&Version=2010-03-31", "NoSuchVersion"},
		{"Action=DescribeVpcs", "MissingParameter"},
		{"Action=DescribeVpcs&Version=2016-11-15", ""},
	} {
		req, _ := http.NewRequest(http.MethodPost, hs.URL, strings.NewReader(c.body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=00")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		switch {
		case c.code == "" && resp.StatusCode != http.StatusOK:
			t.Errorf("%s: HTTP %d %s, want 200", c.body, resp.StatusCode, b)
		case c.code != "" && (resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), "<Code>"+c.code+"</Code>")):
			t.Errorf("%s: HTTP %d %s, want 400 %s", c.body, resp.StatusCode, b, c.code)
		}
	}
}
