package api_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"

	"github.com/netlab-dev/netlab/tgw/api"
	"github.com/netlab-dev/netlab/tgw/datapath"
	"github.com/netlab-dev/netlab/tgw/model"
)

// fakeDP stands in for the kernel: it owns the TGW leg addresses and records what it was asked to apply.
type fakeDP struct {
	mu      sync.Mutex
	addrs   []string
	applied int
	last    *model.State
}

func (f *fakeDP) Apply(s *model.State) (datapath.Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.applied++
	f.last = s.Clone()
	return datapath.Result{}, nil
}

func (f *fakeDP) Addresses() ([]datapath.LocalAddr, error) {
	var out []datapath.LocalAddr
	for i, a := range f.addrs {
		out = append(out, datapath.LocalAddr{Link: "eth" + string(rune('0'+i)), Index: i + 2, Prefix: netip.MustParsePrefix(a)})
	}
	return out, nil
}

func (f *fakeDP) Counters() ([]datapath.Counter, error)   { return nil, nil }
func (f *fakeDP) Routes() ([]datapath.KernelRoute, error) { return nil, nil }
func (f *fakeDP) appliedCount() int                       { f.mu.Lock(); defer f.mu.Unlock(); return f.applied }
func newFake() *fakeDP                                    { return &fakeDP{addrs: []string{"10.0.1.1/24", "10.1.1.1/24"}} }

func startServer(t *testing.T, o api.Options) (*api.Server, *ec2.Client, string) {
	t.Helper()
	if o.Credentials == nil {
		o.Credentials = &testCreds
	}
	srv, err := api.New(o)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return srv, newClient(hs.URL), hs.URL
}

// testCreds are the lab credentials the test servers accept (the aws CLI test signs with them too).
var testCreds = api.Credentials{AccessKeyID: "AKIDNETLAB", SecretAccessKey: "netlab-secret"}

func newClient(url string) *ec2.Client {
	return newClientWith(url, credentials.NewStaticCredentialsProvider(testCreds.AccessKeyID, testCreds.SecretAccessKey, ""))
}

func newClientWith(url string, creds aws.CredentialsProvider) *ec2.Client {
	cfg := aws.Config{Region: "us-east-1", Credentials: creds}
	return ec2.NewFromConfig(cfg, func(o *ec2.Options) {
		o.BaseEndpoint = aws.String(url)
		o.RetryMaxAttempts = 1
	})
}

