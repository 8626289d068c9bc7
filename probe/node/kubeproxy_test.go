package node

import (
	"strings"
	"testing"
)

func TestKubeProxyMode(t *testing.T) {
	absent := Observation{State: SeenAbsent}
	present := Observation{State: SeenPresent}
	unknown := Observation{State: SeenNotObserved, Reason: "no permission"}
	natChains := []string{"PREROUTING", "KUBE-SERVICES", "KUBE-SVC-NPX46M4PTMTKRN6Y", "KUBE-SEP-ABCDEFGHIJKLMNOP", "KUBE-SVC-TCOU7JCQXEZGVUNU"}
	cases := []struct {
		name            string
		k               KubeProxyRules
		nftOK, legacyOK bool
		mode            string
		ipt             Seen
		svc             int
	}{
		{"iptables", KubeProxyRules{NFT: absent, IPVS: absent, IPTablesChains: natChains}, true, true, "iptables", SeenPresent, 2},
		{"iptables seen though legacy unreadable", KubeProxyRules{NFT: absent, IPVS: absent, IPTablesChains: natChains}, true, false, "iptables", SeenPresent, 2},
		{"nftables", KubeProxyRules{NFT: present, IPVS: absent, IPTablesChains: []string{"KUBE-KUBELET-CANARY"}}, true, true, "nftables", SeenAbsent, 0},
		{"ipvs", KubeProxyRules{NFT: absent, IPVS: present, IPTablesChains: []string{"KUBE-SERVICES"}}, true, true, "ipvs", SeenAbsent, 0},
		{"none, every plane read", KubeProxyRules{NFT: absent, IPVS: absent, IPTablesChains: []string{"PREROUTING", "DOCKER"}}, true, true, "none", SeenAbsent, 0},
		// Legacy iptables could not be read: its absence is not asserted, and the mode is not "none".
		{"legacy unreadable", KubeProxyRules{NFT: absent, IPVS: absent}, true, false, "unknown", SeenNotObserved, 0},
		{"ipvs unreadable", KubeProxyRules{NFT: absent, IPVS: unknown}, true, true, "unknown", SeenAbsent, 0},
	}
	for _, c := range cases {
		c.k.summarize(c.nftOK, c.legacyOK, "EPERM")
		if c.k.Mode != c.mode || c.k.IPTables.State != c.ipt || len(c.k.KubeSVCChains) != c.svc {
			t.Errorf("%s: mode %s, iptables %v, svc %v; want %s, %s, %d", c.name, c.k.Mode, c.k.IPTables, c.k.KubeSVCChains, c.mode, c.ipt, c.svc)
		}
		for _, ch := range c.k.IPTablesChains {
			if !strings.HasPrefix(ch, "KUBE-") {
				t.Errorf("%s: non-KUBE chain %s kept", c.name, ch)
			}
		}
		if c.k.IPTables.State == SeenNotObserved && !strings.Contains(c.k.IPTables.Reason, "EPERM") {
			t.Errorf("%s: not-observed reason %q does not say why", c.name, c.k.IPTables.Reason)
		}
		// Cilium is never observed, and says why.
		if c.k.Cilium.State != SeenNotObserved || c.k.Cilium.Observed() || !strings.Contains(c.k.Cilium.Reason, "Cilium") {
			t.Errorf("%s: cilium %+v", c.name, c.k.Cilium)
		}
	}
}
