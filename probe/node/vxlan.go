package node

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
)

// InnerFlow is the flow a VXLAN capture counts: the encapsulated packet's addresses, client (Src)
// and server (Dst), and optionally the server's TCP/UDP port. A datagram from Src to Dst counts as
// forward, from Dst to Src as reply; any other inner packet is not counted.
type InnerFlow struct {
	Src  netip.Addr
	Dst  netip.Addr
	Port uint16 // 0: any port
}

// IsZero says that no flow was asked for: every VXLAN datagram counts.
func (f InnerFlow) IsZero() bool { return !f.Src.IsValid() && !f.Dst.IsValid() }

func (f InnerFlow) String() string {
	if f.IsZero() {
		return "any"
	}
	s := f.Src.String() + " ⇄ " + f.Dst.String()
	if f.Port != 0 {
		s += fmt.Sprintf(" port %d", f.Port)
	}
	return s
}

// Direction of an inner packet relative to the InnerFlow asked for.
type Direction int

const (
	NotInFlow Direction = iota
	Forward             // Src -> Dst
	Reply               // Dst -> Src
)

// vxlanPacket is what the capture reads of one datagram: the VXLAN network identifier and the
// inner packet's addresses, protocol and (when it has them) ports.
type vxlanPacket struct {
	VNI        uint32
	InnerSrc   netip.Addr
	InnerDst   netip.Addr
	InnerProto uint8
	SPort      uint16
	DPort      uint16
	HasPorts   bool
}

const (
	vxlanHeaderLen = 8
	vxlanFlagI     = 0x08 // the VNI is valid (RFC 7348)
	etherHeaderLen = 14
	etherTypeIPv4  = 0x0800
	etherTypeIPv6  = 0x86dd
	etherTypeVLAN  = 0x8100
)

var errNotVXLAN = errors.New("not a VXLAN datagram")

// parseVXLAN reads an outer IPv4 or IPv6 packet (from its IP header on, as an AF_PACKET
// SOCK_DGRAM socket delivers it) carrying UDP, then an 8-byte VXLAN header with the I flag, then
// an inner Ethernet frame with an IPv4 or IPv6 packet. Anything else is errNotVXLAN.
func parseVXLAN(p []byte) (vxlanPacket, error) {
	udp, err := udpPayload(p)
	if err != nil {
		return vxlanPacket{}, err
	}
	if len(udp) < vxlanHeaderLen+etherHeaderLen || udp[0]&vxlanFlagI == 0 {
		return vxlanPacket{}, fmt.Errorf("%w: %d bytes of UDP payload, flags %#02x", errNotVXLAN, len(udp), firstByte(udp))
	}
	v := vxlanPacket{VNI: binary.BigEndian.Uint32(udp[4:8]) >> 8}
	eth := udp[vxlanHeaderLen:]
	etype, inner := binary.BigEndian.Uint16(eth[12:]), eth[etherHeaderLen:]
	if etype == etherTypeVLAN && len(inner) >= 4 {
		etype, inner = binary.BigEndian.Uint16(inner[2:]), inner[4:]
	}
	var l4 []byte
	switch {
	case etype == etherTypeIPv4 && len(inner) >= 20 && inner[0]>>4 == 4:
		ihl := int(inner[0]&0xf) * 4
		if ihl < 20 || len(inner) < ihl {
			return vxlanPacket{}, fmt.Errorf("%w: inner IPv4 header length %d", errNotVXLAN, ihl)
		}
		v.InnerSrc = netip.AddrFrom4([4]byte(inner[12:16]))
		v.InnerDst = netip.AddrFrom4([4]byte(inner[16:20]))
		v.InnerProto = inner[9]
		if binary.BigEndian.Uint16(inner[6:])&0x1fff == 0 { // the first (or only) fragment
			l4 = inner[ihl:]
		}
	case etype == etherTypeIPv6 && len(inner) >= 40 && inner[0]>>4 == 6:
		v.InnerSrc = netip.AddrFrom16([16]byte(inner[8:24]))
		v.InnerDst = netip.AddrFrom16([16]byte(inner[24:40]))
		v.InnerProto = inner[6]
		l4 = inner[40:]
	default:
		return vxlanPacket{}, fmt.Errorf("%w: inner frame of type %#04x is not IP", errNotVXLAN, etype)
	}
	if (v.InnerProto == 6 || v.InnerProto == 17) && len(l4) >= 4 {
		v.SPort, v.DPort, v.HasPorts = binary.BigEndian.Uint16(l4), binary.BigEndian.Uint16(l4[2:]), true
	}
	return v, nil
}

// udpPayload returns the UDP payload of an IPv4 (first fragment) or IPv6 (no extension headers)
// packet.
func udpPayload(p []byte) ([]byte, error) {
	if len(p) < 1 {
		return nil, errNotVXLAN
	}
	var udp []byte
	switch p[0] >> 4 {
	case 4:
		ihl := int(p[0]&0xf) * 4
		if ihl < 20 || len(p) < ihl+8 || p[9] != 17 || binary.BigEndian.Uint16(p[6:])&0x1fff != 0 {
			return nil, fmt.Errorf("%w: not an IPv4 UDP packet", errNotVXLAN)
		}
		udp = p[ihl:]
	case 6:
		if len(p) < 48 || p[6] != 17 {
			return nil, fmt.Errorf("%w: not an IPv6 UDP packet", errNotVXLAN)
		}
		udp = p[40:]
	default:
		return nil, fmt.Errorf("%w: IP version %d", errNotVXLAN, p[0]>>4)
	}
	return udp[8:], nil
}

func firstByte(b []byte) byte {
	if len(b) == 0 {
		return 0
	}
	return b[0]
}

// Match says whether the inner packet belongs to the flow, and in which direction.
func (f InnerFlow) Match(v vxlanPacket) Direction {
	portOK := func(p uint16) bool { return f.Port == 0 || (v.HasPorts && p == f.Port) }
	switch {
	case v.InnerSrc == f.Src && v.InnerDst == f.Dst && portOK(v.DPort):
		return Forward
	case v.InnerSrc == f.Dst && v.InnerDst == f.Src && portOK(v.SPort):
		return Reply
	}
	return NotInFlow
}

// VXLANCounts tallies the datagrams a capture saw: those of the flow by direction and VNI, and
// those it left out.
type VXLANCounts struct {
	Packets   int            `json:"packets"` // VXLAN datagrams of the flow (of any flow when none was asked)
	Forward   int            `json:"forward"` // inner Src -> Dst
	Reply     int            `json:"reply"`   // inner Dst -> Src
	ByVNI     map[string]int `json:"byVNI"`
	NotVXLAN  int            `json:"notVXLAN"`  // datagrams to the port that are not VXLAN carrying IP
	OtherFlow int            `json:"otherFlow"` // VXLAN datagrams of other flows
}

// count classifies one captured packet and tallies it; it reports whether the packet counted.
func (c *VXLANCounts) count(f InnerFlow, p []byte) bool {
	v, err := parseVXLAN(p)
	if err != nil {
		c.NotVXLAN++
		return false
	}
	d := Forward
	if !f.IsZero() {
		d = f.Match(v)
	}
	switch {
	case d == NotInFlow:
		c.OtherFlow++
		return false
	case d == Reply:
		c.Reply++
	case !f.IsZero():
		c.Forward++
	}
	c.Packets++
	if c.ByVNI == nil {
		c.ByVNI = map[string]int{}
	}
	c.ByVNI[fmt.Sprint(v.VNI)]++
	return true
}
