package node

import (
	"encoding/binary"
	"net/netip"
	"testing"
)

// innerIPv4 is an Ethernet frame with an IPv4 TCP header from src:sport to dst:dport.
func innerIPv4(src, dst string, sport, dport uint16) []byte {
	f := make([]byte, etherHeaderLen+20+20)
	binary.BigEndian.PutUint16(f[12:], etherTypeIPv4)
	ip := f[etherHeaderLen:]
	ip[0] = 0x45
	ip[8] = 64
	ip[9] = 6
	s, d := netip.MustParseAddr(src).As4(), netip.MustParseAddr(dst).As4()
	copy(ip[12:], s[:])
	copy(ip[16:], d[:])
	binary.BigEndian.PutUint16(ip[20:], sport)
	binary.BigEndian.PutUint16(ip[22:], dport)
	return f
}

// outer wraps a UDP payload in an outer IPv4+UDP packet to port dport, as the capture socket
// delivers it (from the IP header on).
func outer(dport uint16, payload []byte) []byte {
	p := make([]byte, 20+8, 28+len(payload))
	p[0] = 0x45
	p[8] = 64
	p[9] = 17
	copy(p[12:], []byte{192, 168, 77, 1})
	copy(p[16:], []byte{192, 168, 77, 2})
	binary.BigEndian.PutUint16(p[20:], 40000)
	binary.BigEndian.PutUint16(p[22:], dport)
	binary.BigEndian.PutUint16(p[24:], uint16(8+len(payload)))
	return append(p, payload...)
}

// vxlanHdr is a VXLAN header with the given flags and VNI.
func vxlanHdr(flags byte, vni uint32) []byte {
	h := make([]byte, vxlanHeaderLen)
	h[0] = flags
	binary.BigEndian.PutUint32(h[4:], vni<<8)
	return h
}

func vx(flags byte, vni uint32, inner []byte) []byte {
	return outer(8472, append(vxlanHdr(flags, vni), inner...))
}

func TestParseVXLAN(t *testing.T) {
	v, err := parseVXLAN(vx(0x08, 1, innerIPv4("10.244.1.5", "10.244.2.5", 41000, 7001)))
	want := vxlanPacket{VNI: 1, InnerSrc: netip.MustParseAddr("10.244.1.5"), InnerDst: netip.MustParseAddr("10.244.2.5"),
		InnerProto: 6, SPort: 41000, DPort: 7001, HasPorts: true}
	if err != nil || v != want {
		t.Errorf("parse %+v %v, want %+v", v, err, want)
	}
	// Calico's VNI 4096 over an outer IPv6 underlay.
	in := append(vxlanHdr(0x08, 4096), innerIPv4("10.244.1.5", "10.244.2.5", 41000, 7001)...)
	p6 := make([]byte, 48)
	p6[0], p6[6] = 0x60, 17
	binary.BigEndian.PutUint16(p6[42:], 4789)
	if v, err := parseVXLAN(append(p6, in...)); err != nil || v.VNI != 4096 || v.DPort != 7001 {
		t.Errorf("over IPv6: %+v %v", v, err)
	}
	// An inner 802.1Q tag is skipped.
	tagged := innerIPv4("10.244.1.5", "10.244.2.5", 41000, 7001)
	tagged = append(append(append([]byte{}, tagged[:12]...), 0x81, 0x00, 0x00, 0x05), tagged[12:]...)
	if v, err := parseVXLAN(vx(0x08, 1, tagged)); err != nil || v.InnerDst != want.InnerDst {
		t.Errorf("VLAN-tagged inner frame: %+v %v", v, err)
	}
}

// The datagrams the old capture counted though they prove nothing about the flow.
func TestVXLANCountsOnlyTheFlow(t *testing.T) {
	flow := InnerFlow{Src: netip.MustParseAddr("10.244.1.5"), Dst: netip.MustParseAddr("10.244.2.5"), Port: 7001}
	garbage16 := outer(8472, []byte("0123456789abcdef")) // 16 bytes of UDP payload to the VXLAN port
	noIFlag := vx(0x00, 1, innerIPv4("10.244.1.5", "10.244.2.5", 41000, 7001))
	arpInner := innerIPv4("10.244.1.5", "10.244.2.5", 41000, 7001)
	binary.BigEndian.PutUint16(arpInner[12:], 0x0806)
	cases := []struct {
		name string
		pkt  []byte
		dir  string // forward, reply, other, notvxlan
	}{
		{"forward", vx(0x08, 1, innerIPv4("10.244.1.5", "10.244.2.5", 41000, 7001)), "forward"},
		{"reply", vx(0x08, 1, innerIPv4("10.244.2.5", "10.244.1.5", 7001, 41000)), "reply"},
		{"16-byte garbage datagram", garbage16, "notvxlan"},
		{"VXLAN without the I flag", noIFlag, "notvxlan"},
		{"inner ARP", vx(0x08, 1, arpInner), "notvxlan"},
		{"truncated inner header", vx(0x08, 1, innerIPv4("10.244.1.5", "10.244.2.5", 41000, 7001)[:20]), "notvxlan"},
		{"wrong inner source", vx(0x08, 1, innerIPv4("10.244.1.6", "10.244.2.5", 41000, 7001)), "other"},
		{"wrong inner destination", vx(0x08, 1, innerIPv4("10.244.1.5", "10.244.3.5", 41000, 7001)), "other"},
		{"same hosts, another port", vx(0x08, 1, innerIPv4("10.244.1.5", "10.244.2.5", 41000, 8080)), "other"},
		{"reply from another port", vx(0x08, 1, innerIPv4("10.244.2.5", "10.244.1.5", 8080, 41000)), "other"},
		{"not UDP", func() []byte { p := vx(0x08, 1, innerIPv4("10.244.1.5", "10.244.2.5", 1, 7001)); p[9] = 6; return p }(), "notvxlan"},
	}
	for _, c := range cases {
		var n VXLANCounts
		counted := n.count(flow, c.pkt)
		got := map[bool]string{true: "counted"}[counted]
		switch {
		case n.Forward == 1 && n.Packets == 1 && n.ByVNI["1"] == 1:
			got = "forward"
		case n.Reply == 1 && n.Packets == 1 && n.ByVNI["1"] == 1:
			got = "reply"
		case n.OtherFlow == 1 && n.Packets == 0:
			got = "other"
		case n.NotVXLAN == 1 && n.Packets == 0:
			got = "notvxlan"
		}
		if got != c.dir || counted != (c.dir == "forward" || c.dir == "reply") {
			t.Errorf("%s: %s (counted %v, %+v), want %s", c.name, got, counted, n, c.dir)
		}
	}
	// Without a flow every VXLAN datagram counts, and still no garbage.
	var all VXLANCounts
	all.count(InnerFlow{}, cases[0].pkt)
	all.count(InnerFlow{}, cases[6].pkt)
	all.count(InnerFlow{}, garbage16)
	if all.Packets != 2 || all.NotVXLAN != 1 || all.Forward != 0 {
		t.Errorf("no flow: %+v", all)
	}
	if s := flow.String(); s != "10.244.1.5 ⇄ 10.244.2.5 port 7001" {
		t.Errorf("flow %q", s)
	}
}
