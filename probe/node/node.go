// Package node reads the evidence a Kubernetes node holds about its packet paths: routes,
// interface MTUs, conntrack entries (a ClusterIP DNATed to a Pod), kube-proxy's rules for the mode
// in use, and encapsulated (VXLAN) packets on an interface during a bounded capture.
//
// netlab runs these in a hostNetwork DaemonSet of the probe (`netlab probe node ...`), a FROM
// scratch image: everything is read through netlink and AF_PACKET, with no external program
// needed (iptables-save is used only when it is on PATH, for legacy iptables).
//
// Every function works in the network namespace of the calling thread, so tests and the baseline
// can call them inside ns.Do.
package node

import (
	"bufio"
	"encoding/binary"
	"sort"
	"strings"
)

// Route is one entry of a routing table.
type Route struct {
	Family   string `json:"family"` // ipv4 or ipv6
	Dst      string `json:"dst"`    // CIDR, "default" for the default route
	Gateway  string `json:"gateway,omitempty"`
	Dev      string `json:"dev,omitempty"`
	Src      string `json:"src,omitempty"`
	Table    int    `json:"table"`
	Protocol string `json:"protocol"` // kernel, boot, static, bird, ...
	Scope    string `json:"scope"`
	Type     string `json:"type,omitempty"` // unicast, blackhole, local, ...
	OnLink   bool   `json:"onlink,omitempty"`
	// Multipath next hops (gateway@dev), when the route has several.
	NextHops []string `json:"nextHops,omitempty"`
}

// Interface is one network interface with its MTU.
type Interface struct {
	Name   string   `json:"name"`
	Index  int      `json:"index"`
	MTU    int      `json:"mtu"`
	Type   string   `json:"type"` // veth, bridge, vxlan, device, ...
	Up     bool     `json:"up"`
	Master string   `json:"master,omitempty"`
	MAC    string   `json:"mac,omitempty"`
	Addrs  []string `json:"addrs"`
	// VXLAN details, for vxlan interfaces (flannel.1, vxlan.calico, cilium_vxlan).
	VXLAN *VXLANInfo `json:"vxlan,omitempty"`
}

// VXLANInfo is the configuration of a VXLAN interface.
type VXLANInfo struct {
	VNI     int    `json:"vni"`
	Port    int    `json:"port"`
	Local   string `json:"local,omitempty"`
	Group   string `json:"group,omitempty"`
	Underly string `json:"underlay,omitempty"` // the underlay device, when bound to one
}

// ConntrackEntry is one connection-tracking entry. DNAT is set when the original destination
// differs from the reply's source (a Service VIP rewritten to a Pod); SNAT when the original
// source differs from the reply's destination (masquerade).
type ConntrackEntry struct {
	Family     string `json:"family"`
	Proto      string `json:"proto"`
	OrigSrc    string `json:"origSrc"`
	OrigDst    string `json:"origDst"`
	OrigSport  int    `json:"origSport"`
	OrigDport  int    `json:"origDport"`
	ReplySrc   string `json:"replySrc"`
	ReplyDst   string `json:"replyDst"`
	ReplySport int    `json:"replySport"`
	ReplyDport int    `json:"replyDport"`
	DNAT       bool   `json:"dnat"`
	SNAT       bool   `json:"snat"`
	Mark       uint32 `json:"mark,omitempty"`
	Zone       uint16 `json:"zone,omitempty"`
}

// classifyNAT sets DNAT and SNAT from the tuples.
func (e *ConntrackEntry) classifyNAT() {
	e.DNAT = e.OrigDst != e.ReplySrc || e.OrigDport != e.ReplySport
	e.SNAT = e.OrigSrc != e.ReplyDst || e.OrigSport != e.ReplyDport
}

// NFTChain is a chain of an nftables table (iptables-nft keeps its chains there too).
type NFTChain struct {
	Family string `json:"family"` // ip, ip6, inet, arp, bridge, netdev
	Table  string `json:"table"`
	Chain  string `json:"chain"`
}

// KubeProxyRules is what the node holds of kube-proxy's data plane, and the mode that implies.
type KubeProxyRules struct {
	// Mode is what the rules show: nftables (table kube-proxy), iptables (chain KUBE-SERVICES
	// in nat), ipvs (interface kube-ipvs0 besides the iptables chains), or none.
	Mode string `json:"mode"`
	// NFTKubeProxyTable is set when an nftables table named kube-proxy exists (family ip or ip6).
	NFTKubeProxyTable bool `json:"nftKubeProxyTable"`
	// KubeProxyNFTChains are the chains of the kube-proxy nftables table (service-*, ...).
	KubeProxyNFTChains []string `json:"kubeProxyNFTChains,omitempty"`
	// IPTablesChains are the KUBE-* chains of the iptables nat table (from nftables, where
	// iptables-nft keeps them, or from iptables-save for legacy iptables).
	IPTablesChains []string `json:"iptablesChains,omitempty"`
	// KubeSVCChains are the KUBE-SVC-* chains: one per Service port in iptables mode.
	KubeSVCChains []string `json:"kubeSVCChains"`
	IPVSInterface bool     `json:"ipvsInterface"`
	Sources       []string `json:"sources"`         // where it was read: nfnetlink, iptables-save, ...
	Notes         []string `json:"notes,omitempty"` // what could not be read, and why
	NFTTables     []string `json:"nftTables"`       // every nftables table as "family name"
}

// ParseIptablesSave returns the chains of each table in iptables-save output, sorted.
func ParseIptablesSave(out string) map[string][]string {
	res := map[string][]string{}
	table := ""
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "*"):
			table = line[1:]
			if _, ok := res[table]; !ok {
				res[table] = []string{}
			}
		case strings.HasPrefix(line, ":") && table != "":
			if f := strings.Fields(line[1:]); len(f) > 0 {
				res[table] = append(res[table], f[0])
			}
		case line == "COMMIT":
			table = ""
		}
	}
	for _, c := range res {
		sort.Strings(c)
	}
	return res
}

// summarize fills Mode, IPTablesChains filtering and KubeSVCChains from what was collected.
func (k *KubeProxyRules) summarize() {
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
	hasServices := seen["KUBE-SERVICES"]
	switch {
	case k.NFTKubeProxyTable:
		k.Mode = "nftables"
	case k.IPVSInterface:
		k.Mode = "ipvs"
	case hasServices || len(k.KubeSVCChains) > 0:
		k.Mode = "iptables"
	default:
		k.Mode = "none"
	}
}

// udpDstPort reads the UDP destination port of an IP packet (as the filter matched it).
func udpDstPort(p []byte) (uint16, bool) {
	if len(p) < 1 {
		return 0, false
	}
	switch p[0] >> 4 {
	case 4:
		ihl := int(p[0]&0xf) * 4
		if len(p) < ihl+4 {
			return 0, false
		}
		return binary.BigEndian.Uint16(p[ihl+2:]), true
	case 6:
		if len(p) < 44 {
			return 0, false
		}
		return binary.BigEndian.Uint16(p[42:]), true
	}
	return 0, false
}
