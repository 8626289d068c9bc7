package catalog

import (
	"context"
	"fmt"
	"time"

	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/checks/live"
	"github.com/netlab-dev/netlab/checks/report"
	"github.com/netlab-dev/netlab/probe"
)

// pair resolves a cross-cluster target's From and To clusters.
func pair(l checks.Lab, t checks.Target) (*checks.Cluster, *checks.Cluster, error) {
	from, err := cluster(l, t.From)
	if err != nil {
		return nil, nil, err
	}
	to, err := cluster(l, t.To)
	return from, to, err
}

// crossTGW runs a cross-VPC call through the TGW with its counter evidence and the blackhole
// negative control; breakCIDR is what the control blackholes. It serves both TGW paths
// (cross_cluster_tgw_pod.go, cross_cluster_tgw_internal_lb.go).
func crossTGW(ctx context.Context, env *checks.Env, l checks.Lab, b *builder, from, to *checks.Cluster, dst, breakCIDR string, assert func(probe.Result, checks.Pod)) report.Result {
	rt, _, ok := tableFor(env.Plan, from.Plan.VPC)
	if !ok {
		return b.errorf("no TGW route table is associated with VPC %s's attachment", from.Plan.VPC)
	}
	route, ok := routeFor(rt, dst)
	if !ok {
		return b.errorf("TGW route table %s has no route for %s", rt.Name, dst)
	}
	b.add("plan: TGW route for "+dst, route.CIDR.String()+" "+route.Type+" -> "+orText(route.Attachment, "blackhole"), "a route to "+to.Plan.VPC, route.Attachment != "" && !route.Blackhole)
	cli := from.Probe[from.Nodes[0].Name]
	target := hostPort(dst, live.PortTCP)

	unlock := l.Lock("tgw", false)
	_, _ = tcpSettled(ctx, l, from.InPod(cli), target) // waits for the path to settle; the TCP call below is what is judged
	tv, terr := l.TGWTable(ctx, rt.Name)
	kr, _ := carrying(tv, dst)
	r, err := l.TCP(ctx, from.InPod(cli), target)
	for i := 0; i < 2; i++ {
		_, _ = l.TCP(ctx, from.InPod(cli), target) // more traffic for the counters; r above is the one judged
	}
	tv2, terr2 := l.TGWTable(ctx, rt.Name)
	kr2, _ := carrying(tv2, dst)
	unlock()
	b.add(fmt.Sprintf("%s (%s) -> %s", cli.Name, cli.IP, target), seen(r, err), "an answer through the TGW", answered(r, err))
	if terr != nil || terr2 != nil || kr.Dst == "" {
		b.add("TGW route counter", fmt.Sprintf("%v %v (route %q)", terr, terr2, kr.Dst), "readable", false)
	} else {
		what := kr.Dst + " " + kr.Type
		if kr.Via != "" {
			what += " via node " + kr.Via
		}
		b.add(fmt.Sprintf("TGW table %s (%s): packets on the route carrying %s (%s)", rt.Name, tv.RouteTableID, dst, what),
			fmt.Sprintf("%d -> %d", kr.Packets, kr2.Packets), "grows", kr2.Packets > kr.Packets)
	}
	if answered(r, err) {
		assert(r, cli)
	}
	if env.Perf && answered(r, err) {
		measure(ctx, l, b, from.InPod(cli), target)
	}

	// Negative control, alone on the TGW.
	unlock = l.Lock("tgw", true)
	defer unlock()
	tv, err = l.TGWTable(ctx, rt.Name)
	if err != nil {
		return b.errorf("%v", err)
	}
	restore, err := l.Blackhole(ctx, tv, breakCIDR)
	if err != nil {
		return b.errorf("%v", err)
	}
	time.Sleep(settle / 15) // the blackhole is installed
	nr, nerr := l.TCP(ctx, from.InPod(cli), target)
	rerr := restore()
	b.negative(fmt.Sprintf("blackhole %s in TGW table %s (EC2 API)", breakCIDR, rt.Name), b.silent("while the route is blackholed", nr, nerr), seen(nr, nerr), "no answer (refused or timed out)")
	if rerr != nil {
		return b.errorf("repair the TGW route %s: %v (run 'netlab up %s' to reconcile it)", breakCIDR, rerr, env.Plan.Lab)
	}
	back := poll(ctx, 20*settle/15, settle/15, func() bool { r, err := l.TCP(ctx, from.InPod(cli), target); return answered(r, err) })
	b.add("answers again once the route is restored", fmt.Sprint(back), "true", back)
	return b.done(fmt.Sprintf("%s/%s -> %s/%s via TGW table %s route %s", from.Plan.Name, cli.IP, to.Plan.Name, dst, rt.Name, route.CIDR))
}
