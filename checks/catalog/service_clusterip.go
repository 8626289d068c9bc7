package catalog

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/checks/hop"
	"github.com/netlab-dev/netlab/checks/live"
	"github.com/netlab-dev/netlab/checks/report"
)

// service/clusterip: a probe Pod calls the echo Service's ClusterIP several times. Replies must come
// from the echo Pods' own IPs and from more than one of them; the client node's conntrack must show
// the ClusterIP DNATed to a backend; and the node must hold the Service rules of the kube-proxy
// mode in use (the iptables KUBE-SVC chain of this very Service, its chain in the nftables
// kube-proxy table, or its IPVS virtual server with the backends as real servers) and not the
// other modes' (asserted only where they were read; see serviceRuleEvidence). Negative control: the backend scaled to 0, the
// ClusterIP stops answering; scaled back, it answers again.
func serviceClusterIP() checks.Definition {
	return checks.Definition{
		ID:      "service/clusterip",
		Targets: everyCluster,
		Hops:    serviceClusterIPHops,
		Run: inCluster(func(ctx context.Context, env *checks.Env, l checks.Lab, c *checks.Cluster, b *builder) report.Result {
			unlock := l.Lock(c.Plan.Name+"/"+live.DeployEcho, true)
			defer unlock()
			svc, err := l.Service(ctx, c.Plan.Name, live.Namespace, live.SvcEcho)
			if err != nil {
				return b.errorf("%v", err)
			}
			vip := svc.ClusterIP
			backends, err := runningPods(ctx, l, c, live.DeployEcho)
			if err != nil {
				return b.errorf("%v", err)
			}
			var ips []string
			for _, p := range backends {
				ips = append(ips, p.IP)
			}
			from := c.Nodes[0]
			cli := c.InPod(c.Probe[from.Name])
			seenIPs := map[string]int{}
			answers := 0
			for i := 0; i < 10; i++ {
				r, err := l.TCP(ctx, cli, hostPort(vip, live.PortTCP))
				if answered(r, err) {
					answers++
					seenIPs[r.Server.LocalIP]++ // the address the backend accepted on, after the DNAT
				}
			}
			var got []string
			allBackends := true
			for ip, n := range seenIPs {
				got = append(got, fmt.Sprintf("%s×%d", ip, n))
				allBackends = allBackends && slices.Contains(ips, ip)
			}
			sort.Strings(got)
			b.add("ClusterIP "+vip+" answers", fmt.Sprintf("%d of 10", answers), "10 of 10", answers == 10)
			b.add("replies come from backend Pod IPs", strings.Join(got, " "), "in "+strings.Join(ips, ","), answers > 0 && allBackends)
			// The deployment runs two replicas: both must have answered, each at its own address.
			b.add("more than one backend answered", fmt.Sprint(len(seenIPs)), fmt.Sprintf("≥ %d (%s runs %d)", echoReplicas, live.DeployEcho, echoReplicas), len(seenIPs) >= echoReplicas)

			if c.Plan.KubeProxyMode != "none" {
				cts, err := l.Conntrack(ctx, c.OnNode(from.Name), vip, live.PortTCP, "tcp")
				dnat := ""
				for _, e := range cts {
					if e.DNAT && slices.Contains(ips, e.ReplySrc) {
						dnat = fmt.Sprintf("%s:%d -> %s:%d", e.OrigDst, e.OrigDport, e.ReplySrc, e.ReplySport)
						break
					}
				}
				b.add("conntrack on "+from.Name+": ClusterIP DNATed to a backend", orText(dnat, fmt.Sprintf("%d DNAT entries %s", len(cts), errText(err))), vip+" -> a backend Pod", dnat != "")
			}
			rules, err := l.KubeProxy(ctx, c.OnNode(from.Name))
			if err == nil && c.Plan.KubeProxyMode == "none" {
				rules.Cilium, rules.CiliumServices = ciliumObservation(ctx, l, c.Plan.Name, from.Name, vip)
			}
			var notObserved []string
			if err != nil {
				b.add("kube-proxy rules on "+from.Name, truncate(err.Error(), 160), "read", false)
			} else {
				notObserved = serviceRuleEvidence(b, c, rules, vip, ips)
			}
			if env.Perf && answers > 0 {
				measure(ctx, l, b, cli, hostPort(vip, live.PortTCP))
			}

			// Negative control: no backend, no answer.
			scale := func(n int32) error { return l.Scale(ctx, c.Plan.Name, live.DeployEcho, n) }
			if err := scale(0); err != nil {
				return b.errorf("scale %s to 0: %v", live.DeployEcho, err)
			}
			scaledBack := false
			defer func() {
				// The check ended (or ran out of time) with the backends gone: put them back with a
				// context of its own, so that the next check finds the Service as it was.
				if !scaledBack {
					rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
					defer cancel()
					if l.Scale(rctx, c.Plan.Name, live.DeployEcho, echoReplicas) == nil {
						_ = l.WaitDeployment(rctx, c.Plan.Name, live.DeployEcho, 2*time.Minute) // best effort: the check has already ended
					}
				}
			}()
			poll(ctx, 60*time.Second, time.Second, func() bool { ps, _ := l.Pods(ctx, c.Plan.Name, live.DeployEcho); return len(ps) == 0 })
			r, nerr := l.TCP(ctx, cli, hostPort(vip, live.PortTCP))
			b.negative(live.DeployEcho+" scaled to 0", b.silent("the ClusterIP without backends", r, nerr), seen(r, nerr), "no answer (refused or timed out)")
			if err := scale(echoReplicas); err != nil {
				return b.errorf("scale %s back to %d: %v", live.DeployEcho, echoReplicas, err)
			}
			scaledBack = true
			if err := l.WaitDeployment(ctx, c.Plan.Name, live.DeployEcho, 2*time.Minute); err != nil {
				return b.errorf("%s did not come back: %v", live.DeployEcho, err)
			}
			restored := poll(ctx, 30*time.Second, time.Second, func() bool { r, err := l.TCP(ctx, cli, hostPort(vip, live.PortTCP)); return answered(r, err) })
			b.add("ClusterIP answers again once scaled back", fmt.Sprint(restored), "true", restored)
			return b.done(fmt.Sprintf("%s:%d (%s) -> %d backends", vip, live.PortTCP, c.Plan.KubeProxyMode, len(seenIPs)) + notObservedText(notObserved))
		}),
	}
}

func serviceClusterIPHops(x *hop.Context) []string {
	return []string{
		"client Pod -> " + x.ClusterIP() + ":7001, a virtual IP on no interface",
		"on the client's node, before routing: " + x.KubeProxy(),
		"conntrack records the DNAT (original destination the ClusterIP, reply source the backend Pod)",
		"the packet goes to the backend Pod like Pod-to-Pod traffic; the reply is un-DNATed on the way back",
	}
}

// echoReplicas is the echo Deployment's size (live.Objects).
const echoReplicas = 2

func orText(s, alt string) string {
	if s != "" {
		return s
	}
	return alt
}

// KubeSVCChain is the name kube-proxy's iptables mode gives a Service port's chain:
// "KUBE-SVC-" + the first 16 characters of base32(sha256(namespace/name:port + protocol)).
func KubeSVCChain(servicePortName, protocol string) string {
	h := sha256.Sum256([]byte(servicePortName + protocol))
	return "KUBE-SVC-" + base32.StdEncoding.EncodeToString(h[:])[:16]
}
