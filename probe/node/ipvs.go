package node

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"sort"
	"strings"
)

// IPVSService is one IPVS virtual server (what `ipvsadm -Ln` lists) and its real servers.
type IPVSService struct {
	Proto     string     `json:"proto"` // tcp, udp, sctp
	Addr      string     `json:"addr"`
	Port      int        `json:"port"`
	FWMark    uint32     `json:"fwmark,omitempty"`
	Scheduler string     `json:"scheduler,omitempty"`
	Reals     []IPVSReal `json:"reals"`
}

// IPVSReal is one real server of a virtual server.
type IPVSReal struct {
	Addr   string `json:"addr"`
	Port   int    `json:"port"`
	Weight int    `json:"weight"`
}

func (s IPVSService) String() string {
	var rs []string
	for _, r := range s.Reals {
		rs = append(rs, fmt.Sprintf("%s:%d", r.Addr, r.Port))
	}
	return fmt.Sprintf("%s %s:%d -> [%s]", s.Proto, s.Addr, s.Port, strings.Join(rs, " "))
}

// FindIPVSService returns the virtual server for proto addr:port.
func FindIPVSService(svcs []IPVSService, proto, addr string, port int) (IPVSService, bool) {
	for _, s := range svcs {
		if s.Proto == proto && s.Addr == addr && s.Port == port {
			return s, true
		}
	}
	return IPVSService{}, false
}

// ErrIPVSUnavailable is returned when the kernel has no IPVS (the generic netlink family "IPVS"
// does not exist: ip_vs is not loaded or not built). No virtual server can exist then.
var ErrIPVSUnavailable = errors.New("IPVS not available in this kernel: no generic netlink family \"IPVS\" (the ip_vs module is not loaded); kube-proxy's ipvs mode loads it")

// Generic netlink IPVS (include/uapi/linux/ip_vs.h).
const (
	ipvsGenlName    = "IPVS"
	ipvsGenlVersion = 1

	ipvsCmdGetService = 4
	ipvsCmdGetDest    = 8

	ipvsCmdAttrService = 1
	ipvsCmdAttrDest    = 2

	ipvsSvcAttrAF        = 1
	ipvsSvcAttrProtocol  = 2
	ipvsSvcAttrAddr      = 3
	ipvsSvcAttrPort      = 4
	ipvsSvcAttrFWMark    = 5
	ipvsSvcAttrSchedName = 6

	ipvsDestAttrAddr   = 1
	ipvsDestAttrPort   = 2
	ipvsDestAttrWeight = 4
	ipvsDestAttrAF     = 11

	afInet  = 2
	afInet6 = 10
)

// nlAttr is one netlink attribute: its type (flags cleared) and value.
type nlAttr struct {
	Type  uint16
	Value []byte
}

// parseAttrs splits a buffer of netlink attributes (native-endian length and type, 4-byte
// aligned).
func parseAttrs(b []byte) ([]nlAttr, error) {
	var out []nlAttr
	for len(b) >= 4 {
		l := int(binary.NativeEndian.Uint16(b))
		t := binary.NativeEndian.Uint16(b[2:]) &^ 0xc000 // NLA_F_NESTED, NLA_F_NET_BYTEORDER
		if l < 4 || l > len(b) {
			return nil, fmt.Errorf("netlink attribute of length %d in %d bytes", l, len(b))
		}
		out = append(out, nlAttr{Type: t, Value: b[4:l]})
		al := (l + 3) &^ 3
		if al > len(b) {
			al = len(b)
		}
		b = b[al:]
	}
	return out, nil
}

// attrMap indexes attributes by type (the last one wins).
func attrMap(as []nlAttr) map[uint16][]byte {
	m := map[uint16][]byte{}
	for _, a := range as {
		m[a.Type] = a.Value
	}
	return m
}

