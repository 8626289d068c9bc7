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

// Blackhole makes cidr a blackhole in table t and returns the function that repairs it: a static
// route to an attachment is replaced and later put back; otherwise a blackhole route is created and
// later deleted. The repair runs with its own deadline, even after ctx ended.
func (l *Lab) Blackhole(ctx context.Context, t api.TableView, cidr string) (restore func() error, err error) {
	ep, err := l.TGWEndpoint(ctx)
	if err != nil {
		return nil, err
	}
	ec := client.NewEC2(ep, tgw.ClientCredentials(l.State.TGWCredentials))
	rtb := t.RouteTableID
	var existing api.RouteView
	for _, r := range t.Routes {
		if r.Dst == cidr {
			existing = r
		}
	}
	where := "transit gateway " + ep
	if existing.Dst == cidr && existing.Type == "static" && existing.AttachmentID != "" {
		_, err := ec.ReplaceTransitGatewayRoute(ctx, &ec2.ReplaceTransitGatewayRouteInput{
			TransitGatewayRouteTableId: aws.String(rtb), DestinationCidrBlock: aws.String(cidr), Blackhole: aws.Bool(true),
		})
		checks.Record(ctx, where, "ReplaceTransitGatewayRoute "+rtb+" "+cidr+" blackhole", "", err)
		if err != nil {
			return nil, fmt.Errorf("ReplaceTransitGatewayRoute %s blackhole: %w", cidr, err)
		}
		return func() error {
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 20*time.Second)
			defer cancel()
			_, err := ec.ReplaceTransitGatewayRoute(rctx, &ec2.ReplaceTransitGatewayRouteInput{
				TransitGatewayRouteTableId: aws.String(rtb), DestinationCidrBlock: aws.String(cidr), TransitGatewayAttachmentId: aws.String(existing.AttachmentID),
			})
			checks.Record(ctx, where, "ReplaceTransitGatewayRoute "+rtb+" "+cidr+" -> "+existing.AttachmentID, "", err)
			return err
		}, nil
	}
	_, err = ec.CreateTransitGatewayRoute(ctx, &ec2.CreateTransitGatewayRouteInput{
		TransitGatewayRouteTableId: aws.String(rtb), DestinationCidrBlock: aws.String(cidr), Blackhole: aws.Bool(true),
	})
	checks.Record(ctx, where, "CreateTransitGatewayRoute "+rtb+" "+cidr+" blackhole", "", err)
	if err != nil {
		return nil, fmt.Errorf("CreateTransitGatewayRoute %s blackhole: %w", cidr, err)
	}
	return func() error {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 20*time.Second)
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
