package node

import (
	"fmt"
	"net"
	"net/netip"
	"sort"
	"strconv"

	"github.com/containernetworking/plugins/pkg/netlinksafe"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// AllTables asks Routes for every routing table.
const AllTables = 0

// Routes lists the routes of one table (unix.RT_TABLE_MAIN is 254), or of all tables with
// AllTables, IPv4 and IPv6.
func Routes(table int) ([]Route, error) {
	filter := &netlink.Route{Table: table}
	rs, err := netlinksafe.RouteListFiltered(netlink.FAMILY_ALL, filter, netlink.RT_FILTER_TABLE)
	if err != nil {
		return nil, fmt.Errorf("list routes: %w", err)
	}
	names := linkNames()
	out := make([]Route, 0, len(rs))
	for _, r := range rs {
		o := Route{
			Family:   familyName(r.Family),
			Dst:      "default",
			Dev:      names[r.LinkIndex],
			Table:    r.Table,
			Protocol: r.Protocol.String(),
			Scope:    r.Scope.String(),
			Type:     routeType(r.Type),
			OnLink:   r.Flags&unix.RTNH_F_ONLINK != 0,
		}
		if r.Dst != nil {
			o.Dst = r.Dst.String()
		}
		if r.Gw != nil {
			o.Gateway = r.Gw.String()
		}
		if r.Src != nil {
			o.Src = r.Src.String()
		}
		for _, nh := range r.MultiPath {
			gw := ""
			if nh.Gw != nil {
				gw = nh.Gw.String()
			}
			o.NextHops = append(o.NextHops, gw+"@"+names[nh.LinkIndex])
		}
		out = append(out, o)
	}
	return out, nil
}

func familyName(f int) string {
	switch f {
	case unix.AF_INET:
		return "ipv4"
	case unix.AF_INET6:
		return "ipv6"
	}
	return strconv.Itoa(f)
}

func routeType(t int) string {
	switch t {
	case unix.RTN_UNICAST:
		return "unicast"
	case unix.RTN_LOCAL:
		return "local"
	case unix.RTN_BROADCAST:
		return "broadcast"
	case unix.RTN_MULTICAST:
		return "multicast"
	case unix.RTN_BLACKHOLE:
		return "blackhole"
	case unix.RTN_UNREACHABLE:
		return "unreachable"
	case unix.RTN_PROHIBIT:
		return "prohibit"
	}
	return strconv.Itoa(t)
}

func linkNames() map[int]string {
	m := map[int]string{}
	links, err := netlinksafe.LinkList()
	if err != nil {
		return m
	}
	for _, l := range links {
		m[l.Attrs().Index] = l.Attrs().Name
	}
	return m
}

// Interfaces lists the network interfaces with their MTU, addresses and, for VXLAN devices,
// their VNI, port and underlay.
func Interfaces() ([]Interface, error) {
	links, err := netlinksafe.LinkList()
	if err != nil {
		return nil, fmt.Errorf("list links: %w", err)
	}
	names := map[int]string{}
	for _, l := range links {
		names[l.Attrs().Index] = l.Attrs().Name
	}
	out := make([]Interface, 0, len(links))
	for _, l := range links {
		a := l.Attrs()
		it := Interface{
			Name:   a.Name,
			Index:  a.Index,
			MTU:    a.MTU,
			Type:   l.Type(),
			Up:     a.Flags&net.FlagUp != 0,
			Master: names[a.MasterIndex],
			Addrs:  []string{},
		}
		if len(a.HardwareAddr) > 0 {
			it.MAC = a.HardwareAddr.String()
		}
		if addrs, err := netlinksafe.AddrList(l, netlink.FAMILY_ALL); err == nil {
			for _, ad := range addrs {
				it.Addrs = append(it.Addrs, ad.IPNet.String())
			}
		}
		if vx, ok := l.(*netlink.Vxlan); ok {
			info := &VXLANInfo{VNI: vx.VxlanId, Port: vx.Port, Underly: names[vx.VtepDevIndex]}
			if vx.SrcAddr != nil {
				info.Local = vx.SrcAddr.String()
			}
			if vx.Group != nil {
				info.Group = vx.Group.String()
			}
			it.VXLAN = info
		}
		out = append(out, it)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Index < out[j].Index })
	return out, nil
}

// ConntrackFilter narrows Conntrack's answer. Zero fields match everything.
type ConntrackFilter struct {
	OrigDst   netip.Addr // the original destination (a ClusterIP)
	OrigDport int
	Proto     string // tcp, udp, ...
	OnlyDNAT  bool
}

// Conntrack lists the connection-tracking entries (IPv4 and IPv6) through netlink.
func Conntrack(f ConntrackFilter) ([]ConntrackEntry, error) {
	var out []ConntrackEntry
	for _, fam := range []netlink.InetFamily{netlink.FAMILY_V4, netlink.FAMILY_V6} {
		flows, err := netlink.ConntrackTableList(netlink.ConntrackTable, fam)
		if err != nil {
			return nil, fmt.Errorf("conntrack list (netlink, family %d): %w", fam, err)
		}
		for _, fl := range flows {
			e := ConntrackEntry{
				Family:     familyName(int(fl.FamilyType)),
				Proto:      protoName(fl.Forward.Protocol),
				OrigSrc:    ipString(fl.Forward.SrcIP),
				OrigDst:    ipString(fl.Forward.DstIP),
				OrigSport:  int(fl.Forward.SrcPort),
				OrigDport:  int(fl.Forward.DstPort),
				ReplySrc:   ipString(fl.Reverse.SrcIP),
				ReplyDst:   ipString(fl.Reverse.DstIP),
				ReplySport: int(fl.Reverse.SrcPort),
				ReplyDport: int(fl.Reverse.DstPort),
				Mark:       fl.Mark,
				Zone:       fl.Zone,
			}
			e.classifyNAT()
			if f.match(e) {
				out = append(out, e)
			}
		}
	}
	return out, nil
}

func (f ConntrackFilter) match(e ConntrackEntry) bool {
	if f.OrigDst.IsValid() && e.OrigDst != f.OrigDst.Unmap().String() {
		return false
	}
	if f.OrigDport != 0 && e.OrigDport != f.OrigDport {
		return false
	}
	if f.Proto != "" && e.Proto != f.Proto {
		return false
	}
	return !f.OnlyDNAT || e.DNAT
}

func ipString(ip net.IP) string {
	if a, ok := netip.AddrFromSlice(ip); ok {
		return a.Unmap().String()
	}
	return ""
}

func protoName(p uint8) string {
	switch p {
	case unix.IPPROTO_TCP:
		return "tcp"
	case unix.IPPROTO_UDP:
		return "udp"
	case unix.IPPROTO_SCTP:
		return "sctp"
	case unix.IPPROTO_ICMP:
		return "icmp"
	case unix.IPPROTO_ICMPV6:
		return "icmpv6"
	}
	return strconv.Itoa(int(p))
}
