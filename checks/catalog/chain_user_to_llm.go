package catalog

import (
	"context"
	"fmt"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/checks/hop"
	"github.com/netlab-dev/netlab/checks/live"
	"github.com/netlab-dev/netlab/checks/report"
	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/probe"
)

// The streamed answer the chain's last hop sends: chunks, this far apart. A stream that streams
// spreads them over at least half of (chunks-1) intervals; a buffering hop delivers them together.
const (
	chainChunks   = 5
	chainInterval = 300 * time.Millisecond
)

// How long chain/user-to-llm waits for the first whole answer (the LoadBalancer Services get
// their addresses, the ingress controllers learn the check Ingress), and how often it asks.
// Variables so that the fake lab's tests can shorten them.
var (
	chainWarmUp = 90 * time.Second
	chainEvery  = 2 * time.Second
)

// chainCrossing is a leg of the chain that crosses the transit gateway: from a Pod of From's
// cluster to Dst in another VPC, carried by table Table.
type chainCrossing struct {
	from  string
	dst   string
	table plan.RouteTablePlan
}

// chain/user-to-llm (seed pattern 4): the DMZ's client, playing the user, sends one request
// through the WAF and the DMZ load balancer that the chain's Pods relay along the chain (each to
// the next cluster's ingress address, or its HTTP LoadBalancer Service without one); the last
// answers as a stream. Evidence: every hop in order with the source it saw (the WAF the user's
// address; each Pod an address of its own cluster, its ingress or its nodes, never the Pod
// before), the TGW's packet counter on each leg that crosses it, the chunks spread over time.
// Negative control: the last crossing's destination blackholed on the TGW, the chain stops and
// the report names the hop before it.
func chainUserToLLM() checks.Definition {
	return checks.Definition{
		ID: "chain/user-to-llm",
		Targets: single(func(p *plan.Plan) string {
			switch {
			case p.DMZ == nil || len(p.DMZ.Chain) == 0:
				return "the scenario has no dmz.chain (the clusters a request from outside passes through after the DMZ, in order)"
			case !crossesTGW(p):
				return "the DMZ's chain crosses no transit gateway, and the path's TGW leg and its negative control need one"
			}
			return ""
		}),
		Hops: chainUserToLLMHops,
		Run: run(func(ctx context.Context, env *checks.Env, l checks.Lab, _ checks.Target, b *builder) report.Result {
			p := env.Plan
			d := p.DMZ
			e, err := enterDMZ(l, d)
			if err != nil {
				return b.errorf("%v", err)
			}
			defer e.unlock()
			client, from, entry := e.client, e.from, e.waf

			// Where each hop after the first is reached; the LoadBalancer Services get theirs at run time.
			var legs []probe.RelayLeg
			var crossings []chainCrossing
			var addrErr error
			if !poll(ctx, chainWarmUp, chainEvery, func() bool {
				legs, crossings, addrErr = chainLegs(ctx, p, l)
				return addrErr == nil
			}) {
				return b.errorf("%v", addrErr)
			}

			var r probe.Result
			var rerr error
			if !poll(ctx, chainWarmUp, chainEvery, func() bool {
				r, rerr = l.Chain(ctx, from, entry, d.LB.Host, legs)
				return answered(r, rerr)
			}) {
				b.add("the chain answers ("+chainText(d, legs)+")", chainSeen(r, rerr), "a streamed answer from "+d.Chain[len(d.Chain)-1].Cluster, false)
				return b.done("the chain does not answer")
			}

			// The TGW's counters around one more request: the one judged.
			unlockTGW := l.Lock("tgw", false)
			before := tgwPackets(ctx, l, crossings)
			r, rerr = l.Chain(ctx, from, entry, d.LB.Host, legs)
			after := tgwPackets(ctx, l, crossings)
			unlockTGW()
			if !answered(r, rerr) {
				b.add("the chain answers again", chainSeen(r, rerr), "a streamed answer", false)
				return b.done("the chain answered once, then not")
			}
			last := d.Chain[len(d.Chain)-1].Cluster
			b.add("the answer", backendText(r), "from a Pod of "+last, r.Server.Server.ClusterName == last)
			assertHops(b, p, client, r)
			for i, c := range crossings {
				b.add(fmt.Sprintf("TGW table %s: packets on the route carrying %s (%s -> %s)", c.table.Name, c.dst, c.from, c.dst), fmt.Sprintf("%s -> %s", before[i], after[i]), "grows", before[i].ok && after[i].ok && after[i].n > before[i].n)
			}
			s := r.Stream
			spread := 0.0
			if s != nil && len(s.AtMillis) > 1 {
				spread = s.AtMillis[len(s.AtMillis)-1] - s.AtMillis[0]
			}
			want := float64(chainChunks-1) * float64(chainInterval.Milliseconds()) / 2
			b.add("the streamed answer", streamText(s), fmt.Sprintf("%d chunks over at least %.0f ms (not held back by a hop)", chainChunks, want), s != nil && s.Chunks == chainChunks && spread >= want)

			// Negative control: the last crossing's destination blackholed on the TGW.
			x := crossings[len(crossings)-1]
			unlockTGW = l.Lock("tgw", true)
			defer unlockTGW()
			tv, err := l.TGWTable(ctx, x.table.Name)
			if err != nil {
				return b.errorf("%v", err)
			}
			restore, err := l.Blackhole(ctx, tv, x.dst+"/32")
			if err != nil {
				return b.errorf("%v", err)
			}
			time.Sleep(settle / 15)
			nr, nerr := l.Chain(ctx, from, entry, d.LB.Host, legs)
			rerr2 := restore()
			stop := nr.RelayStop
			named := stop != nil && strings.HasPrefix(stop.Hop, x.from+"/") && strings.Contains(stop.Leg.URL, "//"+x.dst)
			seenStop := chainSeen(nr, nerr)
			if stop != nil {
				seenStop = fmt.Sprintf("stopped at %s (source %s): %s: %s", stop.Hop, stop.From, stop.Leg.URL, stop.Error)
			}
			b.negative(fmt.Sprintf("blackhole %s/32 in TGW table %s (EC2 API)", x.dst, x.table.Name), named, seenStop, "the chain stops, and the report names a Pod of "+x.from+" and its leg to "+x.dst)
			if rerr2 != nil {
				return b.errorf("repair the TGW route %s/32: %v (run 'netlab up %s' to reconcile it)", x.dst, rerr2, p.Lab)
			}
			back := poll(ctx, 20*settle/15, settle/15, func() bool {
				r, err := l.Chain(ctx, from, entry, d.LB.Host, legs)
				return answered(r, err)
			})
			b.add("the chain answers again once the route is restored", fmt.Sprint(back), "true", back)
			return b.done(fmt.Sprintf("%s: %d chunks over %.0f ms", chainText(d, legs), chainChunks, spread))
		}),
	}
}

