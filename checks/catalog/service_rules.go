package catalog

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/checks/live"
	"github.com/netlab-dev/netlab/probe/node"
)

// serviceRuleEvidence asserts that the node holds the echo Service's rules of the mode in use
// (for IPVS: the ClusterIP's virtual server with the backends' Pod IPs as its real servers) and,
// for every other mode the node probe could read, that its rules are absent. A mode it could not
// read (Cilium's, always; legacy iptables without the permission) is not asserted either way: it
// is returned, with the reason, for the summary. A mode in use that was not read fails.
func serviceRuleEvidence(b *builder, c *checks.Cluster, k node.KubeProxyRules, vip string, backends []string) (notObserved []string) {
	chain := KubeSVCChain(live.Namespace+"/"+live.SvcEcho+":tcp", "tcp")
	hasChain := slices.Contains(k.KubeSVCChains, chain)
	nftSvc := ""
	for _, ch := range k.KubeProxyNFTChains {
		if strings.Contains(ch, live.Namespace+"/"+live.SvcEcho+"/tcp") {
			nftSvc = ch
			break
		}
	}
	ipvsSvc, hasVS := node.FindIPVSService(k.IPVSServices, "tcp", vip, live.PortTCP)
	obs := map[string]node.Observation{
		checks.RuleIptablesKubeSVC: k.IPTables,
		checks.RuleNftKubeProxy:    k.NFT,
		checks.RuleIPVSVirtual:     k.IPVS,
		checks.RuleCiliumService:   k.Cilium,
	}
	exp := checks.ExpectServiceRules(c.Plan)
	for _, r := range exp.Present {
		name := "rule of the mode in use: " + r
		switch r {
		case checks.RuleIptablesKubeSVC:
			b.add(name, fmt.Sprintf("%s present=%v (%d KUBE-SVC chains; iptables %s)", chain, hasChain, len(k.KubeSVCChains), k.IPTables), chain, hasChain)
		case checks.RuleNftKubeProxy:
			b.add(name, fmt.Sprintf("table=%v service chain=%q (nftables %s)", k.NFTKubeProxyTable, nftSvc, k.NFT), "the table and the Service's chain", k.NFTKubeProxyTable && nftSvc != "")
		case checks.RuleIPVSVirtual:
			want := fmt.Sprintf("tcp %s:%d -> the backends %s", vip, live.PortTCP, strings.Join(backends, ","))
			switch {
			case hasVS:
				b.add(name, ipvsSvc.String(), want, sameSet(realAddrs(ipvsSvc), backends))
			case k.IPVS.State == node.SeenPresent:
				b.add(name, fmt.Sprintf("no virtual server tcp %s:%d among %d", vip, live.PortTCP, len(k.IPVSServices)), want, false)
			default:
				b.add(name, "IPVS "+k.IPVS.String(), want, false)
			}
		case checks.RuleCiliumService:
			want := fmt.Sprintf("ClusterIP %s:%d/TCP -> the backends %s", vip, live.PortTCP, strings.Join(backends, ","))
			svc, ok := node.FindCiliumService(k.CiliumServices, "tcp", vip, live.PortTCP)
			switch {
			case ok:
				b.add(name, svc.String(), want, sameSet(svc.Backends, backends))
			case k.Cilium.State == node.SeenPresent:
				b.add(name, fmt.Sprintf("no frontend %s:%d among %d", vip, live.PortTCP, len(k.CiliumServices)), want, false)
			default:
				b.add(name, "Cilium service map "+k.Cilium.String(), want, false) // not read: never passed
			}
		default:
			b.add(name, obs[r].String(), "present", false)
		}
	}
	for _, r := range exp.Absent {
		o := obs[r]
		present := o.State == node.SeenPresent
		detail := o.String()
		switch r {
		case checks.RuleIPVSVirtual:
			// The rule is the ClusterIP's virtual server: other virtual servers are not this Service's.
			present = hasVS
			if hasVS {
				detail = ipvsSvc.String()
			} else if o.State == node.SeenPresent {
				detail = fmt.Sprintf("none for %s:%d (%d other virtual servers)", vip, live.PortTCP, len(k.IPVSServices))
			}
		case checks.RuleIptablesKubeSVC:
			if present {
				detail = fmt.Sprintf("%d KUBE-SVC chains", len(k.KubeSVCChains))
			}
		}
		if !o.Observed() {
			notObserved = append(notObserved, r+": "+o.String())
			continue
		}
		b.add("rule of another mode: "+r, detail, "absent", !present)
	}
	return notObserved
}

func realAddrs(s node.IPVSService) []string {
	var out []string
	for _, r := range s.Reals {
		out = append(out, r.Addr)
	}
	return out
}

// sameSet says whether a and b hold the same strings, ignoring order and repeats.
func sameSet(a, b []string) bool {
	if len(a) == 0 || len(b) == 0 {
		return false
	}
	x, y := slices.Clone(a), slices.Clone(b)
	sort.Strings(x)
	sort.Strings(y)
	return slices.Equal(slices.Compact(x), slices.Compact(y))
}

// notObservedText is the summary's note of the rules that could not be read.
func notObservedText(n []string) string {
	if len(n) == 0 {
		return ""
	}
	return "; not observed, so not asserted: " + strings.Join(n, "; ")
}

// ciliumObservation asks the Cilium agent on nodeName for its service map: the echo Service's
// frontend (vip) present or absent when the agent answered, not observed with the reason when it
// could not be read.
func ciliumObservation(ctx context.Context, l checks.Lab, cluster, nodeName, vip string) (node.Observation, []node.CiliumService) {
	const src = "cilium-dbg service list"
	svcs, err := l.CiliumServices(ctx, cluster, nodeName)
	if err != nil {
		return node.Observation{State: node.SeenNotObserved, Source: src, Reason: truncate(err.Error(), 160)}, nil
	}
	if _, ok := node.FindCiliumService(svcs, "tcp", vip, live.PortTCP); ok {
		return node.Observation{State: node.SeenPresent, Source: src}, svcs
	}
	return node.Observation{State: node.SeenAbsent, Source: src, Reason: fmt.Sprintf("no frontend %s:%d", vip, live.PortTCP)}, svcs
}
