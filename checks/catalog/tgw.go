package catalog

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/netlab-dev/netlab/checks/live"
	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/provision/tgw"
	"github.com/netlab-dev/netlab/tgw/api"
	"github.com/netlab-dev/netlab/tgw/client"
)

// gateway is the lab's transit gateway as the cross-cluster checks use it: its EC2 API (to break a
// route on purpose and repair it) and its route view with per-route counters.
type gateway struct {
	endpoint string
	ec2      *ec2.Client
}

func gatewayOf(l *live.Lab) (*gateway, error) {
	ep := l.State.TGWEndpoint
	if l.Plan.TransitGateway != nil {
		ep = tgw.LiveEndpoint(context.Background(), l.Plan.TransitGateway.Container, ep)
	}
	if ep == "" {
		return nil, fmt.Errorf("the lab has no transit gateway API endpoint recorded; run 'netlab up %s' to finish the lab", l.Plan.Lab)
	}
	return &gateway{endpoint: ep, ec2: client.NewEC2(ep)}, nil
}

// tableFor is the name of the TGW route table associated with the client VPC's attachment.
func tableFor(p *plan.Plan, vpc string) (plan.RouteTablePlan, string, bool) {
	a, _ := p.AttachmentOf(vpc)
	rt, ok := p.RouteTableOf(a.Name)
	return rt, a.Name, ok
}

// routeFor is the plan's effective route that carries dst in table rt (longest prefix first).
func routeFor(rt plan.RouteTablePlan, dst string) (plan.TGWRoute, bool) {
	a, err := netip.ParseAddr(dst)
	if err != nil {
		return plan.TGWRoute{}, false
	}
	return rt.Lookup(a)
}

// table returns the TGW's kernel view of the plan's route table name (its Name tag is
// "<tgw>-<name>", see tgw/client).
func (g *gateway) table(ctx context.Context, p *plan.Plan, name string) (api.TableView, error) {
	v, err := client.FetchRoutes(ctx, g.endpoint)
	if err != nil {
		return api.TableView{}, err
	}
	for _, t := range v.Tables {
		if t.Name == p.TransitGateway.Name+"-"+name || t.Name == name {
			return t, nil
		}
	}
	return api.TableView{}, fmt.Errorf("the transit gateway has no route table named %s", name)
}

// carrying is the kernel route of t that carries dst: the longest installed prefix containing it,
// a Pod range behind a node (expanded from the VPC route table) included.
func carrying(t api.TableView, dst string) (api.RouteView, bool) {
	a, err := netip.ParseAddr(dst)
	if err != nil {
		return api.RouteView{}, false
	}
	best, bits := api.RouteView{}, -1
	for _, r := range t.Routes {
		pf, err := netip.ParsePrefix(r.Dst)
		if err == nil && pf.Contains(a) && pf.Bits() > bits {
			best, bits = r, pf.Bits()
		}
	}
	return best, bits >= 0
}

// exact returns the route of t whose destination is cidr.
func exact(t api.TableView, cidr string) api.RouteView {
	for _, r := range t.Routes {
		if r.Dst == cidr {
			return r
		}
	}
	return api.RouteView{}
}

// blackhole makes cidr a blackhole in table rtb and returns the function that repairs it: a static
// route to an attachment is replaced and later put back; otherwise a blackhole route is created and
// later deleted.
func (g *gateway) blackhole(ctx context.Context, rtb, cidr string, existing api.RouteView) (restore func() error, err error) {
	if existing.Dst == cidr && existing.Type == "static" && existing.AttachmentID != "" {
		if _, err := g.ec2.ReplaceTransitGatewayRoute(ctx, &ec2.ReplaceTransitGatewayRouteInput{
			TransitGatewayRouteTableId: aws.String(rtb), DestinationCidrBlock: aws.String(cidr), Blackhole: aws.Bool(true),
		}); err != nil {
			return nil, fmt.Errorf("ReplaceTransitGatewayRoute %s blackhole: %w", cidr, err)
		}
		return func() error {
			ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 20*time.Second)
			defer cancel()
			_, err := g.ec2.ReplaceTransitGatewayRoute(ctx, &ec2.ReplaceTransitGatewayRouteInput{
				TransitGatewayRouteTableId: aws.String(rtb), DestinationCidrBlock: aws.String(cidr), TransitGatewayAttachmentId: aws.String(existing.AttachmentID),
			})
			return err
		}, nil
	}
	if _, err := g.ec2.CreateTransitGatewayRoute(ctx, &ec2.CreateTransitGatewayRouteInput{
		TransitGatewayRouteTableId: aws.String(rtb), DestinationCidrBlock: aws.String(cidr), Blackhole: aws.Bool(true),
	}); err != nil {
		return nil, fmt.Errorf("CreateTransitGatewayRoute %s blackhole: %w", cidr, err)
	}
	return func() error {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 20*time.Second)
		defer cancel()
		_, err := g.ec2.DeleteTransitGatewayRoute(ctx, &ec2.DeleteTransitGatewayRouteInput{
			TransitGatewayRouteTableId: aws.String(rtb), DestinationCidrBlock: aws.String(cidr),
		})
		return err
	}, nil
}