func code(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func tag(k, v string) types.Tag { return types.Tag{Key: aws.String(k), Value: aws.String(v)} }

func filter(name string, values ...string) types.Filter {
	return types.Filter{Name: aws.String(name), Values: values}
}

// TestSDKConformance drives every supported call through aws-sdk-go-v2 against the server on
// loopback, and checks the answers against the state and the fake datapath.
func TestSDKConformance(t *testing.T) {
	ctx := context.Background()
	dp := newFake()
	_, c, _ := startServer(t, api.Options{Datapath: dp, IDs: model.Sequential()})
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}

	// VPCs, subnets, node interfaces, VPC routes
	va, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16"),
		TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeVpc, Tags: []types.Tag{tag("Name", "vpc-a")}}}})
	must(err)
	vb, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.1.0.0/16")})
	must(err)
	vpcA, vpcB := aws.ToString(va.Vpc.VpcId), aws.ToString(vb.Vpc.VpcId)
	if vpcA != "vpc-00000000000000001" || aws.ToString(va.Vpc.CidrBlock) != "10.0.0.0/16" {
		t.Fatalf("CreateVpc: %+v", va.Vpc)
	}
	ac, err := c.AssociateVpcCidrBlock(ctx, &ec2.AssociateVpcCidrBlockInput{VpcId: aws.String(vpcB), CidrBlock: aws.String("10.11.0.0/16")})
	must(err)
	if aws.ToString(ac.CidrBlockAssociation.CidrBlock) != "10.11.0.0/16" {
		t.Fatalf("AssociateVpcCidrBlock: %+v", ac.CidrBlockAssociation)
	}
	dv, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []types.Filter{filter("tag:Name", "vpc-*")}})
	must(err)
	if len(dv.Vpcs) != 1 || aws.ToString(dv.Vpcs[0].VpcId) != vpcA || aws.ToString(dv.Vpcs[0].Tags[0].Value) != "vpc-a" {
		t.Fatalf("DescribeVpcs by tag: %+v", dv.Vpcs)
	}
	dv, err = c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{vpcB}})
	must(err)
	if len(dv.Vpcs) != 1 || len(dv.Vpcs[0].CidrBlockAssociationSet) != 2 {
		t.Fatalf("DescribeVpcs by id: %+v", dv.Vpcs)
	}
	sa, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(vpcA), CidrBlock: aws.String("10.0.1.0/24")})
	must(err)
	sb, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(vpcB), CidrBlock: aws.String("10.1.1.0/24")})
	must(err)
	subA, subB := aws.ToString(sa.Subnet.SubnetId), aws.ToString(sb.Subnet.SubnetId)
	ds, err := c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []types.Filter{filter("vpc-id", vpcB)}})
	must(err)
	if len(ds.Subnets) != 1 || aws.ToString(ds.Subnets[0].SubnetId) != subB || aws.ToString(ds.Subnets[0].CidrBlock) != "10.1.1.0/24" {
		t.Fatalf("DescribeSubnets: %+v", ds.Subnets)
	}
	ni, err := c.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: aws.String(subB), PrivateIpAddress: aws.String("10.1.1.20"), Description: aws.String("node b1")})
	must(err)
	eni := aws.ToString(ni.NetworkInterface.NetworkInterfaceId)
	rts, err := c.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []types.Filter{filter("vpc-id", vpcB), filter("association.main", "true")}})
	must(err)
	if len(rts.RouteTables) != 1 {
		t.Fatalf("DescribeRouteTables main: %+v", rts.RouteTables)
	}
	rtbB := aws.ToString(rts.RouteTables[0].RouteTableId)
	_, err = c.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: aws.String(rtbB), DestinationCidrBlock: aws.String("10.244.1.0/24"), NetworkInterfaceId: aws.String(eni)})
	must(err)

	// transit gateway, attachments, route tables
	tg, err := c.CreateTransitGateway(ctx, &ec2.CreateTransitGatewayInput{Description: aws.String("lab"),
		Options: &types.TransitGatewayRequestOptions{AmazonSideAsn: aws.Int64(64600),
			DefaultRouteTableAssociation: types.DefaultRouteTableAssociationValueDisable, DefaultRouteTablePropagation: types.DefaultRouteTablePropagationValueDisable},
		TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeTransitGateway, Tags: []types.Tag{tag("netlab:name", "tgw")}}}})
	must(err)
	tgw := aws.ToString(tg.TransitGateway.TransitGatewayId)
	if !strings.HasPrefix(tgw, "tgw-") || aws.ToInt64(tg.TransitGateway.Options.AmazonSideAsn) != 64600 ||
		tg.TransitGateway.Options.DefaultRouteTableAssociation != types.DefaultRouteTableAssociationValueDisable {
		t.Fatalf("CreateTransitGateway: %+v %+v", tg.TransitGateway, tg.TransitGateway.Options)
	}
	dt, err := c.DescribeTransitGateways(ctx, &ec2.DescribeTransitGatewaysInput{Filters: []types.Filter{filter("tag:netlab:name", "tgw")}})
	must(err)
	if len(dt.TransitGateways) != 1 || dt.TransitGateways[0].State != types.TransitGatewayStateAvailable {
		t.Fatalf("DescribeTransitGateways: %+v", dt.TransitGateways)
	}
	at, err := c.CreateTransitGatewayVpcAttachment(ctx, &ec2.CreateTransitGatewayVpcAttachmentInput{TransitGatewayId: aws.String(tgw), VpcId: aws.String(vpcA), SubnetIds: []string{subA},
		TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeTransitGatewayAttachment, Tags: []types.Tag{tag("Name", "att-a")}}}})
	must(err)
	attA := aws.ToString(at.TransitGatewayVpcAttachment.TransitGatewayAttachmentId)
	if !strings.HasPrefix(attA, "tgw-attach-") || at.TransitGatewayVpcAttachment.SubnetIds[0] != subA {
		t.Fatalf("CreateTransitGatewayVpcAttachment: %+v", at.TransitGatewayVpcAttachment)
	}
	at, err = c.CreateTransitGatewayVpcAttachment(ctx, &ec2.CreateTransitGatewayVpcAttachmentInput{TransitGatewayId: aws.String(tgw), VpcId: aws.String(vpcB), SubnetIds: []string{subB}})
	must(err)
	attB := aws.ToString(at.TransitGatewayVpcAttachment.TransitGatewayAttachmentId)
	dni, err := c.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{Filters: []types.Filter{filter("interface-type", "transit_gateway"), filter("subnet-id", subB)}})
	must(err)
	if len(dni.NetworkInterfaces) != 1 || aws.ToString(dni.NetworkInterfaces[0].PrivateIpAddress) != "10.1.1.1" || !aws.ToBool(dni.NetworkInterfaces[0].RequesterManaged) {
		t.Fatalf("the attachment's interface: %+v", dni.NetworkInterfaces)
	}
	dva, err := c.DescribeTransitGatewayVpcAttachments(ctx, &ec2.DescribeTransitGatewayVpcAttachmentsInput{Filters: []types.Filter{filter("vpc-id", vpcB)}})
	must(err)
	if len(dva.TransitGatewayVpcAttachments) != 1 || aws.ToString(dva.TransitGatewayVpcAttachments[0].TransitGatewayAttachmentId) != attB {
		t.Fatalf("DescribeTransitGatewayVpcAttachments: %+v", dva.TransitGatewayVpcAttachments)
	}
	rt, err := c.CreateTransitGatewayRouteTable(ctx, &ec2.CreateTransitGatewayRouteTableInput{TransitGatewayId: aws.String(tgw),
		TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeTransitGatewayRouteTable, Tags: []types.Tag{tag("Name", "main")}}}})
	must(err)
	rtb := aws.ToString(rt.TransitGatewayRouteTable.TransitGatewayRouteTableId)
	rt2o, err := c.CreateTransitGatewayRouteTable(ctx, &ec2.CreateTransitGatewayRouteTableInput{TransitGatewayId: aws.String(tgw)})
	must(err)
	rtb2 := aws.ToString(rt2o.TransitGatewayRouteTable.TransitGatewayRouteTableId)
	drt, err := c.DescribeTransitGatewayRouteTables(ctx, &ec2.DescribeTransitGatewayRouteTablesInput{Filters: []types.Filter{filter("transit-gateway-id", tgw), filter("tag:Name", "main")}})
	must(err)
	if len(drt.TransitGatewayRouteTables) != 1 || aws.ToString(drt.TransitGatewayRouteTables[0].TransitGatewayRouteTableId) != rtb {
		t.Fatalf("DescribeTransitGatewayRouteTables: %+v", drt.TransitGatewayRouteTables)
	}

	// associations and propagations
	for _, a := range []string{attA, attB} {
		as, err := c.AssociateTransitGatewayRouteTable(ctx, &ec2.AssociateTransitGatewayRouteTableInput{TransitGatewayRouteTableId: aws.String(rtb), TransitGatewayAttachmentId: aws.String(a)})
		must(err)
		if aws.ToString(as.Association.TransitGatewayAttachmentId) != a || as.Association.State != types.TransitGatewayAssociationStateAssociating {
			t.Fatalf("Associate: %+v", as.Association)
		}
		pr, err := c.EnableTransitGatewayRouteTablePropagation(ctx, &ec2.EnableTransitGatewayRouteTablePropagationInput{TransitGatewayRouteTableId: aws.String(rtb), TransitGatewayAttachmentId: aws.String(a)})
		must(err)
		if aws.ToString(pr.Propagation.TransitGatewayAttachmentId) != a {
			t.Fatalf("EnablePropagation: %+v", pr.Propagation)
		}
	}
	ga, err := c.GetTransitGatewayRouteTableAssociations(ctx, &ec2.GetTransitGatewayRouteTableAssociationsInput{TransitGatewayRouteTableId: aws.String(rtb)})
	must(err)
	if len(ga.Associations) != 2 || aws.ToString(ga.Associations[0].ResourceId) != vpcA || ga.Associations[0].State != types.TransitGatewayAssociationStateAssociated {
		t.Fatalf("GetTransitGatewayRouteTableAssociations: %+v", ga.Associations)
	}
	gp, err := c.GetTransitGatewayRouteTablePropagations(ctx, &ec2.GetTransitGatewayRouteTablePropagationsInput{TransitGatewayRouteTableId: aws.String(rtb),
		Filters: []types.Filter{filter("transit-gateway-attachment-id", attB)}})
	must(err)
	if len(gp.TransitGatewayRouteTablePropagations) != 1 || aws.ToString(gp.TransitGatewayRouteTablePropagations[0].ResourceId) != vpcB {
		t.Fatalf("GetTransitGatewayRouteTablePropagations: %+v", gp.TransitGatewayRouteTablePropagations)
	}
	da, err := c.DescribeTransitGatewayAttachments(ctx, &ec2.DescribeTransitGatewayAttachmentsInput{Filters: []types.Filter{filter("association.transit-gateway-route-table-id", rtb)}})
	must(err)
	if len(da.TransitGatewayAttachments) != 2 || aws.ToString(da.TransitGatewayAttachments[1].Association.TransitGatewayRouteTableId) != rtb {
		t.Fatalf("DescribeTransitGatewayAttachments: %+v", da.TransitGatewayAttachments)
	}

	// routes
	cr, err := c.CreateTransitGatewayRoute(ctx, &ec2.CreateTransitGatewayRouteInput{TransitGatewayRouteTableId: aws.String(rtb), DestinationCidrBlock: aws.String("10.244.0.0/16"), TransitGatewayAttachmentId: aws.String(attB)})
	must(err)
	if cr.Route.Type != types.TransitGatewayRouteTypeStatic || cr.Route.State != types.TransitGatewayRouteStateActive || aws.ToString(cr.Route.TransitGatewayAttachments[0].ResourceId) != vpcB {
		t.Fatalf("CreateTransitGatewayRoute: %+v", cr.Route)
	}
	cr, err = c.CreateTransitGatewayRoute(ctx, &ec2.CreateTransitGatewayRouteInput{TransitGatewayRouteTableId: aws.String(rtb), DestinationCidrBlock: aws.String("10.244.9.0/24"), Blackhole: aws.Bool(true)})
	must(err)
	if cr.Route.State != types.TransitGatewayRouteStateBlackhole {
		t.Fatalf("blackhole route: %+v", cr.Route)
	}
	search := func(fs ...types.Filter) []string {
		t.Helper()
		out, err := c.SearchTransitGatewayRoutes(ctx, &ec2.SearchTransitGatewayRoutesInput{TransitGatewayRouteTableId: aws.String(rtb), Filters: fs})
		must(err)
		var got []string
		for _, r := range out.Routes {
			got = append(got, aws.ToString(r.DestinationCidrBlock)+" "+string(r.Type)+" "+string(r.State))
		}
		sort.Strings(got)
		return got
	}
	checkSearch := func(name string, got []string, want ...string) {
		t.Helper()
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("search %s: %v, want %v", name, got, want)
		}
	}
	checkSearch("type=propagated", search(filter("type", "propagated")),
		"10.0.0.0/16 propagated active", "10.1.0.0/16 propagated active", "10.11.0.0/16 propagated active")
	checkSearch("state=blackhole", search(filter("state", "blackhole")), "10.244.9.0/24 static blackhole")
	checkSearch("exact", search(filter("route-search.exact-match", "10.244.0.0/16")), "10.244.0.0/16 static active")
	checkSearch("longest-prefix", search(filter("route-search.longest-prefix-match", "10.244.9.7/32")), "10.244.9.0/24 static blackhole")
	checkSearch("longest-prefix /16", search(filter("route-search.longest-prefix-match", "10.244.1.0/24")), "10.244.0.0/16 static active")
	checkSearch("subnet-of", search(filter("route-search.subnet-of-match", "10.244.0.0/16")), "10.244.0.0/16 static active", "10.244.9.0/24 static blackhole")
	checkSearch("supernet-of", search(filter("route-search.supernet-of-match", "10.244.9.0/24")), "10.244.0.0/16 static active", "10.244.9.0/24 static blackhole")
	checkSearch("attachment", search(filter("attachment.transit-gateway-attachment-id", attB), filter("type", "static")), "10.244.0.0/16 static active")
	rr, err := c.ReplaceTransitGatewayRoute(ctx, &ec2.ReplaceTransitGatewayRouteInput{TransitGatewayRouteTableId: aws.String(rtb), DestinationCidrBlock: aws.String("10.244.9.0/24"), TransitGatewayAttachmentId: aws.String(attA)})
	must(err)
	if rr.Route.State != types.TransitGatewayRouteStateActive || aws.ToString(rr.Route.TransitGatewayAttachments[0].TransitGatewayAttachmentId) != attA {
		t.Fatalf("ReplaceTransitGatewayRoute: %+v", rr.Route)
	}
	del, err := c.DeleteTransitGatewayRoute(ctx, &ec2.DeleteTransitGatewayRouteInput{TransitGatewayRouteTableId: aws.String(rtb), DestinationCidrBlock: aws.String("10.244.9.0/24")})
	must(err)
	if aws.ToString(del.Route.DestinationCidrBlock) != "10.244.9.0/24" {
		t.Fatalf("DeleteTransitGatewayRoute: %+v", del.Route)
	}
	checkSearch("after delete", search(filter("route-search.subnet-of-match", "10.244.0.0/16")), "10.244.0.0/16 static active")

	// every mutation reached the datapath, with the state it made
	n := dp.appliedCount()
	_, err = c.DisableTransitGatewayRouteTablePropagation(ctx, &ec2.DisableTransitGatewayRouteTablePropagationInput{TransitGatewayRouteTableId: aws.String(rtb), TransitGatewayAttachmentId: aws.String(attB)})
	must(err)
	if dp.appliedCount() != n+1 || len(dp.last.RouteTables[rtb].Propagations) != 1 {
		t.Fatalf("datapath not reconciled after DisablePropagation (%d -> %d)", n, dp.appliedCount())
	}
	checkSearch("propagation off", search(filter("type", "propagated")), "10.0.0.0/16 propagated active")

	// errors, each with AWS's code, none changing state
	n = dp.appliedCount()
	errCases := []struct {
		want string
		call func() error
	}{
		{model.CodeInvalidParameterValue, func() error {
			_, err := c.CreateTransitGatewayRoute(ctx, &ec2.CreateTransitGatewayRouteInput{TransitGatewayRouteTableId: aws.String(rtb), DestinationCidrBlock: aws.String("10.300.0.0/16"), Blackhole: aws.Bool(true)})
			return err
		}},
		{model.CodeTransitGatewayNotFound, func() error {
			_, err := c.CreateTransitGatewayRouteTable(ctx, &ec2.CreateTransitGatewayRouteTableInput{TransitGatewayId: aws.String("tgw-0123456789abcdef0")})
			return err
		}},
		{model.CodeTransitGatewayNotFound, func() error {
			_, err := c.DescribeTransitGateways(ctx, &ec2.DescribeTransitGatewaysInput{TransitGatewayIds: []string{"tgw-0123456789abcdef0"}})
			return err
		}},
		{model.CodeRouteTableNotFound, func() error {
			_, err := c.SearchTransitGatewayRoutes(ctx, &ec2.SearchTransitGatewayRoutesInput{TransitGatewayRouteTableId: aws.String("tgw-rtb-0123456789abcdef0"), Filters: []types.Filter{filter("type", "static")}})
			return err
		}},
		{model.CodeAttachmentNotFound, func() error {
			_, err := c.AssociateTransitGatewayRouteTable(ctx, &ec2.AssociateTransitGatewayRouteTableInput{TransitGatewayRouteTableId: aws.String(rtb), TransitGatewayAttachmentId: aws.String("tgw-attach-0123456789abcdef0")})
			return err
		}},
		{model.CodeRouteAlreadyExists, func() error {
			_, err := c.CreateTransitGatewayRoute(ctx, &ec2.CreateTransitGatewayRouteInput{TransitGatewayRouteTableId: aws.String(rtb), DestinationCidrBlock: aws.String("10.244.0.0/16"), Blackhole: aws.Bool(true)})
			return err
		}},
		{model.CodeRouteNotFound, func() error {
			_, err := c.DeleteTransitGatewayRoute(ctx, &ec2.DeleteTransitGatewayRouteInput{TransitGatewayRouteTableId: aws.String(rtb), DestinationCidrBlock: aws.String("10.99.0.0/16")})
			return err
		}},
		{model.CodeAlreadyAssociated, func() error {
			_, err := c.AssociateTransitGatewayRouteTable(ctx, &ec2.AssociateTransitGatewayRouteTableInput{TransitGatewayRouteTableId: aws.String(rtb2), TransitGatewayAttachmentId: aws.String(attA)})
			return err
		}},
		{model.CodeIncorrectState, func() error {
			_, err := c.DeleteTransitGatewayRouteTable(ctx, &ec2.DeleteTransitGatewayRouteTableInput{TransitGatewayRouteTableId: aws.String(rtb)})
			return err
		}},
		{model.CodeIncorrectState, func() error {
			_, err := c.DeleteTransitGateway(ctx, &ec2.DeleteTransitGatewayInput{TransitGatewayId: aws.String(tgw)})
			return err
		}},
		{model.CodePropagationDuplicate, func() error {
			_, err := c.EnableTransitGatewayRouteTablePropagation(ctx, &ec2.EnableTransitGatewayRouteTablePropagationInput{TransitGatewayRouteTableId: aws.String(rtb), TransitGatewayAttachmentId: aws.String(attA)})
			return err
		}},
		{model.CodeVpcNotFound, func() error {
			_, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{"vpc-0123456789abcdef0"}})
			return err
		}},
		{model.CodeNetworkInterfaceNotFound, func() error {
			_, err := c.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: aws.String(rtbB), DestinationCidrBlock: aws.String("10.245.0.0/24"), NetworkInterfaceId: aws.String("eni-0123456789abcdef0")})
			return err
		}},
		{model.CodeInvalidParameterValue, func() error { // the TGW has no leg in 10.0.2.0/24
			s2, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(vpcA), CidrBlock: aws.String("10.0.2.0/24")})
			if err != nil {
				return err
			}
			tg2, err := c.CreateTransitGateway(ctx, &ec2.CreateTransitGatewayInput{})
			if err != nil {
				return err
			}
			_, err = c.CreateTransitGatewayVpcAttachment(ctx, &ec2.CreateTransitGatewayVpcAttachmentInput{TransitGatewayId: tg2.TransitGateway.TransitGatewayId, VpcId: aws.String(vpcA), SubnetIds: []string{aws.ToString(s2.Subnet.SubnetId)}})
			return err
		}},
	}
	for i, ec := range errCases {
		if got := code(ec.call()); got != ec.want {
			t.Errorf("error case %d: code %q, want %q", i, got, ec.want)
		}
	}
	if got := dp.appliedCount(); got != n+2 { // only the last case's CreateSubnet and CreateTransitGateway succeeded
		t.Errorf("failed calls reached the datapath: %d applies, want %d", got, n+2)
	}

	// teardown in AWS's order
	_, err = c.DisassociateTransitGatewayRouteTable(ctx, &ec2.DisassociateTransitGatewayRouteTableInput{TransitGatewayRouteTableId: aws.String(rtb), TransitGatewayAttachmentId: aws.String(attA)})
	must(err)
	_, err = c.DeleteTransitGatewayRouteTable(ctx, &ec2.DeleteTransitGatewayRouteTableInput{TransitGatewayRouteTableId: aws.String(rtb2)})
	must(err)
	for _, a := range []string{attA, attB} {
		d, err := c.DeleteTransitGatewayVpcAttachment(ctx, &ec2.DeleteTransitGatewayVpcAttachmentInput{TransitGatewayAttachmentId: aws.String(a)})
		must(err)
		if d.TransitGatewayVpcAttachment.State != types.TransitGatewayAttachmentStateDeleting {
			t.Fatalf("DeleteTransitGatewayVpcAttachment: %+v", d.TransitGatewayVpcAttachment)
		}
	}
	_, err = c.DeleteTransitGatewayRouteTable(ctx, &ec2.DeleteTransitGatewayRouteTableInput{TransitGatewayRouteTableId: aws.String(rtb)})
	must(err)
	dg, err := c.DeleteTransitGateway(ctx, &ec2.DeleteTransitGatewayInput{TransitGatewayId: aws.String(tgw)})
	must(err)
	if dg.TransitGateway.State != types.TransitGatewayStateDeleting {
		t.Fatalf("DeleteTransitGateway: %+v", dg.TransitGateway)
	}
	_, err = c.DeleteRoute(ctx, &ec2.DeleteRouteInput{RouteTableId: aws.String(rtbB), DestinationCidrBlock: aws.String("10.244.1.0/24")})
	must(err)
	_, err = c.DeleteNetworkInterface(ctx, &ec2.DeleteNetworkInterfaceInput{NetworkInterfaceId: aws.String(eni)})
	must(err)
	_, err = c.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: aws.String(subB)})
	must(err)
	_, err = c.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: aws.String(vpcB)})
	must(err)
	dt, err = c.DescribeTransitGateways(ctx, &ec2.DescribeTransitGatewaysInput{TransitGatewayIds: []string{tgw}})
	if code(err) != model.CodeTransitGatewayNotFound {
		t.Fatalf("deleted TGW still described: %v %+v", err, dt)
	}
}