// nestedAttr returns the attributes nested in attribute typ of a generic netlink message body
// (after its 4-byte genlmsghdr).
func nestedAttr(msg []byte, typ uint16) (map[uint16][]byte, error) {
	if len(msg) < 4 {
		return nil, fmt.Errorf("short generic netlink message (%d bytes)", len(msg))
	}
	top, err := parseAttrs(msg[4:])
	if err != nil {
		return nil, err
	}
	for _, a := range top {
		if a.Type == typ {
			in, err := parseAttrs(a.Value)
			if err != nil {
				return nil, err
			}
			return attrMap(in), nil
		}
	}
	return nil, fmt.Errorf("no attribute %d in the IPVS message", typ)
}

func ipvsAddr(b []byte, af uint16) (string, error) {
	switch {
	case af == afInet && len(b) >= 4:
		return netip.AddrFrom4([4]byte(b[:4])).String(), nil
	case af == afInet6 && len(b) >= 16:
		return netip.AddrFrom16([16]byte(b[:16])).String(), nil
	}
	return "", fmt.Errorf("IPVS address of %d bytes, family %d", len(b), af)
}

func u16(b []byte) uint16 {
	if len(b) < 2 {
		return 0
	}
	return binary.NativeEndian.Uint16(b)
}

func u32(b []byte) uint32 {
	if len(b) < 4 {
		return 0
	}
	return binary.NativeEndian.Uint32(b)
}

// nbPort reads a port attribute (network byte order).
func nbPort(b []byte) int {
	if len(b) < 2 {
		return 0
	}
	return int(binary.BigEndian.Uint16(b))
}

func ipProto(p uint16) string {
	switch p {
	case 6:
		return "tcp"
	case 17:
		return "udp"
	case 132:
		return "sctp"
	}
	return fmt.Sprint(p)
}

// parseIPVSService reads one IPVS_CMD_GET_SERVICE reply message (genlmsghdr, then the nested
// IPVS_CMD_ATTR_SERVICE). It also returns the service's raw attributes, to ask for its real
// servers with.
func parseIPVSService(msg []byte) (IPVSService, map[uint16][]byte, error) {
	a, err := nestedAttr(msg, ipvsCmdAttrService)
	if err != nil {
		return IPVSService{}, nil, err
	}
	s := IPVSService{Proto: ipProto(u16(a[ipvsSvcAttrProtocol])), Port: nbPort(a[ipvsSvcAttrPort]),
		FWMark: u32(a[ipvsSvcAttrFWMark]), Scheduler: strings.TrimRight(string(a[ipvsSvcAttrSchedName]), "\x00"), Reals: []IPVSReal{}}
	if s.FWMark == 0 {
		if s.Addr, err = ipvsAddr(a[ipvsSvcAttrAddr], u16(a[ipvsSvcAttrAF])); err != nil {
			return IPVSService{}, nil, err
		}
	}
	return s, a, nil
}

// parseIPVSDest reads one IPVS_CMD_GET_DEST reply message; af is the service's family, used when
// the kernel does not say the destination's own.
func parseIPVSDest(msg []byte, af uint16) (IPVSReal, error) {
	a, err := nestedAttr(msg, ipvsCmdAttrDest)
	if err != nil {
		return IPVSReal{}, err
	}
	if f, ok := a[ipvsDestAttrAF]; ok {
		af = u16(f)
	}
	addr, err := ipvsAddr(a[ipvsDestAttrAddr], af)
	if err != nil {
		return IPVSReal{}, err
	}
	return IPVSReal{Addr: addr, Port: nbPort(a[ipvsDestAttrPort]), Weight: int(u32(a[ipvsDestAttrWeight]))}, nil
}

func sortIPVS(svcs []IPVSService) {
	for _, s := range svcs {
		sort.Slice(s.Reals, func(i, j int) bool {
			if s.Reals[i].Addr != s.Reals[j].Addr {
				return s.Reals[i].Addr < s.Reals[j].Addr
			}
			return s.Reals[i].Port < s.Reals[j].Port
		})
	}
	sort.Slice(svcs, func(i, j int) bool {
		a, b := svcs[i], svcs[j]
		if a.Addr != b.Addr {
			return a.Addr < b.Addr
		}
		if a.Port != b.Port {
			return a.Port < b.Port
		}
		return a.Proto < b.Proto
	})
}
