package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/netlab-dev/netlab/tgw/api"
	"github.com/netlab-dev/netlab/tgw/model"
)

// TestPagination follows the EC2 API reference's pagination (Pagination in the Amazon EC2 API;
// each Describe reference's MaxResults and NextToken): MaxResults bounds a page (5-1000 for
// DescribeVpcs and the transit gateway calls, 5-100 for DescribeRouteTables, anything else is
// InvalidParameterValue), a page that is not the last carries NextToken, the SDK's paginators collect
// every item exactly once, and a token that is not one the server gave is InvalidPaginationToken.
// SearchTransitGatewayRoutes has no NextToken: MaxResults cuts the list and AdditionalRoutesAvailable
// says so.
func TestPagination(t *testing.T) {
	_, c, url := startServer(t, api.Options{Datapath: newFake()})
	ctx := context.Background()
	var vpcs, tgws []string
	for i := 0; i < 7; i++ {
		v, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String(fmt.Sprintf("10.%d.0.0/16", i))})
		if err != nil {
			t.Fatal(err)
		}
		vpcs = append(vpcs, aws.ToString(v.Vpc.VpcId))
		g, err := c.CreateTransitGateway(ctx, &ec2.CreateTransitGatewayInput{})
		if err != nil {
			t.Fatal(err)
		}
		tgws = append(tgws, aws.ToString(g.TransitGateway.TransitGatewayId))
	}

	first, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{MaxResults: aws.Int32(5)})
	if err != nil || len(first.Vpcs) != 5 || aws.ToString(first.NextToken) == "" {
		t.Fatalf("first page of 5: %v %+v", err, first)
	}
	second, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{MaxResults: aws.Int32(5), NextToken: first.NextToken})
	if err != nil || len(second.Vpcs) != 2 || second.NextToken != nil {
		t.Fatalf("last page: %v %+v", err, second)
	}
	seen := map[string]int{}
	p := ec2.NewDescribeTransitGatewaysPaginator(c, &ec2.DescribeTransitGatewaysInput{MaxResults: aws.Int32(5)})
	pages := 0
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, g := range out.TransitGateways {
			seen[aws.ToString(g.TransitGatewayId)]++
		}
	}
	if pages != 2 || len(seen) != len(tgws) {
		t.Errorf("DescribeTransitGateways paginator: %d pages, %d gateways, want 2 pages and %d", pages, len(seen), len(tgws))
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("%s listed %d times", id, n)
		}
	}
	rtp := ec2.NewDescribeTransitGatewayRouteTablesPaginator(c, &ec2.DescribeTransitGatewayRouteTablesInput{MaxResults: aws.Int32(5)})
	n := 0
	for rtp.HasMorePages() {
		out, err := rtp.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n += len(out.TransitGatewayRouteTables)
	}
	if n != 7 { // each gateway's default route table
		t.Errorf("DescribeTransitGatewayRouteTables paginator: %d tables, want 7", n)
	}
	// filters apply before the page is cut
	fp, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{MaxResults: aws.Int32(5), Filters: []types.Filter{filter("vpc-id", vpcs[6])}})
	if err != nil || len(fp.Vpcs) != 1 || fp.NextToken != nil {
		t.Errorf("filtered page: %v %+v", err, fp)
	}

	for _, ec := range []errCase{
		{"MaxResults 4", model.CodeInvalidParameterValue, func() error {
			_, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{MaxResults: aws.Int32(4)})
			return err
		}},
		{"MaxResults 1001", model.CodeInvalidParameterValue, func() error {
			_, err := c.DescribeTransitGateways(ctx, &ec2.DescribeTransitGatewaysInput{MaxResults: aws.Int32(1001)})
			return err
		}},
		{"DescribeRouteTables MaxResults 101", model.CodeInvalidParameterValue, func() error {
			_, err := c.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{MaxResults: aws.Int32(101)})
			return err
		}},
		{"a token the server did not give", api.CodeInvalidPaginationToken, func() error {
			_, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{MaxResults: aws.Int32(5), NextToken: aws.String("not-a-token")})
			return err
		}},
	} {
		if got := code(ec.call()); got != ec.want {
			t.Errorf("%s: %q, want %q", ec.name, got, ec.want)
		}
	}

	// SearchTransitGatewayRoutes: MaxResults and AdditionalRoutesAvailable
	rtb, err := c.CreateTransitGatewayRouteTable(ctx, &ec2.CreateTransitGatewayRouteTableInput{TransitGatewayId: aws.String(tgws[0])})
	if err != nil {
		t.Fatal(err)
	}
	rtbID := rtb.TransitGatewayRouteTable.TransitGatewayRouteTableId
	for i := 0; i < 7; i++ {
		if _, err := c.CreateTransitGatewayRoute(ctx, &ec2.CreateTransitGatewayRouteInput{TransitGatewayRouteTableId: rtbID, DestinationCidrBlock: aws.String(fmt.Sprintf("10.20%d.0.0/16", i)), Blackhole: aws.Bool(true)}); err != nil {
			t.Fatal(err)
		}
	}
	for _, sc := range []struct {
		max   int32
		n     int
		more  bool
		valid bool
	}{{5, 5, true, true}, {7, 7, false, true}, {1000, 7, false, true}, {4, 0, false, false}, {1001, 0, false, false}} {
		out, err := c.SearchTransitGatewayRoutes(ctx, &ec2.SearchTransitGatewayRoutesInput{TransitGatewayRouteTableId: rtbID, Filters: []types.Filter{filter("state", "blackhole")}, MaxResults: aws.Int32(sc.max)})
		if !sc.valid {
			if code(err) != model.CodeInvalidParameterValue {
				t.Errorf("search MaxResults %d: %v, want InvalidParameterValue", sc.max, err)
			}
			continue
		}
		if err != nil || len(out.Routes) != sc.n || aws.ToBool(out.AdditionalRoutesAvailable) != sc.more {
			t.Errorf("search MaxResults %d: %v, %d routes, more %v; want %d, %v", sc.max, err, len(out.Routes), aws.ToBool(out.AdditionalRoutesAvailable), sc.n, sc.more)
		}
	}

	// the aws CLI follows NextToken by itself (--page-size sets MaxResults) and hands it out with --max-items
	cl := newCLI(t, url)
	if got := length(cl.ok("describe-vpcs", "--page-size", "5"), "Vpcs"); got != 7 {
		t.Errorf("aws ec2 describe-vpcs --page-size 5: %d VPCs, want all 7", got)
	}
	out := cl.ok("describe-transit-gateways", "--max-items", "5", "--page-size", "5")
	if length(out, "TransitGateways") != 5 || str(out, "NextToken") == "" {
		t.Errorf("aws ec2 describe-transit-gateways --max-items 5: %v", out)
	}
}

