package catalog

import (
	"context"
	"fmt"
	"time"

	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/checks/hop"
	"github.com/netlab-dev/netlab/checks/report"
	"github.com/netlab-dev/netlab/egress"
	"github.com/netlab-dev/netlab/plan"
)

// lab/hermetic: nothing of the lab leaves the machine unless the scenario allows it.
//   - The host's egress guard (package egress) is installed and its last hook has counted no packet
//     that got past it: 0 left the machine since 'up'.
//   - Unless dns.upstream: a probe Pod asks its CoreDNS for a name outside the lab and gets NXDOMAIN
//     within outsideNameWait, and the guard refused no DNS query meanwhile (the answer came from the
//     lab, not from a forwarder whose query the guard stopped).
//   - Negative control: the Pod sends one datagram to egress.Canary, outside every lab. The guard
//     must see it and refuse it (its refused counter grows), and nothing may reach the backstop
//     behind it.
func labHermetic() checks.Definition {
	return checks.Definition{
		ID: "lab/hermetic",
		Targets: func(p *plan.Plan) ([]checks.Target, string) {
			if !p.Outside.Guarded() {
				return nil, "the scenario sets 'egress: allow': the lab may reach the outside on purpose and no guard keeps it in"
			}
			if len(p.Clusters) == 0 {
				return nil, "the scenario has no cluster"
			}
			return []checks.Target{{Cluster: p.Clusters[0].Name}}, ""
		},
		Hops: labHermeticHops,
		Run: inCluster(func(ctx context.Context, env *checks.Env, l checks.Lab, c *checks.Cluster, b *builder) report.Result {
			table := egress.TableName(env.Plan.Lab)
			before, err := l.EgressGuard(ctx)
			if err != nil {
				return b.errorf("read the egress guard: %v", err)
			}
			if !b.add("egress guard on the host", installed(before.Installed, table), "table "+table, before.Installed) {
				return b.done("the lab's egress guard is not installed; run 'netlab up " + env.Plan.Lab + "'")
			}
			b.add("packets that got past the guard since up", fmt.Sprint(before.Escaped.Packets), "0", before.Escaped.Packets == 0)
			pod := c.Probe[c.Nodes[0].Name]
			w := c.InPod(pod)
			if !env.Plan.Outside.DNSUpstream {
				dns, err := kubeDNS(ctx, l, c)
				if err != nil {
					return b.errorf("%v", err)
				}
				r, err := l.DNS(ctx, w, dns.ClusterIP, outsideName)
				// The probe's own clock, in the Pod: the exec that carries the question (seconds
				// on a loaded host) is no part of how fast the lab answered.
				took := time.Duration(r.RTTMillis * float64(time.Millisecond))
				after, rerr := l.EgressGuard(ctx)
				if rerr != nil {
					return b.errorf("read the egress guard: %v", rerr)
				}
				obs := fmt.Sprintf("nxdomain=%v answers=%v in %v", r.NXDomain, r.Answers, took.Round(time.Millisecond))
				if err != nil && !r.NXDomain {
					obs += " " + truncate(err.Error(), 100)
				}
				b.add(outsideName+" asked in "+c.Plan.Name, obs, fmt.Sprintf("NXDOMAIN from the lab within %v", outsideNameWait),
					r.NXDomain && len(r.Answers) == 0 && took <= outsideNameWait)
				dq := after.DNS.Since(before.DNS).Packets
				b.add("DNS queries the guard refused meanwhile", fmt.Sprint(dq), "0 (no query tried to leave)", dq == 0)
				before = after
			}
			if err := l.Canary(ctx, w); err != nil {
				return b.errorf("the canary could not be sent from %s: %v", w, err)
			}
			var after egress.Counters
			poll(ctx, canaryWait, canaryWait/10, func() bool {
				after, err = l.EgressGuard(ctx)
				return err == nil && after.Canary.Since(before.Canary).Packets > 0 && after.Refused.Since(before.Refused).Packets > 0
			})
			if err != nil {
				return b.errorf("read the egress guard: %v", err)
			}
			seen, refused := after.Canary.Since(before.Canary), after.Refused.Since(before.Refused)
			past, escaped := after.Backstop.Since(before.Backstop), after.Escaped.Since(before.Escaped)
			b.negative(fmt.Sprintf("a probe Pod of %s sent one datagram to %s:%d, outside the lab", c.Plan.Name, egress.Canary, egress.CanaryPort),
				seen.Packets >= 1 && refused.Packets >= 1 && past.Packets == 0 && escaped.Packets == 0,
				fmt.Sprintf("seen by the guard %d, refused %d, past the guard %d", seen.Packets, refused.Packets, past.Packets+escaped.Packets),
				"seen ≥1, refused ≥1, past the guard 0")
			return b.done(fmt.Sprintf("table %s: %s", table, after.Summary()))
		}),
	}
}

// outsideName is a name no lab owns (example.com is reserved for documentation, RFC 2606).
const outsideName = "netlab-hermetic-check.example.com"

// outsideNameWait bounds the NXDOMAIN answer as the probe timed it in the Pod: the lab answers at
// once; a forwarder whose query the guard refused would take its own timeout (seconds) first.
var outsideNameWait = 2 * time.Second

// canaryWait is how long the check waits for the guard's counters to show the canary.
var canaryWait = 3 * time.Second

func installed(ok bool, table string) string {
	if ok {
		return "table " + table
	}
	return "none"
}

func labHermeticHops(x *hop.Context) []string {
	table, upstream := egress.TableName("<lab>"), false
	if x.Plan != nil {
		table, upstream = egress.TableName(x.Plan.Lab), x.Plan.Outside.DNSUpstream
	}
	hops := []string{
		"a packet from a Pod or a node to an address outside the lab leaves the node by its default route, to the Docker host (the VPC network's gateway)",
		"the host's forward hook, table " + table + " chain forward (priority -10, before Docker's rules): source in the lab's ranges, destination outside them: counted and refused with ICMP administratively prohibited",
		"the postrouting chain behind it counts and drops anything that got past (and the canary " + egress.Canary.String() + " always): the 'left the machine' figure must stay 0",
	}
	if upstream {
		return append(hops, "dns.upstream: CoreDNS forwards names outside the lab to the node's resolver, and the guard lets DNS (port 53) out")
	}
	return append(hops, "CoreDNS answers names outside cluster.local and the lab's zones NXDOMAIN itself (template plugin): no query is forwarded")
}