// crossesTGW reports whether two neighbours of the DMZ's chain are in different VPCs joined by the
// transit gateway.
func crossesTGW(p *plan.Plan) bool {
	if p.TransitGateway == nil {
		return false
	}
	ch := p.DMZ.Chain
	for i := 0; i+1 < len(ch); i++ {
		a, _ := p.Cluster(ch[i].Cluster)
		b, _ := p.Cluster(ch[i+1].Cluster)
		if a != nil && b != nil && a.VPC != b.VPC {
			return true
		}
	}
	return false
}

// chainLegs are the relay legs after the chain's first cluster (the last asks for the stream),
// and the legs that cross the TGW with the table that carries each.
func chainLegs(ctx context.Context, p *plan.Plan, l checks.Lab) ([]probe.RelayLeg, []chainCrossing, error) {
	ch := p.DMZ.Chain
	var legs []probe.RelayLeg
	var xs []chainCrossing
	for i := 1; i < len(ch); i++ {
		h := ch[i]
		addr, host := h.Ingress.String(), h.Host
		if !h.Ingress.IsValid() {
			svc, err := l.Service(ctx, h.Cluster, live.Namespace, live.SvcHTTPLB)
			if err != nil {
				return nil, nil, fmt.Errorf("cluster %s: %v", h.Cluster, err)
			}
			if addr = svc.LoadBalancerIP(); addr == "" {
				return nil, nil, fmt.Errorf("cluster %s: the %s Service has no LoadBalancer address", h.Cluster, live.SvcHTTPLB)
			}
		}
		u := "http://" + addr + "/"
		if i == len(ch)-1 {
			u += fmt.Sprintf("v1/generate?chunks=%d&intervalMs=%d", chainChunks, chainInterval.Milliseconds())
		}
		legs = append(legs, probe.RelayLeg{URL: u, Host: host})
		prev, _ := p.Cluster(ch[i-1].Cluster)
		this, _ := p.Cluster(h.Cluster)
		if prev != nil && this != nil && prev.VPC != this.VPC {
			rt, _, ok := tableFor(p, prev.VPC)
			if !ok {
				return nil, nil, fmt.Errorf("no TGW route table is associated with VPC %s's attachment", prev.VPC)
			}
			xs = append(xs, chainCrossing{from: prev.Name, dst: addr, table: rt})
		}
	}
	return legs, xs, nil
}

