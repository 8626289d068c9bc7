package node

import (
	"sort"
	"strings"
)

// Seen is what a reading showed of one kind of service rule: present, absent, or not observed.
// "Absent" is a reading that could have found the rules and did not; "not observed" means nothing
// was read (no permission, no reader for that data plane), so nothing may be concluded from it.
type Seen string

const (
	SeenPresent     Seen = "present"
	SeenAbsent      Seen = "absent"
	SeenNotObserved Seen = "not-observed"
)

// Observation is the state of one data plane's rules on the node, how it was read, and, when it
// is absent or not observed, why.
type Observation struct {
	State  Seen   `json:"state"`
	Source string `json:"source,omitempty"` // nfnetlink, x_tables getsockopt, genetlink IPVS, ...
	Reason string `json:"reason,omitempty"`
}

// Observed says whether the reading can be relied on (present or absent).
func (o Observation) Observed() bool { return o.State == SeenPresent || o.State == SeenAbsent }

func (o Observation) String() string {
	if o.Reason == "" {
		return string(o.State)
	}
	return string(o.State) + " (" + o.Reason + ")"
}

// KubeProxyRules is what the node holds of kube-proxy's data plane, and the mode that implies.
type KubeProxyRules struct {
	// Mode is what the rules show: nftables (table kube-proxy), iptables (KUBE-SVC-* chains in
	// nat), ipvs (IPVS virtual servers), none (all three observed absent), or unknown (one of
	// them could not be read and none was found).
	Mode string `json:"mode"`

	// NFT is the nftables table kube-proxy (family ip or ip6).
	NFT Observation `json:"nft"`
	// IPTables are the KUBE-SVC-* chains of the iptables nat table, from either backend:
	// iptables-nft (nfnetlink) and legacy x_tables (getsockopt on a raw socket).
	IPTables Observation `json:"iptables"`
	// IPVS are the IPVS virtual servers (generic netlink family IPVS).
	IPVS Observation `json:"ipvs"`
	// Cilium's eBPF service map: the node probe cannot read it (always not observed, with the
	// reason); on a Cilium cluster the service check asks the node's agent instead and fills
	// Cilium and CiliumServices from its answer.
	Cilium         Observation     `json:"cilium"`
	CiliumServices []CiliumService `json:"ciliumServices,omitempty"`

	// NFTKubeProxyTable is set when an nftables table named kube-proxy exists (family ip or ip6).
	NFTKubeProxyTable bool `json:"nftKubeProxyTable"`
	// KubeProxyNFTChains are the chains of the kube-proxy nftables table (service-*, ...).
	KubeProxyNFTChains []string `json:"kubeProxyNFTChains,omitempty"`
	// IPTablesChains are the KUBE-* chains of the iptables nat table (nftables-backed and legacy).
	IPTablesChains []string `json:"iptablesChains,omitempty"`
	// LegacyNATChains are the chains of the legacy (x_tables) nat table, when it exists.
	LegacyNATChains []string `json:"legacyNatChains,omitempty"`
	// KubeSVCChains are the KUBE-SVC-* chains: one per Service port in iptables mode.
	KubeSVCChains []string `json:"kubeSVCChains"`
	// IPVSServices are the IPVS virtual servers with their real servers.
	IPVSServices  []IPVSService `json:"ipvsServices,omitempty"`
	IPVSInterface bool          `json:"ipvsInterface"` // the kube-ipvs0 dummy interface exists
	Sources       []string      `json:"sources"`       // what was read: nfnetlink, x_tables, genetlink IPVS
	Notes         []string      `json:"notes,omitempty"`
	NFTTables     []string      `json:"nftTables"` // every nftables table as "family name"
}

// CiliumNotObserved is why the Cilium observation is never made.
const CiliumNotObserved = "the node probe does not read Cilium's BPF service map (on a Cilium cluster the check asks the agent: cilium-dbg service list)"

// summarize fills IPTablesChains filtering, KubeSVCChains, the IPTables and Cilium observations
// and Mode from what was collected. nftOK and legacyOK say whether each iptables backend was read.
func (k *KubeProxyRules) summarize(nftOK, legacyOK bool, legacyWhy string) {
	k.KubeSVCChains = []string{}
	seen := map[string]bool{}
	var kube []string
	for _, c := range k.IPTablesChains {
		if strings.HasPrefix(c, "KUBE-") && !seen[c] {
			seen[c] = true
			kube = append(kube, c)
			if strings.HasPrefix(c, "KUBE-SVC-") {
				k.KubeSVCChains = append(k.KubeSVCChains, c)
			}
		}
	}
	sort.Strings(kube)
	sort.Strings(k.KubeSVCChains)
	k.IPTablesChains = kube
	src := "nfnetlink (iptables-nft) and x_tables getsockopt (iptables-legacy)"
	switch {
	case len(k.KubeSVCChains) > 0:
		k.IPTables = Observation{State: SeenPresent, Source: src}
	case nftOK && legacyOK:
		k.IPTables = Observation{State: SeenAbsent, Source: src, Reason: "no KUBE-SVC-* chain in either nat table"}
	default:
		var why []string
		if !nftOK {
			why = append(why, "the nftables-backed nat table could not be read")
		}
		if !legacyOK {
			why = append(why, "the legacy nat table could not be read: "+legacyWhy)
		}
		k.IPTables = Observation{State: SeenNotObserved, Source: src, Reason: strings.Join(why, "; ")}
	}
	k.Cilium = Observation{State: SeenNotObserved, Reason: CiliumNotObserved}
	switch {
	case k.NFT.State == SeenPresent:
		k.Mode = "nftables"
	case k.IPVS.State == SeenPresent:
		k.Mode = "ipvs"
	case k.IPTables.State == SeenPresent:
		k.Mode = "iptables"
	case k.NFT.State == SeenAbsent && k.IPVS.State == SeenAbsent && k.IPTables.State == SeenAbsent:
		k.Mode = "none"
	default:
		k.Mode = "unknown"
	}
}
