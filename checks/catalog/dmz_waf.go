package catalog

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/checks/hop"
	"github.com/netlab-dev/netlab/checks/report"
	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/probe"
	"github.com/netlab-dev/netlab/waf"
)

// The attacks dmz/waf sends: each in the query string of a GET for "/", as a scanner would.
var dmzAttacks = []struct{ name, query string }{
	{"an SQL injection", "id=1%27%20OR%20%271%27%3D%271"},
	{"a cross-site script", "q=%3Cscript%3Ealert(1)%3C%2Fscript%3E"},
}

// How long dmz/waf waits for the first clean answer (the members' ingress learn the check Ingress,
// the load balancer's health check admits them), and how often it asks meanwhile. Variables so
// that the fake lab's tests can shorten them.
var (
	dmzWarmUp = 60 * time.Second
	dmzEvery  = time.Second
)

// dmzLock is held exclusively by the checks that count the DMZ backends' requests.
const dmzLock = "dmz"

// dmzEntry is what a check through the DMZ starts from: the DMZ's client (the user), where its
// probes run, the WAF's rules-on URL, and the DMZ lock, held exclusively until unlock.
type dmzEntry struct {
	client *checks.Client
	from   checks.Where
	waf    string
	unlock func()
}

func enterDMZ(l checks.Lab, d *plan.DMZPlan) (dmzEntry, error) {
	client, err := l.ClientOn(d.Network)
	if err != nil {
		return dmzEntry{}, err
	}
	return dmzEntry{client: client, from: checks.InClient(client), waf: fmt.Sprintf("http://%s:%d/", d.WAF.Address, d.WAF.Port),
		unlock: l.Lock(dmzLock, true)}, nil
}

// dmz/waf (seed pattern 4): the DMZ's client, playing the user, sends through the WAF a clean
// request (answered by a member's backend, the WAF's hop recorded with the user's address) and
// two attacks (refused by the WAF with 403, counted blocked there, and the backend's request
// counter for the DMZ's Host does not move). Negative control: the same attack through the WAF's
// rules-off listener reaches the backend.
func dmzWAF() checks.Definition {
	return checks.Definition{
		ID: "dmz/waf",
		Targets: single(func(p *plan.Plan) string {
			if p.DMZ == nil {
				return "the scenario has no dmz section (a WAF in front of the DMZ load balancer, in a subnet of its own)"
			}
			return ""
		}),
		Hops: dmzWAFHops,
		Run: run(func(ctx context.Context, env *checks.Env, l checks.Lab, _ checks.Target, b *builder) report.Result {
			d := env.Plan.DMZ
			e, err := enterDMZ(l, d)
			if err != nil {
				return b.errorf("%v", err)
			}
			defer e.unlock()
			client, from, on := e.client, e.from, e.waf
			off := fmt.Sprintf("http://%s:%d/", d.WAF.Address, d.WAF.PortOff)
			counters := fmt.Sprintf("%s:%d", d.WAF.Address, d.WAF.PortCounters)
			host := d.LB.Host

			var first probe.Result
			var firstErr error
			if !poll(ctx, dmzWarmUp, dmzEvery, func() bool {
				first, firstErr = l.HTTP(ctx, from, on, host)
				return answered(first, firstErr)
			}) {
				b.add("a clean request through the WAF ("+on+", Host "+host+")", ingressSeen(first, firstErr), "answered by a backend behind the DMZ load balancer", false)
				return b.done("the DMZ does not answer")
			}
			b.add("a clean request passes the WAF and the DMZ load balancer", backendText(first), "answered by a backend of "+memberNames(d), isMember(d, first))
			wantHop := plan.WAFHop + "@" + client.IP
			b.add("the hop header the backend received", first.Server.HTTP.Hops, wantHop+" (the WAF, and the user's address it saw)", first.Server.HTTP.Hops == wantHop)

			before, err := l.WAFCounters(ctx, from, counters)
			if err != nil {
				return b.errorf("read the WAF's counters at %s: %v", counters, err)
			}
			for _, a := range dmzAttacks {
				r, err := l.HTTP(ctx, from, on+"?"+a.query, host)
				b.add(a.name+" through the WAF (rules on)", ingressSeen(r, err), "HTTP 403, not from a backend", !answered(r, err) && r.HTTPStatus == 403)
			}
			after, err := l.WAFCounters(ctx, from, counters)
			if err != nil {
				return b.errorf("read the WAF's counters at %s: %v", counters, err)
			}
			b.add("the WAF's counters for the rules-on listener", countDelta(before.On, after.On), fmt.Sprintf("blocked +%d, passed +0", len(dmzAttacks)),
				after.On.Blocked-before.On.Blocked == int64(len(dmzAttacks)) && after.On.Passed == before.On.Passed)

			// The backend that answered first counts requests for the DMZ's Host and "/": the next
			// clean request it answers must be the very next in its count.
			next, seen, ok := sameBackend(ctx, l, from, on, host, first, 3*len(d.LB.Members))
			if !ok {
				b.add("a clean request answered again by "+backendName(first), seen, "answered by the same backend, to read its request counter", false)
			} else {
				n0, n1 := first.Server.HTTP.Served, next.Server.HTTP.Served
				b.add("the request counter of "+backendName(first)+" for "+host+"/", fmt.Sprintf("%d, then %d", n0, n1), fmt.Sprintf("%d, then %d (the attacks never reached it)", n0, n0+1), n0 > 0 && n1 == n0+1)
			}

			// Negative control: the WAF's rules off.
			a := dmzAttacks[0]
			r, err := l.HTTP(ctx, from, off+"?"+a.query, host)
			reached := answered(r, err) && isMember(d, r) && r.Server.HTTP.Query == a.query
			seenOff := ingressSeen(r, err)
			if answered(r, err) {
				seenOff = fmt.Sprintf("%s saw the query %q", backendText(r), r.Server.HTTP.Query)
			}
			b.negative("the WAF's rules off (its second listener, :"+fmt.Sprint(d.WAF.PortOff)+")", reached, seenOff, a.name+" reaches a backend, query intact")
			return b.done(fmt.Sprintf("%s: %d attacks refused, clean requests answered by %s", d.WAF.Container, len(dmzAttacks), backendName(first)))
		}),
	}
}