// assertHops adds the evidence of the hop header the last Pod received, and of the last Pod
// itself: the WAF first with the user's address, then a Pod of each cluster of the chain in order,
// each having seen its request come from its own cluster (its ingress controller's Pod, or a node
// that took the LoadBalancer address), never from the Pod before; and the proxies before each Pod
// (its X-Forwarded-For, "via"): before the first, the user (as the WAF saw it), the WAF (as the DMZ
// load balancer saw it) and an address of the cluster (as its ingress saw the load balancer,
// after kube-proxy); before one reached at its ingress, an address of its cluster; before one
// reached at a LoadBalancer Service, no proxy.
func assertHops(b *builder, p *plan.Plan, client *checks.Client, r probe.Result) {
	var hops []string
	if r.Server.HTTP != nil && r.Server.HTTP.Hops != "" {
		hops = strings.Split(r.Server.HTTP.Hops, ",")
	}
	xff := ""
	if r.Server.HTTP != nil {
		xff = r.Server.HTTP.XForwardedFor
	}
	hops = append(hops, probe.HopEntry(r.Server.Server.HopName(), r.Server.RemoteIP, xff))
	ch := p.DMZ.Chain
	want := len(ch) + 1
	b.add("hops recorded", strings.Join(hops, " -> "), fmt.Sprintf("%d: the WAF, then a Pod of %s", want, chainClusters(ch)), len(hops) == want)
	if len(hops) != want {
		return
	}
	b.add("hop 1", hops[0], plan.WAFHop+"@"+client.IP+" (the WAF saw the user)", hops[0] == plan.WAFHop+"@"+client.IP)
	for i, h := range ch {
		name, src, via := probe.ParseHopEntry(hops[i+1])
		c, _ := p.Cluster(h.Cluster)
		if c == nil {
			continue
		}
		inside := func(a string) bool { return insideCluster(p, *c, a) }
		ok := strings.HasPrefix(name, h.Cluster+"/") && inside(src)
		wantVia := "no proxy (a LoadBalancer Service)"
		switch {
		case i == 0:
			wantVia = fmt.Sprintf("via %s (the WAF saw it), %s (the DMZ load balancer saw the WAF), an address of %s (its ingress saw the load balancer)", client.IP, p.DMZ.WAF.Address, h.Cluster)
			ok = ok && len(via) == 3 && via[0] == client.IP && via[1] == p.DMZ.WAF.Address.String() && inside(via[2])
		case h.Ingress.IsValid():
			wantVia = fmt.Sprintf("via an address of %s (its ingress saw the Pod before through its LoadBalancer address)", h.Cluster)
			ok = ok && len(via) == 1 && inside(via[0])
		default:
			ok = ok && len(via) == 0
		}
		b.add(fmt.Sprintf("hop %d", i+2), hops[i+1], fmt.Sprintf("a Pod of %s that saw a source of %s (its ingress or its nodes), not the Pod before; %s", h.Cluster, h.Cluster, wantVia), ok)
	}
}

// insideCluster reports whether addr is one of cluster c's: in its Pod CIDR or its subnet.
func insideCluster(p *plan.Plan, c plan.ClusterPlan, addr string) bool {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return false
	}
	sub, _ := p.SubnetOf(c)
	return c.PodCIDR.Contains(a) || sub.CIDR.Contains(a)
}

// packets is a reading of a TGW route's packet counter; ok is false when it could not be read.
type packets struct {
	n  uint64
	ok bool
}

func (p packets) String() string {
	if !p.ok {
		return "?"
	}
	return fmt.Sprint(p.n)
}

// tgwPackets reads the packet counter of the route carrying each crossing's destination.
func tgwPackets(ctx context.Context, l checks.Lab, xs []chainCrossing) []packets {
	out := make([]packets, len(xs))
	for i, x := range xs {
		tv, err := l.TGWTable(ctx, x.table.Name)
		if err != nil {
			continue
		}
		if kr, ok := carrying(tv, x.dst); ok {
			out[i] = packets{n: kr.Packets, ok: true}
		}
	}
	return out
}

func chainClusters(ch []plan.ChainHop) string {
	var names []string
	for _, h := range ch {
		names = append(names, h.Cluster)
	}
	return strings.Join(names, ", ")
}

// chainText is the chain as the request travels it.
func chainText(d *plan.DMZPlan, legs []probe.RelayLeg) string {
	parts := []string{"WAF", "DMZ LB", d.Chain[0].Cluster}
	for i, leg := range legs {
		host := leg.URL
		if u, err := url.Parse(leg.URL); err == nil {
			host = u.Host
		}
		parts = append(parts, fmt.Sprintf("%s (%s)", d.Chain[i+1].Cluster, host))
	}
	return strings.Join(parts, " -> ")
}

// chainSeen is what a chain call showed when it did not answer.
func chainSeen(r probe.Result, err error) string {
	if s := r.RelayStop; s != nil {
		return fmt.Sprintf("stopped at %s (source %s): %s: %s", s.Hop, s.From, s.Leg.URL, s.Error)
	}
	return ingressSeen(r, err)
}

// streamText is how a streamed answer arrived.
func streamText(s *probe.StreamSeen) string {
	if s == nil {
		return "not streamed"
	}
	at := make([]string, len(s.AtMillis))
	for i, ms := range s.AtMillis {
		at[i] = fmt.Sprintf("%.0f", ms)
	}
	return fmt.Sprintf("%d of %d chunks at %s ms", s.Chunks, s.Of, strings.Join(at, "/"))
}

func chainUserToLLMHops(x *hop.Context) []string {
	if x.Plan == nil || x.Plan.DMZ == nil || len(x.Plan.DMZ.Chain) < 2 {
		return []string{
			"user -> WAF -> DMZ load balancer -> the Web cluster's ingress LoadBalancer address -> a Web Pod",
			"the Web Pod relays: -> the WAS cluster's ingress address in the same VPC (routed between subnets by the VPC router) -> a WAS Pod",
			"the WAS Pod relays: -> the GPU cluster's internal LoadBalancer address, across the transit gateway -> an inference Pod",
			"the inference Pod answers as a stream (Server-Sent Events), chunk after chunk back along the chain; each Pod appended itself and the source it saw to the hop header",
		}
	}
	p, d := x.Plan, x.Plan.DMZ
	h := []string{fmt.Sprintf("user %s -> WAF %s:%d -> DMZ load balancer %s -> %s's ingress %s -> a Pod of %s", d.Client, d.WAF.Address, d.WAF.Port, d.LB.Front.Address, d.Chain[0].Cluster, d.Chain[0].Ingress, d.Chain[0].Cluster)}
	for i := 1; i < len(d.Chain); i++ {
		prev, next := d.Chain[i-1].Cluster, d.Chain[i]
		at := fmt.Sprintf("%s's ingress %s (Host %s)", next.Cluster, next.Ingress, next.Host)
		if !next.Ingress.IsValid() {
			at = fmt.Sprintf("%s's HTTP LoadBalancer Service (an address of its MetalLB pool)", next.Cluster)
		}
		a, _ := p.Cluster(prev)
		b, _ := p.Cluster(next.Cluster)
		if a == nil || b == nil {
			continue
		}
		via := "routed inside VPC " + b.VPC
		if a.VPC != b.VPC {
			via = "across the transit gateway, VPC " + a.VPC + " -> " + b.VPC
		}
		h = append(h, fmt.Sprintf("the Pod of %s relays -> %s, %s -> a Pod of %s", prev, at, via, next.Cluster))
	}
	return append(h, "the last Pod answers as a stream (Server-Sent Events), chunk after chunk back along the chain; each Pod appended itself, the source it saw and the addresses its proxies saw to the hop header")
}