// TestFilterLimit: EC2 refuses a call with more than 200 filter values in all with
// FilterLimitExceeded ("The maximum number of filter values specified on a single call is 200", as
// reported from DescribeInstances in gjbae1212/gossm#31 and convox/rack#2205). netlab used to read at
// most 1000 values of a filter and silently drop the rest; now every value counts and the limit is
// refused, in Describe and Search calls alike. 200 values are served.
func TestFilterLimit(t *testing.T) {
	_, c, url := startServer(t, api.Options{Datapath: newFake()})
	ctx := context.Background()
	v, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	values := func(n int, last string) []string {
		var out []string
		for i := 0; i < n-1; i++ {
			out = append(out, fmt.Sprintf("vpc-%017x", i+1000))
		}
		return append(out, last)
	}
	vpc := aws.ToString(v.Vpc.VpcId)
	out, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []types.Filter{filter("vpc-id", values(200, vpc)...)}})
	if err != nil || len(out.Vpcs) != 1 {
		t.Fatalf("200 filter values: %v %+v", err, out)
	}
	_, err = c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []types.Filter{filter("vpc-id", values(201, vpc)...)}})
	if code(err) != api.CodeFilterLimitExceeded {
		t.Errorf("201 values: %v, want FilterLimitExceeded", err)
	}
	_, err = c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []types.Filter{filter("vpc-id", values(100, vpc)...), filter("owner-id", values(101, "000000000000")...)}})
	if code(err) != api.CodeFilterLimitExceeded {
		t.Errorf("100+101 values in two filters: %v, want FilterLimitExceeded", err)
	}
	g, err := c.CreateTransitGateway(ctx, &ec2.CreateTransitGatewayInput{})
	if err != nil {
		t.Fatal(err)
	}
	var cidrs []string
	for i := 0; i < 201; i++ {
		cidrs = append(cidrs, fmt.Sprintf("10.%d.%d.0/24", i/200, i%200))
	}
	_, err = c.SearchTransitGatewayRoutes(ctx, &ec2.SearchTransitGatewayRoutesInput{TransitGatewayRouteTableId: g.TransitGateway.Options.AssociationDefaultRouteTableId,
		Filters: []types.Filter{filter("route-search.exact-match", cidrs...)}})
	if code(err) != api.CodeFilterLimitExceeded {
		t.Errorf("search with 201 values: %v, want FilterLimitExceeded", err)
	}
	cl := newCLI(t, url)
	cl.fails(api.CodeFilterLimitExceeded, "describe-vpcs", "--filters", "Name=vpc-id,Values="+strings.Join(values(201, vpc), ","))
}