// sameBackend sends clean requests (at most n) until the backend that answered first answers
// again; seen says what answered meanwhile.
func sameBackend(ctx context.Context, l checks.Lab, from checks.Where, url, host string, first probe.Result, n int) (probe.Result, string, bool) {
	var seen []string
	for range n {
		r, err := l.HTTP(ctx, from, url, host)
		if answered(r, err) && backendName(r) == backendName(first) && r.Server.HTTP != nil {
			return r, "", true
		}
		seen = append(seen, ingressSeen(r, err))
	}
	return probe.Result{}, strings.Join(seen, "; "), false
}

// backendName is the cluster/Pod that answered r.
func backendName(r probe.Result) string {
	if r.Server == nil {
		return "nothing"
	}
	return r.Server.Server.ClusterName + "/" + r.Server.Server.PodName
}

// backendText is who answered r and the source address it saw.
func backendText(r probe.Result) string {
	return fmt.Sprintf("HTTP %d from %s (source %s)", r.HTTPStatus, backendName(r), r.Server.RemoteIP)
}

// isMember reports whether r was answered by a backend of a cluster behind the DMZ's load balancer.
func isMember(d *plan.DMZPlan, r probe.Result) bool {
	if r.Server == nil || r.Server.HTTP == nil {
		return false
	}
	for _, m := range d.LB.Members {
		if m.Cluster == r.Server.Server.ClusterName {
			return true
		}
	}
	return false
}

func memberNames(d *plan.DMZPlan) string {
	var names []string
	for _, m := range d.LB.Members {
		names = append(names, m.Cluster)
	}
	return strings.Join(names, ", ")
}

// countDelta is how a WAF listener's counts changed.
func countDelta(a, b waf.Count) string {
	return fmt.Sprintf("blocked +%d, passed +%d", b.Blocked-a.Blocked, b.Passed-a.Passed)
}

func dmzWAFHops(x *hop.Context) []string {
	if x.Plan == nil || x.Plan.DMZ == nil {
		return []string{
			"user (the DMZ subnet's client) -> the WAF in the DMZ (Coraza, OWASP Core Rule Set), which inspects each request",
			"a request that matches an attack rule ends there (403); the backend never sees it",
			"a clean request -> the DMZ load balancer (a leg in the DMZ and in each member's subnet) -> a cluster's ingress LoadBalancer address -> its backend",
		}
	}
	d := x.Plan.DMZ
	var to []string
	for _, m := range d.LB.Members {
		to = append(to, fmt.Sprintf("%s's ingress %s (from its leg %s)", m.Cluster, m.Ingress, m.Address))
	}
	return []string{
		fmt.Sprintf("user %s (the DMZ subnet's client, %s) -> the WAF %s:%d (Coraza, OWASP Core Rule Set), which inspects each request", d.Client, d.CIDR, d.WAF.Address, d.WAF.Port),
		"a request that matches an attack rule ends there (403); the backend never sees it",
		fmt.Sprintf("a clean request, Host %s -> the DMZ load balancer %s:80 -> %s -> the pinned echo Pod", d.LB.Host, d.LB.Front.Address, strings.Join(to, " or ")),
	}
}
