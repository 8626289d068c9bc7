package catalog

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/checks/live"
	"github.com/netlab-dev/netlab/checks/report"
	"github.com/netlab-dev/netlab/probe"
	"github.com/netlab-dev/netlab/probe/node"
)

var (
	seenPresent = node.Observation{State: node.SeenPresent, Source: "test"}
	seenAbsent  = node.Observation{State: node.SeenAbsent, Source: "test"}
	notRead     = node.Observation{State: node.SeenNotObserved, Reason: "IPT_SO_GET_INFO: operation not permitted"}
	noIPVS      = node.Observation{State: node.SeenAbsent, Reason: node.ErrIPVSUnavailable.Error()}
	cilium      = node.Observation{State: node.SeenNotObserved, Reason: node.CiliumNotObserved}
)

// iptablesRules is what the node probe reads on an iptables-mode node: the Service's KUBE-SVC
// chain, no nftables kube-proxy table, no IPVS in the kernel, Cilium not observed.
func iptablesRules(chain string) node.KubeProxyRules {
	return node.KubeProxyRules{Mode: "iptables", KubeSVCChains: []string{chain}, IPTables: seenPresent, NFT: seenAbsent, IPVS: noIPVS, Cilium: cilium}
}

// service/clusterip's rule evidence through the fake lab: the mode in use must be seen with this
// Service's rules (for IPVS, its virtual server with the backends as real servers), the other
// modes must be seen absent where they were read, and what was not read passes nothing.
func TestClusterIPRuleEvidence(t *testing.T) {
	const vip = "10.96.0.10"
	backends := []string{"10.244.1.20", "10.244.2.20"}
	chain := KubeSVCChain(live.Namespace+"/"+live.SvcEcho+":tcp", "tcp")
	vs := func(reals ...string) []node.IPVSService {
		s := node.IPVSService{Proto: "tcp", Addr: vip, Port: live.PortTCP, Scheduler: "rr"}
		for _, r := range reals {
			s.Reals = append(s.Reals, node.IPVSReal{Addr: r, Port: live.PortTCP, Weight: 1})
		}
		return []node.IPVSService{{Proto: "tcp", Addr: "10.96.0.1", Port: 443, Reals: []node.IPVSReal{{Addr: "172.18.0.2", Port: 6443}}}, s}
	}
	ipvs := func(svcs []node.IPVSService) node.KubeProxyRules {
		return node.KubeProxyRules{Mode: "ipvs", IPVS: seenPresent, IPVSServices: svcs, IPTables: seenAbsent, NFT: seenAbsent, Cilium: cilium, KubeSVCChains: []string{}}
	}
	cases := []struct {
		name      string
		mode      string // the plan's kube-proxy mode
		rules     node.KubeProxyRules
		cilium    []node.CiliumService
		ciliumErr error
		want      report.Verdict
		bad       string // the evidence item that must fail
		summary   string // in the summary
	}{
		{name: "iptables: the Service's chain, the others read absent", mode: "iptables", rules: iptablesRules(chain), want: report.Pass},
		{name: "iptables: another Service's chain only", mode: "iptables",
			rules: func() node.KubeProxyRules {
				k := iptablesRules(chain)
				k.KubeSVCChains = []string{"KUBE-SVC-NPX46M4PTMTKRN6Y"}
				return k
			}(),
			want: report.Fail, bad: "rule of the mode in use"},
		{name: "iptables: legacy table unreadable and no chain", mode: "iptables",
			rules: node.KubeProxyRules{KubeSVCChains: []string{}, IPTables: notRead, NFT: seenAbsent, IPVS: noIPVS, Cilium: cilium},
			want:  report.Fail, bad: "rule of the mode in use"},
		{name: "iptables: the nftables table too", mode: "iptables",
			rules: func() node.KubeProxyRules {
				k := iptablesRules(chain)
				k.NFT, k.NFTKubeProxyTable = seenPresent, true
				return k
			}(),
			want: report.Fail, bad: "rule of another mode: " + checks.RuleNftKubeProxy},
		{name: "iptables: an IPVS virtual server for the ClusterIP too", mode: "iptables",
			rules: func() node.KubeProxyRules {
				k := iptablesRules(chain)
				k.IPVS, k.IPVSServices = seenPresent, vs(backends...)
				return k
			}(),
			want: report.Fail, bad: "rule of another mode: " + checks.RuleIPVSVirtual},
		{name: "iptables: other IPVS virtual servers are not this Service's", mode: "iptables",
			rules: func() node.KubeProxyRules {
				k := iptablesRules(chain)
				k.IPVS, k.IPVSServices = seenPresent, vs(backends...)[:1]
				return k
			}(),
			want: report.Pass},
		// nftables could not be read: its absence is not asserted (no item), and the summary says so.
		{name: "iptables: nftables not read", mode: "iptables",
			rules: func() node.KubeProxyRules { k := iptablesRules(chain); k.NFT = notRead; return k }(),
			want:  report.Pass, summary: "not observed, so not asserted: " + checks.RuleNftKubeProxy},
		{name: "ipvs: the ClusterIP's virtual server with the backends", mode: "ipvs", rules: ipvs(vs(backends...)), want: report.Pass},
		{name: "ipvs: a real server missing", mode: "ipvs", rules: ipvs(vs(backends[0])), want: report.Fail, bad: "rule of the mode in use"},
		{name: "ipvs: a real server that is no backend", mode: "ipvs", rules: ipvs(vs(backends[0], backends[1], "10.244.9.9")), want: report.Fail, bad: "rule of the mode in use"},
		{name: "ipvs: no virtual server for the ClusterIP", mode: "ipvs", rules: ipvs(vs()[:1]), want: report.Fail, bad: "rule of the mode in use"},
		{name: "ipvs: the kernel has no IPVS", mode: "ipvs",
			rules: node.KubeProxyRules{IPVS: noIPVS, IPTables: seenAbsent, NFT: seenAbsent, Cilium: cilium},
			want:  report.Fail, bad: "rule of the mode in use"},
		{name: "ipvs: KUBE-SVC chains too", mode: "ipvs",
			rules: func() node.KubeProxyRules {
				k := ipvs(vs(backends...))
				k.IPTables, k.KubeSVCChains = seenPresent, []string{chain}
				return k
			}(),
			want: report.Fail, bad: "rule of another mode: " + checks.RuleIptablesKubeSVC},
		// kube-proxy replaced: the Cilium agent's service map is the evidence.
		{name: "none: Cilium's map translates the ClusterIP to the backends", mode: "none",
			rules:  node.KubeProxyRules{IPTables: seenAbsent, NFT: seenAbsent, IPVS: noIPVS, Cilium: cilium},
			cilium: []node.CiliumService{{Type: "ClusterIP", Addr: vip, Port: live.PortTCP, Proto: "TCP", Backends: backends}},
			want:   report.Pass},
		{name: "none: Cilium's map has another backend", mode: "none",
			rules:  node.KubeProxyRules{IPTables: seenAbsent, NFT: seenAbsent, IPVS: noIPVS, Cilium: cilium},
			cilium: []node.CiliumService{{Type: "ClusterIP", Addr: vip, Port: live.PortTCP, Proto: "TCP", Backends: []string{backends[0], "10.244.9.9"}}},
			want:   report.Fail, bad: "rule of the mode in use: " + checks.RuleCiliumService},
		{name: "none: Cilium's map has no frontend for the ClusterIP", mode: "none",
			rules:  node.KubeProxyRules{IPTables: seenAbsent, NFT: seenAbsent, IPVS: noIPVS, Cilium: cilium},
			cilium: []node.CiliumService{{Type: "ClusterIP", Addr: "10.96.0.1", Port: 443, Proto: "TCP", Backends: []string{"172.18.0.2"}}},
			want:   report.Fail, bad: "rule of the mode in use: " + checks.RuleCiliumService},
		// The agent could not be asked: a cluster that relies on its map cannot pass on it.
		{name: "none: the Cilium agent cannot be asked", mode: "none",
			rules:     node.KubeProxyRules{IPTables: seenAbsent, NFT: seenAbsent, IPVS: noIPVS, Cilium: cilium},
			ciliumErr: errors.New("no Cilium agent Pod on node c1-worker"),
			want:      report.Fail, bad: "rule of the mode in use: " + checks.RuleCiliumService},
		{name: "none: KUBE-SVC chains beside Cilium's map", mode: "none",
			rules:  node.KubeProxyRules{IPTables: seenPresent, KubeSVCChains: []string{chain}, NFT: seenAbsent, IPVS: noIPVS, Cilium: cilium},
			cilium: []node.CiliumService{{Type: "ClusterIP", Addr: vip, Port: live.PortTCP, Proto: "TCP", Backends: backends}},
			want:   report.Fail, bad: "rule of another mode: " + checks.RuleIptablesKubeSVC},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := fakeC1(t)
			f.clusters["c1"].Plan.KubeProxyMode = c.mode
			f.services["c1/"+live.Namespace+"/"+live.SvcEcho] = checks.Service{Name: live.SvcEcho, Type: "ClusterIP", ClusterIP: vip}
			f.pods["c1/"+live.DeployEcho] = []checks.Pod{{Name: "echo-a", Node: n1, IP: backends[0]}, {Name: "echo-b", Node: n2, IP: backends[1]}}
			f.conn = []node.ConntrackEntry{{DNAT: true, OrigDst: vip, OrigDport: 7001, ReplySrc: backends[1], ReplySport: 7001}}
			f.rules = c.rules
			f.cilium, f.ciliumErr = c.cilium, c.ciliumErr
			n := 0
			f.call = func(w checks.Where, proto, target string) (probe.Result, error) {
				if target != vip+":7001" {
					return tmo()
				}
				if f.scaledTo() == 0 {
					return ref()
				}
				n++
				return ans{pod: "echo", node: n1, ip: backends[n%2], remote: pod0, client: pod0}.get()
			}
			r := runDef(t, f, "service/clusterip", context.Background())
			if r.Verdict != c.want {
				t.Fatalf("verdict %s, want %s: %s %+v", r.Verdict, c.want, r.Reason, r.Evidence)
			}
			if c.bad != "" {
				if e, ok := hasEvidence(r, c.bad); !ok || e.OK {
					t.Errorf("evidence %q: %+v (found %v)", c.bad, e, ok)
				}
			}
			if c.summary != "" && !strings.Contains(r.Summary, c.summary) {
				t.Errorf("summary %q lacks %q", r.Summary, c.summary)
			}
			// Nothing that was not observed passes: no OK item names a mode that was not read.
			for _, e := range r.Evidence {
				if e.OK && strings.Contains(e.Observed, string(node.SeenNotObserved)) {
					t.Errorf("item %q passed on something not observed: %+v", e.Name, e)
				}
			}
			// Cilium's absence is never asserted.
			if e, ok := hasEvidence(r, "rule of another mode: "+checks.RuleCiliumService); ok {
				t.Errorf("Cilium asserted absent: %+v", e)
			}
		})
	}
}
