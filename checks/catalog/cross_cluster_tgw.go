package catalog

import (
	"context"
	"fmt"
	"time"

	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/checks/live"
	"github.com/netlab-dev/netlab/checks/probe"
	"github.com/netlab-dev/netlab/checks/report"
)

// cross-cluster/tgw-pod: a probe Pod in cluster From calls a probe Pod IP in cluster To. The
// packets leave the client node by the VPC route table to the TGW, which forwards them by the route
// table associated with From's attachment, to the node of To that owns the Pod range. Evidence: the
// TGW's counter on that route grows; the server sees TTL 61 (client node, TGW, server node); the
// source it sees is the client Pod IP under crossClusterSource preserve, or the client's node IP
// under masquerade. Negative control: the route to To's Pod range blackholed through the EC2 API
// (ReplaceTransitGatewayRoute, or CreateTransitGatewayRoute where no static route exists) stops
// the path; putting the route back restores it. Deleting the static /18 alone would not: the
// propagated VPC /16 still reaches the nodes, which the TGW knows from the VPC route table.
//
// cross-cluster/tgw-internal-lb: the same client calls the LoadBalancer address of To's
// externalTrafficPolicy Cluster Service (an internal address of VPC To from MetalLB's pool), which
// MetalLB answers for on To's network. Negative control: a /32 blackhole for that address.
func init() {
	register("cross-cluster/tgw-pod", func(ctx context.Context, env *checks.Env, l *live.Lab, t checks.Target, b *builder) report.Result {
		from, to, err := pair(l, t)
		if err != nil {
			return b.errorf("%v", err)
		}
		srv := to.Probe[to.Nodes[len(to.Nodes)-1].Name]
		return crossTGW(ctx, env, l, b, from, to, srv.IP, to.Plan.PodCIDR, func(r probe.Result, cli live.Pod) {
			node, _ := from.Node(cli.Node)
			want := checks.CrossClusterSource(from.Plan)
			ip := node.IP
			if want == checks.SourcePodIP {
				ip = cli.IP
			}
			b.add("server in "+to.Plan.Name+" saw", r.Server.RemoteIP, fmt.Sprintf("%s %s (crossClusterSource %s)", want, ip, from.Plan.CNI.CrossClusterSource), r.Server.RemoteIP == ip)
			ttlEvidence(b, r, checks.TTLSeen(checks.CrossClusterHops(from.Plan, to.Plan)), "client node, TGW, server node")
		})
	})

	register("cross-cluster/tgw-internal-lb", func(ctx context.Context, env *checks.Env, l *live.Lab, t checks.Target, b *builder) report.Result {
		from, to, err := pair(l, t)
		if err != nil {
			return b.errorf("%v", err)
		}
		var e *extService
		poll(ctx, 60*time.Second, 2*time.Second, func() bool {
			e, err = external(ctx, l, to, live.SvcCluster)
			return err == nil && e.lbIP() != ""
		})
		if err != nil || e.lbIP() == "" {
			return b.errorf("cluster %s: the LoadBalancer Service has no address: %v", to.Plan.Name, err)
		}
		ip := e.lbIP()
		b.add("LB address from "+to.Plan.Name+"'s pool", ip, fmt.Sprint(to.Plan.MetalLB.Addresses), InPool(ip, to.Plan.MetalLB.Addresses))
		return crossTGW(ctx, env, l, b, from, to, ip, ip+"/32", func(r probe.Result, cli live.Pod) {
			b.add("the backend in "+to.Plan.Name+" answered", r.Server.Server.ClusterName+"/"+r.Server.Server.PodName, to.Plan.Name+"/"+live.DeployPinned+"-…", r.Server.Server.ClusterName == to.Plan.Name)
		})
	})
}

func pair(l *live.Lab, t checks.Target) (*live.Cluster, *live.Cluster, error) {
	from, err := cluster(l, t.From)
	if err != nil {
		return nil, nil, err
	}
	to, err := cluster(l, t.To)
	return from, to, err
}

// crossTGW runs a cross-VPC call through the TGW with its counter evidence and the blackhole
// negative control. breakCIDR is what the control blackholes.
func crossTGW(ctx context.Context, env *checks.Env, l *live.Lab, b *builder, from, to *live.Cluster, dst, breakCIDR string, assert func(probe.Result, live.Pod)) report.Result {
	gw, err := gatewayOf(l)
	if err != nil {
		return b.errorf("%v", err)
	}
	rt, _, ok := tableFor(l.Plan, from.Plan.VPC)
	if !ok {
		return b.errorf("no TGW route table is associated with VPC %s's attachment", from.Plan.VPC)
	}
	route, ok := routeFor(rt, dst)
	if !ok {
		return b.errorf("TGW route table %s has no route for %s", rt.Name, dst)
	}
	b.add("plan: TGW route for "+dst, route.CIDR+" "+route.Type+" -> "+orText(route.Attachment, "blackhole"), "a route to "+to.Plan.VPC, route.Attachment != "" && !route.Blackhole)
	cli := from.Probe[from.Nodes[0].Name]
	target := hostPort(dst, live.PortTCP)

	unlock := l.Lock("tgw", false)
	tcpSettled(ctx, l, from.InPod(cli), target)
	tv, terr := gw.table(ctx, l.Plan, rt.Name)
	kr, _ := carrying(tv, dst)
	r, err := l.TCP(ctx, from.InPod(cli), target)
	for i := 0; i < 2; i++ {
		l.TCP(ctx, from.InPod(cli), target)
	}
	tv2, terr2 := gw.table(ctx, l.Plan, rt.Name)
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
	tv, err = gw.table(ctx, l.Plan, rt.Name)
	if err != nil {
		return b.errorf("%v", err)
	}
	existing := exact(tv, breakCIDR)
	restore, err := gw.blackhole(ctx, tv.RouteTableID, breakCIDR, existing)
	if err != nil {
		return b.errorf("%v", err)
	}
	time.Sleep(time.Second)
	nr, nerr := l.TCP(ctx, from.InPod(cli), target)
	rerr := restore()
	b.negative(fmt.Sprintf("blackhole %s in TGW table %s (EC2 API)", breakCIDR, rt.Name), !answered(nr, nerr), seen(nr, nerr), "no answer")
	if rerr != nil {
		return b.errorf("repair the TGW route %s: %v (run 'netlab up %s' to reconcile it)", breakCIDR, rerr, l.Plan.Lab)
	}
	back := poll(ctx, 20*time.Second, time.Second, func() bool { r, err := l.TCP(ctx, from.InPod(cli), target); return answered(r, err) })
	b.add("answers again once the route is restored", fmt.Sprint(back), "true", back)
	return b.done(fmt.Sprintf("%s/%s -> %s/%s via TGW table %s route %s", from.Plan.Name, cli.IP, to.Plan.Name, dst, rt.Name, route.CIDR))
}
