package node

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"golang.org/x/sys/unix"
)

// CaptureUDP counts the VXLAN datagrams of a flow on an interface for a bounded time. An AF_PACKET
// socket with a classic BPF filter attached (SO_ATTACH_FILTER) lets only UDP datagrams to the
// given ports (VXLAN's by default) reach user space; each is then parsed (VXLAN header with the I
// flag, inner Ethernet and IP headers) and counted only when its inner packet belongs to o.Flow
// (any inner packet when the flow is zero). It needs CAP_NET_RAW in the interface's namespace.
func CaptureUDP(ctx context.Context, o CaptureOptions) (CaptureResult, error) {
	if len(o.Ports) == 0 {
		o.Ports = DefaultVXLANPorts
	}
	if o.Duration <= 0 {
		o.Duration = 2 * time.Second
	}
	if o.MaxPackets <= 0 {
		o.MaxPackets = 1_000_000
	}
	res := CaptureResult{Interface: o.Interface, Ports: o.Ports, Flow: o.Flow.String(), ByPort: map[string]int{}}
	res.ByVNI = map[string]int{}
	if o.Duration > 5*time.Minute {
		return res, fmt.Errorf("capture duration %v is above the 5m bound", o.Duration)
	}
	ifi, err := net.InterfaceByName(o.Interface)
	if err != nil {
		return res, fmt.Errorf("capture: interface %q: %w", o.Interface, err)
	}
	prog, err := UDPDstPortFilter(o.Ports)
	if err != nil {
		return res, err
	}
	// Protocol 0: the socket receives nothing until bound, so no unfiltered packet slips in
	// between socket() and SO_ATTACH_FILTER.
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return res, fmt.Errorf("capture: AF_PACKET socket: %w (needs CAP_NET_RAW)", err)
	}
	defer unix.Close(fd)
	filter := make([]unix.SockFilter, len(prog))
	for i, ins := range prog {
		filter[i] = unix.SockFilter{Code: ins.Op, Jt: ins.Jt, Jf: ins.Jf, K: ins.K}
	}
	fprog := unix.SockFprog{Len: uint16(len(filter)), Filter: &filter[0]}
	if err := unix.SetsockoptSockFprog(fd, unix.SOL_SOCKET, unix.SO_ATTACH_FILTER, &fprog); err != nil {
		return res, fmt.Errorf("capture: SO_ATTACH_FILTER: %w", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: ifi.Index}); err != nil {
		return res, fmt.Errorf("capture: bind to %s: %w", o.Interface, err)
	}
	tv := unix.NsecToTimeval((100 * time.Millisecond).Nanoseconds())
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		return res, fmt.Errorf("capture: SO_RCVTIMEO: %w", err)
	}
	buf := make([]byte, snapLen)
	start := time.Now()
	end := start.Add(o.Duration)
	res.Stopped = "duration"
	for time.Now().Before(end) {
		if ctx.Err() != nil {
			res.Stopped = "canceled"
			break
		}
		n, from, err := unix.Recvfrom(fd, buf, unix.MSG_TRUNC)
		if err != nil {
			if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR) {
				continue
			}
			return res, fmt.Errorf("capture: recv: %w", err)
		}
		pkt := buf[:min(n, len(buf))]
		if !res.count(o.Flow, pkt) {
			continue
		}
		res.Bytes += int64(n)
		if ll, ok := from.(*unix.SockaddrLinklayer); ok && ll.Pkttype == unix.PACKET_OUTGOING {
			res.Outgoing++
		} else {
			res.Incoming++
		}
		if port, ok := udpDstPort(pkt); ok {
			res.ByPort[fmt.Sprint(port)]++
		}
		if res.Packets >= o.MaxPackets {
			res.Stopped = "packets"
			break
		}
	}
	res.Seconds = time.Since(start).Seconds()
	return res, nil
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }
