package node

import (
	"encoding/binary"
	"encoding/json"
	"strings"
	"testing"

	"golang.org/x/net/bpf"
)

func ipv4UDP(dport uint16, ihlWords int, fragOff uint16, proto byte) []byte {
	h := make([]byte, ihlWords*4+8+16)
	h[0] = 0x40 | byte(ihlWords)
	binary.BigEndian.PutUint16(h[6:], fragOff)
	h[8] = 64
	h[9] = proto
	binary.BigEndian.PutUint16(h[ihlWords*4:], 40000)
	binary.BigEndian.PutUint16(h[ihlWords*4+2:], dport)
	return h
}

func ipv6UDP(dport uint16, next byte) []byte {
	h := make([]byte, 40+8+16)
	h[0] = 0x60
	h[6] = next
	h[7] = 64
	binary.BigEndian.PutUint16(h[40:], 40000)
	binary.BigEndian.PutUint16(h[42:], dport)
	return h
}

func TestUDPDstPortFilter(t *testing.T) {
	vm, err := bpf.NewVM(udpDstPortProgram(DefaultVXLANPorts))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		pkt    []byte
		accept bool
	}{
		{"ipv4 udp 8472 (flannel)", ipv4UDP(8472, 5, 0, 17), true},
		{"ipv4 udp 4789 (calico, cilium)", ipv4UDP(4789, 5, 0, 17), true},
		{"ipv4 udp 4789 with IP options", ipv4UDP(4789, 7, 0, 17), true},
		{"ipv4 udp 53", ipv4UDP(53, 5, 0, 17), false},
		{"ipv4 tcp 4789", ipv4UDP(4789, 5, 0, 6), false},
		{"ipv4 non-first fragment", ipv4UDP(4789, 5, 0x0010, 17), false},
		{"ipv4 first fragment (MF set)", ipv4UDP(4789, 5, 0x2000, 17), true},
		{"ipv6 udp 4789", ipv6UDP(4789, 17), true},
		{"ipv6 udp 8472", ipv6UDP(8472, 17), true},
		{"ipv6 udp 443", ipv6UDP(443, 17), false},
		{"ipv6 tcp 4789", ipv6UDP(4789, 6), false},
		{"arp-ish garbage", []byte{0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, false},
	}
	for _, c := range cases {
		n, err := vm.Run(c.pkt)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if (n > 0) != c.accept {
			t.Errorf("%s: filter returned %d, accept=%v", c.name, n, c.accept)
		}
		if c.accept {
			if p, ok := udpDstPort(c.pkt); !ok || (p != 4789 && p != 8472) {
				t.Errorf("%s: udpDstPort = %d %v", c.name, p, ok)
			}
		}
	}
	// One port only: the other VXLAN port is dropped.
	vm1, _ := bpf.NewVM(udpDstPortProgram([]uint16{8472}))
	if n, _ := vm1.Run(ipv4UDP(4789, 5, 0, 17)); n != 0 {
		t.Error("8472-only filter accepted 4789")
	}
	if n, _ := vm1.Run(ipv6UDP(8472, 17)); n == 0 {
		t.Error("8472-only filter dropped ipv6 8472")
	}
	if _, err := UDPDstPortFilter(nil); err == nil {
		t.Error("empty port list accepted")
	}
	if raw, err := UDPDstPortFilter(DefaultVXLANPorts); err != nil || len(raw) == 0 {
		t.Errorf("assemble: %v", err)
	}
}

func TestConntrackClassify(t *testing.T) {
	// A ClusterIP DNATed to a Pod, the source masqueraded to the node.
	e := ConntrackEntry{OrigSrc: "10.244.1.5", OrigSport: 40000, OrigDst: "10.96.0.10", OrigDport: 80,
		ReplySrc: "10.244.2.7", ReplySport: 8080, ReplyDst: "172.18.0.3", ReplyDport: 40000}
	e.classifyNAT()
	if !e.DNAT || !e.SNAT {
		t.Errorf("%+v", e)
	}
	plain := ConntrackEntry{OrigSrc: "a", OrigSport: 1, OrigDst: "b", OrigDport: 2, ReplySrc: "b", ReplySport: 2, ReplyDst: "a", ReplyDport: 1}
	plain.classifyNAT()
	if plain.DNAT || plain.SNAT {
		t.Errorf("%+v", plain)
	}
	b, _ := json.Marshal(e)
	for _, k := range []string{`"origDst":"10.96.0.10"`, `"replySrc":"10.244.2.7"`, `"dnat":true`, `"snat":true`} {
		if !strings.Contains(string(b), k) {
			t.Errorf("JSON %s lacks %s", b, k)
		}
	}
}
