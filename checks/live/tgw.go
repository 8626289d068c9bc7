package live

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/probe"
	"github.com/netlab-dev/netlab/provision/tgw"
	"github.com/netlab-dev/netlab/tgw/api"
	"github.com/netlab-dev/netlab/tgw/client"
)

// TGWEndpoint is the transit gateway's API address: the live container's (asked through the lab's one
// Docker connection), else the recorded one.
func (l *Lab) TGWEndpoint(ctx context.Context) (string, error) {
	ep := l.State.TGWEndpoint
	if l.Plan.TransitGateway != nil {
		ep = tgw.LiveEndpoint(ctx, l.eng, l.Plan.TransitGateway.Container, ep)
	}
	if ep == "" {
		return "", fmt.Errorf("the lab has no transit gateway API endpoint recorded; run 'netlab up %s' to finish the lab", l.Plan.Lab)
	}
	return ep, nil
}

// TGWTable returns the TGW's kernel view of the plan's route table name (its Name tag is
// "<tgw>-<name>", see tgw/client).
func (l *Lab) TGWTable(ctx context.Context, name string) (api.TableView, error) {
	if l.Plan.TransitGateway == nil {
		return api.TableView{}, fmt.Errorf("the scenario has no transit gateway")
	}
	ep, err := l.TGWEndpoint(ctx)
	if err != nil {
		return api.TableView{}, err
	}
	v, err := client.FetchRoutes(ctx, ep)
	checks.Record(ctx, "transit gateway "+ep, "fetch routes of table "+name, "", err)
	if err != nil {
		return api.TableView{}, err
	}
	for _, t := range v.Tables {
		if t.Name == l.Plan.TransitGateway.Name+"-"+name || t.Name == name {
			return t, nil
		}
	}
	return api.TableView{}, fmt.Errorf("the transit gateway has no route table named %s", name)
}

// Blackhole makes cidr a blackhole in table t and returns the function that repairs it (see setRoute).
func (l *Lab) Blackhole(ctx context.Context, t api.TableView, cidr string) (restore func() error, err error) {
	return l.setRoute(ctx, t, cidr, "", "blackhole")
}

// RouteTo points cidr in table t at the plan's attachment (its id is found by the tags netlab put
// on it) and returns the function that puts the table back as it was (see setRoute).
func (l *Lab) RouteTo(ctx context.Context, t api.TableView, cidr, attachment string) (restore func() error, err error) {
	if l.Plan.TransitGateway == nil {
		return nil, fmt.Errorf("the scenario has no transit gateway")
	}
	ep, err := l.TGWEndpoint(ctx)
	if err != nil {
		return nil, err
	}
	id, err := client.AttachmentID(ctx, client.NewEC2(ep, tgw.ClientCredentials(l.State.TGWCredentials)), l.Plan.TransitGateway.Name, attachment)
	checks.Record(ctx, "transit gateway "+ep, "DescribeTransitGatewayVpcAttachments "+attachment, id, err)
	if err != nil {
		return nil, err
	}
	return l.setRoute(ctx, t, cidr, id, attachment)
}

// setRoute sends cidr in table t to attachment id attID ("" for a blackhole) through the EC2 API:
// a static route (to an attachment or a blackhole) already there for exactly cidr is replaced and
// later put back; otherwise a static route is created (it wins over a propagated route for the same
// CIDR, and over any shorter prefix) and later deleted. The repair runs with its own deadline, even
// after ctx ended. what names the target in the trace.
func (l *Lab) setRoute(ctx context.Context, t api.TableView, cidr, attID, what string) (restore func() error, err error) {
	ep, err := l.TGWEndpoint(ctx)
	if err != nil {
		return nil, err
	}
	ec := client.NewEC2(ep, tgw.ClientCredentials(l.State.TGWCredentials))
	rtb := t.RouteTableID
	var existing api.RouteView
	for _, r := range t.Routes {
		if r.Dst == cidr && r.Via == "" && (r.Blackhole || (r.Type == "static" && r.AttachmentID != "")) {
			existing = r
		}
	}
	where := "transit gateway " + ep
	replace := func(ctx context.Context, att string) error {
		in := &ec2.ReplaceTransitGatewayRouteInput{TransitGatewayRouteTableId: aws.String(rtb), DestinationCidrBlock: aws.String(cidr)}
		to := "blackhole"
		if att == "" {
			in.Blackhole = aws.Bool(true)
		} else {
			in.TransitGatewayAttachmentId, to = aws.String(att), att
		}
		_, err := ec.ReplaceTransitGatewayRoute(ctx, in)
		checks.Record(ctx, where, "ReplaceTransitGatewayRoute "+rtb+" "+cidr+" -> "+to, "", err)
		if err != nil {
			return fmt.Errorf("ReplaceTransitGatewayRoute %s -> %s: %w", cidr, to, err)
		}
		return nil
	}
	repairCtx := func() (context.Context, context.CancelFunc) {
		return context.WithTimeout(context.WithoutCancel(ctx), 20*time.Second)
	}
	if existing.Dst == cidr {
		if err := replace(ctx, attID); err != nil {
			return nil, err
		}
		return func() error {
			rctx, cancel := repairCtx()
			defer cancel()
			return replace(rctx, existing.AttachmentID) // "" when it was a blackhole
		}, nil
	}
	in := &ec2.CreateTransitGatewayRouteInput{TransitGatewayRouteTableId: aws.String(rtb), DestinationCidrBlock: aws.String(cidr)}
	if attID == "" {
		in.Blackhole = aws.Bool(true)
	} else {
		in.TransitGatewayAttachmentId = aws.String(attID)
	}
	_, err = ec.CreateTransitGatewayRoute(ctx, in)
	checks.Record(ctx, where, "CreateTransitGatewayRoute "+rtb+" "+cidr+" -> "+what, "", err)
	if err != nil {
		return nil, fmt.Errorf("CreateTransitGatewayRoute %s -> %s: %w", cidr, what, err)
	}
	return func() error {
		rctx, cancel := repairCtx()
		defer cancel()
		_, err := ec.DeleteTransitGatewayRoute(rctx, &ec2.DeleteTransitGatewayRouteInput{
			TransitGatewayRouteTableId: aws.String(rtb), DestinationCidrBlock: aws.String(cidr),
		})
		checks.Record(ctx, where, "DeleteTransitGatewayRoute "+rtb+" "+cidr, "", err)
		return err
	}, nil
}

// baseline is the host's two-namespace measurement, taken once per process.
var (
	baselineOnce sync.Once
	baselineRes  probe.BaselineResult
	baselineErr  error
)

// Baseline measures throughput and latency between two namespaces on the host (needs root), once.
func (l *Lab) Baseline(ctx context.Context) (probe.BaselineResult, error) {
	baselineOnce.Do(func() {
		baselineRes, baselineErr = hostBaseline(ctx) // baseline.go
	})
	return baselineRes, baselineErr
}