// TestStateSurvivesRestart checks that a server started on the same state file serves the same ids,
// associations and routes, and reconciles its datapath to them at start.
func TestStateSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "tgw", "state.json")
	_, c, _ := startServer(t, api.Options{StateFile: file, Datapath: newFake()})
	v, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	s, _ := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: v.Vpc.VpcId, CidrBlock: aws.String("10.0.1.0/24")})
	g, _ := c.CreateTransitGateway(ctx, &ec2.CreateTransitGatewayInput{}) // default route table, association and propagation
	a, err := c.CreateTransitGatewayVpcAttachment(ctx, &ec2.CreateTransitGatewayVpcAttachmentInput{TransitGatewayId: g.TransitGateway.TransitGatewayId, VpcId: v.Vpc.VpcId, SubnetIds: []string{aws.ToString(s.Subnet.SubnetId)}})
	if err != nil {
		t.Fatal(err)
	}
	rtb := g.TransitGateway.Options.AssociationDefaultRouteTableId
	if _, err := c.CreateTransitGatewayRoute(ctx, &ec2.CreateTransitGatewayRouteInput{TransitGatewayRouteTableId: rtb, DestinationCidrBlock: aws.String("10.9.0.0/16"), Blackhole: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}

	dp2 := newFake()
	_, c2, _ := startServer(t, api.Options{StateFile: file, Datapath: dp2})
	if dp2.appliedCount() != 1 || dp2.last.Attachments[aws.ToString(a.TransitGatewayVpcAttachment.TransitGatewayAttachmentId)] == nil {
		t.Fatal("the restarted server did not reconcile its datapath to the saved state")
	}
	da, err := c2.DescribeTransitGatewayAttachments(ctx, &ec2.DescribeTransitGatewayAttachmentsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(da.TransitGatewayAttachments) != 1 || aws.ToString(da.TransitGatewayAttachments[0].TransitGatewayAttachmentId) != aws.ToString(a.TransitGatewayVpcAttachment.TransitGatewayAttachmentId) ||
		aws.ToString(da.TransitGatewayAttachments[0].Association.TransitGatewayRouteTableId) != aws.ToString(rtb) {
		t.Fatalf("attachment after restart: %+v", da.TransitGatewayAttachments)
	}
	sr, err := c2.SearchTransitGatewayRoutes(ctx, &ec2.SearchTransitGatewayRoutesInput{TransitGatewayRouteTableId: rtb, Filters: []types.Filter{filter("route-search.supernet-of-match", "0.0.0.0/0"), filter("state", "active", "blackhole")}})
	if err != nil {
		t.Fatal(err)
	}
	if len(sr.Routes) != 0 {
		t.Fatalf("supernet of 0.0.0.0/0: %+v", sr.Routes)
	}
	sr, err = c2.SearchTransitGatewayRoutes(ctx, &ec2.SearchTransitGatewayRoutesInput{TransitGatewayRouteTableId: rtb, Filters: []types.Filter{filter("state", "active", "blackhole")}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range sr.Routes {
		got = append(got, aws.ToString(r.DestinationCidrBlock)+" "+string(r.Type))
	}
	if strings.Join(got, ",") != "10.0.0.0/16 propagated,10.9.0.0/16 static" {
		t.Fatalf("routes after restart: %v", got)
	}
}
