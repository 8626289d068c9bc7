package node

import (
	"fmt"

	"golang.org/x/net/bpf"
)

// DefaultVXLANPorts are the VXLAN UDP ports of the CNIs netlab knows: 8472 (Flannel, the Linux
// default) and 4789 (IANA; Calico VXLAN, Cilium).
var DefaultVXLANPorts = []uint16{8472, 4789}

// snapLen is how much of a matching packet the filter keeps (enough for the headers).
const snapLen = 256

// UDPDstPortFilter returns a classic BPF program that accepts IPv4 and IPv6 UDP packets whose
// destination port is one of ports, and drops everything else. It expects the packet to start at
// the IP header (an AF_PACKET SOCK_DGRAM socket). Non-first IPv4 fragments and IPv6 packets with
// extension headers before UDP are dropped.
func UDPDstPortFilter(ports []uint16) ([]bpf.RawInstruction, error) {
	if len(ports) == 0 || len(ports) > 32 {
		return nil, fmt.Errorf("want 1 to 32 ports, got %d", len(ports))
	}
	return bpf.Assemble(udpDstPortProgram(ports))
}

func udpDstPortProgram(ports []uint16) []bpf.Instruction {
	n := len(ports)
	// Layout (indices):
	//  0 ldb [0]            version nibble
	//  1 and #0xf0
	//  2 jeq #0x40 → 4 (v4) else → 3
	//  3 jeq #0x60 → v6 else → reject
	//  v4 (4): ldb [9]; jneq #17 → reject; ldh [6]; jset #0x1fff → reject; ldxb 4*([0]&0xf); ldh [x+2]; ports...; ret 0
	//  v6:     ldb [6]; jneq #17 → reject; ldh [42]; ports...; ret 0
	//  accept: ret #snapLen
	//  reject: ret #0
	v4Len := 6 + n + 1 // six loads/tests, the port tests, then a jump to reject
	v6Len := 3 + n + 1
	v4 := 4
	v6 := v4 + v4Len
	accept := v6 + v6Len
	reject := accept + 1
	skip := func(from, to int) uint8 { return uint8(to - from - 1) }
	p := []bpf.Instruction{
		bpf.LoadAbsolute{Off: 0, Size: 1},
		bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: 0xf0},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: 0x40, SkipTrue: skip(2, v4), SkipFalse: 0},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: 0x60, SkipTrue: skip(3, v6), SkipFalse: skip(3, reject)},
		// v4
		bpf.LoadAbsolute{Off: 9, Size: 1},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: 17, SkipTrue: 0, SkipFalse: skip(v4+1, reject)},
		bpf.LoadAbsolute{Off: 6, Size: 2},
		bpf.JumpIf{Cond: bpf.JumpBitsSet, Val: 0x1fff, SkipTrue: skip(v4+3, reject), SkipFalse: 0},
		bpf.LoadMemShift{Off: 0},
		bpf.LoadIndirect{Off: 2, Size: 2},
	}
	for i, port := range ports {
		at := v4 + 6 + i
		p = append(p, bpf.JumpIf{Cond: bpf.JumpEqual, Val: uint32(port), SkipTrue: skip(at, accept)})
	}
	p = append(p, bpf.Jump{Skip: uint32(skip(v4+6+n, reject))})
	// v6
	p = append(p,
		bpf.LoadAbsolute{Off: 6, Size: 1},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: 17, SkipTrue: 0, SkipFalse: skip(v6+1, reject)},
		bpf.LoadAbsolute{Off: 42, Size: 2},
	)
	for i, port := range ports {
		at := v6 + 3 + i
		p = append(p, bpf.JumpIf{Cond: bpf.JumpEqual, Val: uint32(port), SkipTrue: skip(at, accept)})
	}
	p = append(p, bpf.Jump{Skip: uint32(skip(v6+3+n, reject))})
	p = append(p, bpf.RetConstant{Val: snapLen}, bpf.RetConstant{Val: 0})
	return p
}
