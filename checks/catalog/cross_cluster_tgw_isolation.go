package catalog

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/checks/hop"
	"github.com/netlab-dev/netlab/checks/live"
	"github.com/netlab-dev/netlab/checks/report"
	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/tgw/api"
)

// cross-cluster/tgw-isolation: the TGW route tables keep a pair of clusters apart. The plan decides
// which pairs (plan.Reach, both directions: the way there through the client attachment's table,
// the way back through the server's, to the address the reply goes to). Evidence: a probe Pod of
// From calls a probe Pod of To and gets no answer (refused or timed out; any other failure proves
// nothing and makes the check an error), and the counter of the TGW route that stops the first
// blocked leg grows: the blackhole, the route to another attachment, or the table's unrouted count,
// in the forward table when the way there is closed, else in the return table. Negative control:
// each blocked part is pointed at the attachment it must reach through the EC2 API
// (CreateTransitGatewayRoute, or ReplaceTransitGatewayRoute where a static route for exactly that
// CIDR exists); the pair must then connect; the routes are put back, and the pair must be apart again.
func crossClusterTGWIsolation() checks.Definition {
	return checks.Definition{
		ID:      "cross-cluster/tgw-isolation",
		Targets: tgwIsolationTargets,
		Hops:    crossClusterTGWIsolationHops,
		Run:     run(tgwIsolation),
	}
}

// tgwIsolationTargets are the pairs the route tables keep apart entirely (plan.Reach: Blocked).
func tgwIsolationTargets(p *plan.Plan) ([]checks.Target, string) {
	if p.TransitGateway == nil {
		return nil, "the scenario has no transit gateway"
	}
	ts, _ := pairs(p, isolated)
	if len(ts) == 0 {
		return nil, "the transit gateway's route tables keep no pair of clusters apart (plan.Reach: every attached pair answers both ways, or is only partly blocked)"
	}
	return ts, ""
}

func tgwIsolation(ctx context.Context, env *checks.Env, l checks.Lab, t checks.Target, b *builder) report.Result {
	pr, found := env.Plan.Reach(t.From, t.To)
	if !found || !pr.Pod.Isolated() || len(pr.Pod.Blocks) == 0 {
		return b.errorf("the plan does not keep %s and %s apart (plan.Reach: %s); this target is not an isolated pair", t.From, t.To, pr.String())
	}
	reach := pr.Pod
	from, to, err := pair(l, t)
	if err != nil {
		return b.errorf("%v", err)
	}
	if len(from.Nodes) == 0 || len(to.Nodes) == 0 {
		return b.errorf("cluster %s or %s has no nodes in the lab", from.Plan.Name, to.Plan.Name)
	}
	cli := from.Probe[from.Nodes[0].Name]
	srv := to.Probe[to.Nodes[len(to.Nodes)-1].Name]
	if cli.IP == "" || srv.IP == "" {
		return b.errorf("no probe Pod on %s or %s; run 'netlab check' again once the probe DaemonSets are ready", from.Nodes[0].Name, to.Nodes[len(to.Nodes)-1].Name)
	}
	target := hostPort(srv.IP, live.PortTCP)
	call := fmt.Sprintf("%s (%s) -> %s in %s", cli.Name, cli.IP, target, to.Plan.Name)

	// Alone on the TGW: the counters must move only for this call, and the control changes routes.
	unlock := l.Lock("tgw", true)
	defer unlock()

	first := reach.Blocks[0] // forward blocks come first: the first is where the packets stop
	if first.Table == "" {
		r, err := l.TCP(ctx, from.InPod(cli), target)
		b.add(call, seen(r, err), "no answer (refused or timed out)", b.silent("the isolated call", r, err))
		return b.skip(fmt.Sprintf("the pair is kept apart before the TGW (%s); netlab has no counter there and its EC2 API does not change VPC route tables, so neither the drop nor the control can be shown", first))
	}
	addr := srv.IP
	if first.Direction == plan.Return {
		addr = replyAddress(from, cli)
	}
	before, berr := dropCounter(ctx, l, first, addr)
	r, err := l.TCP(ctx, from.InPod(cli), target)
	after, aerr := dropCounter(ctx, l, first, addr)
	b.add(call, seen(r, err), "no answer (refused or timed out)", b.silent("the isolated call", r, err))
	counterName := fmt.Sprintf("TGW table %s, %s leg: packets on %s (the drop of %s)", first.Table, first.Direction, describeDrop(before), addr)
	if berr != nil || aerr != nil {
		b.add(counterName, fmt.Sprintf("unreadable: %v %v", berr, aerr), "grows", false)
	} else {
		b.add(counterName, fmt.Sprintf("%d -> %d", before.Packets, after.Packets), "grows", after.Packets > before.Packets)
	}

	// Negative control: open every blocked part, see the pair connect, put the routes back.
	restore, opened, err := openBlocks(ctx, l, reach.Blocks)
	if err != nil {
		if rerr := restore(); rerr != nil {
			return b.errorf("%v; and putting the TGW routes back failed: %v (run 'netlab up %s' to reconcile them)", err, rerr, env.Plan.Lab)
		}
		return b.errorf("%v", err)
	}
	var got string
	connected := poll(ctx, 20*settle/15, settle/15, func() bool {
		r, err := l.TCP(ctx, from.InPod(cli), target)
		got = seen(r, err)
		return answered(r, err) && r.Server.Server.PodIP == srv.IP
	})
	if rerr := restore(); rerr != nil {
		return b.errorf("put the TGW routes back (%s): %v (run 'netlab up %s' to reconcile them)", strings.Join(opened, "; "), rerr, env.Plan.Lab)
	}
	b.negative("routes opened through the EC2 API: "+strings.Join(opened, "; "), connected, got, "an answer from "+srv.Name+" ("+srv.IP+")")
	time.Sleep(settle / 15) // the routes are back
	ar, aerr2 := l.TCP(ctx, from.InPod(cli), target)
	b.add("once the routes are put back: "+call, seen(ar, aerr2), "no answer (refused or timed out)", b.silent("the call after the routes were put back", ar, aerr2))
	return b.done(fmt.Sprintf("%s -> %s kept apart: %s", from.Plan.Name, to.Plan.Name, first))
}

// replyAddress is where the server's replies go: the client Pod's IP when its cluster preserves
// it towards other VPCs, else its node's IP.
func replyAddress(from *checks.Cluster, cli checks.Pod) string {
	if checks.CrossClusterSource(from.Plan) == checks.SourcePodIP {
		return cli.IP
	}
	n, _ := from.Node(cli.Node)
	return n.IP
}

// dropCounter is the TGW route whose counter shows the drop that blk describes, for a packet to
// addr: the table's unrouted count when it has no route, else the route carrying addr (the
// blackhole, or the route to another attachment).
func dropCounter(ctx context.Context, l checks.Lab, blk plan.Block, addr string) (api.RouteView, error) {
	tv, err := l.TGWTable(ctx, blk.Table)
	if err != nil {
		return api.RouteView{}, err
	}
	if blk.Reason == plan.NoRoute {
		for _, r := range tv.Routes {
			if r.Type == "unrouted" {
				return r, nil
			}
		}
		return api.RouteView{}, fmt.Errorf("TGW table %s reports no unrouted counter", blk.Table)
	}
	r, ok := carrying(tv, addr)
	if !ok {
		return api.RouteView{}, fmt.Errorf("TGW table %s has no route carrying %s, the plan expects %s (%s)", blk.Table, addr, blk.Route, blk.Reason)
	}
	if blk.Reason == plan.BlackholeRoute && !r.Blackhole {
		return r, fmt.Errorf("TGW table %s carries %s by %s to %s, not by the blackhole %s the plan expects", blk.Table, addr, r.Dst, orText(r.AttachmentID, "?"), blk.Route)
	}
	return r, nil
}

func describeDrop(r api.RouteView) string {
	switch {
	case r.Type == "unrouted":
		return "no route (the table's unrouted count)"
	case r.Blackhole:
		return r.Dst + " blackhole"
	case r.Dst == "":
		return "the blocking route"
	}
	return r.Dst + " to " + r.AttachmentID
}

// openBlocks points each blocked part at the attachment it must reach, once per table and CIDR. It
// returns the repair of everything it changed (in reverse order; safe to call after an error) and
// what it opened.
func openBlocks(ctx context.Context, l checks.Lab, blocks []plan.Block) (restore func() error, opened []string, err error) {
	var undo []func() error
	restore = func() error {
		var errs []string
		for i := len(undo) - 1; i >= 0; i-- {
			if err := undo[i](); err != nil {
				errs = append(errs, err.Error())
			}
		}
		undo = nil
		if len(errs) > 0 {
			return fmt.Errorf("%s", strings.Join(errs, "; "))
		}
		return nil
	}
	done := map[string]bool{}
	for _, blk := range blocks {
		key := blk.Table + "|" + blk.Destination
		if done[key] {
			continue
		}
		done[key] = true
		if blk.Table == "" {
			return restore, opened, fmt.Errorf("the %s leg is blocked in VPC %s's route table (%s), which the TGW's EC2 API does not change", blk.Direction, blk.VPC, blk)
		}
		if _, perr := netip.ParsePrefix(blk.Destination); perr != nil {
			return restore, opened, fmt.Errorf("the blocked part %s of the %s leg is not one CIDR, so no single route opens it", blk.Destination, blk.Direction)
		}
		tv, err := l.TGWTable(ctx, blk.Table)
		if err != nil {
			return restore, opened, err
		}
		u, err := l.RouteTo(ctx, tv, blk.Destination, blk.Toward)
		if err != nil {
			return restore, opened, fmt.Errorf("open %s in TGW table %s toward %s: %w", blk.Destination, blk.Table, blk.Toward, err)
		}
		undo = append(undo, u)
		opened = append(opened, fmt.Sprintf("%s %s -> %s in table %s", blk.Direction, blk.Destination, blk.Toward, blk.Table))
	}
	return restore, opened, nil
}

func crossClusterTGWIsolationHops(x *hop.Context) []string {
	dst := "<a Pod IP in the server cluster>"
	if x.D != nil {
		dst = x.D.PodCIDR.String()
	}
	h := []string{"the client, " + hop.Pod(x.NodeA) + ", -> a Pod of cluster " + x.DName() + " (" + dst + ")"}
	h = append(h, x.TGWHops(dst)...)
	return append(h, "a blackhole or a missing route drops the packet at the TGW, counted on that route (or the table's unrouted count); a route to the server's attachment carries it on, and the way back decides (below)")
}
