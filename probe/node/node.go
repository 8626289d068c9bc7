// Package node reads the evidence a Kubernetes node holds about its packet paths: routes,
// interface MTUs, conntrack entries (a ClusterIP DNATed to a Pod), kube-proxy's rules for the mode
// in use, and encapsulated (VXLAN) packets on an interface during a bounded capture.
//
// netlab runs these in a hostNetwork DaemonSet of the probe (`netlab probe node ...`), a FROM
// scratch image: everything is read through netlink, AF_PACKET and the legacy x_tables socket
// options, with no external program needed.
//
// Every function works in the network namespace of the calling thread, so tests and the baseline
// can call them inside ns.Do.
package node

import (
	"encoding/binary"
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