// TestDeleteTags follows the DeleteTags reference: a key without a value deletes the tag whatever its
// value, a key with a value only when the value matches (the empty value too), no tags deletes all of
// the resource's tags, a tag that is not there is not an error, and an unknown or malformed resource
// id gets its NotFound or Malformed code.
func TestDeleteTags(t *testing.T) {
	srv, c, url := startServer(t, api.Options{Datapath: newFake()})
	ctx := context.Background()
	g, err := c.CreateTransitGateway(ctx, &ec2.CreateTransitGatewayInput{})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(g.TransitGateway.TransitGatewayId)
	tags := func() string {
		var out []string
		for _, tg := range srv.State().TransitGateways[id].Tags {
			out = append(out, tg.Key+"="+tg.Value)
		}
		return strings.Join(out, ",")
	}
	if _, err := c.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{id}, Tags: []types.Tag{tag("Name", "a"), tag("env", "dev"), tag("team", ""), tag("keep", "1")}}); err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		del  []types.Tag
		want string
	}{
		{[]types.Tag{{Key: aws.String("env")}}, "Name=a,team=,keep=1"},                          // key only: any value
		{[]types.Tag{tag("Name", "b")}, "Name=a,team=,keep=1"},                                  // value differs: kept
		{[]types.Tag{tag("Name", "a"), tag("team", ""), {Key: aws.String("absent")}}, "keep=1"}, // values match; absent is no error
	} {
		if _, err := c.DeleteTags(ctx, &ec2.DeleteTagsInput{Resources: []string{id}, Tags: step.del}); err != nil {
			t.Fatal(err)
		}
		if got := tags(); got != step.want {
			t.Errorf("after DeleteTags %v: %q, want %q", step.del, got, step.want)
		}
	}
	if _, err := c.DeleteTags(ctx, &ec2.DeleteTagsInput{Resources: []string{id}}); err != nil || tags() != "" {
		t.Errorf("DeleteTags without tags: %v, left %q", err, tags())
	}
	for _, ec := range []errCase{
		{"unknown", model.CodeTransitGatewayNotFound, func() error {
			_, err := c.DeleteTags(ctx, &ec2.DeleteTagsInput{Resources: []string{"tgw-0123456789abcdef0"}})
			return err
		}},
		{"malformed", model.CodeAttachmentMalformed, func() error {
			_, err := c.DeleteTags(ctx, &ec2.DeleteTagsInput{Resources: []string{"tgw-attach-1"}})
			return err
		}},
	} {
		if got := code(ec.call()); got != ec.want {
			t.Errorf("DeleteTags %s: %q, want %q", ec.name, got, ec.want)
		}
	}
	cl := newCLI(t, url)
	cl.ok("create-tags", "--resources", id, "--tags", "Key=env,Value=dev", "Key=Name,Value=x")
	cl.ok("delete-tags", "--resources", id, "--tags", "Key=env")
	if got := tags(); got != "Name=x" {
		t.Errorf("aws ec2 delete-tags --tags Key=env: left %q", got)
	}
}
