package node

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"golang.org/x/sys/unix"
)

// CaptureOptions bound a capture: it stops at Duration or MaxPackets, whichever comes first.
type CaptureOptions struct {
	Interface  string        // required: the uplink (eth0 on a kind node)
	Ports      []uint16      // UDP destination ports; default DefaultVXLANPorts
	Duration   time.Duration // default 2s; at most 5m
	MaxPackets int           // default 1,000,000
}

// CaptureResult counts the matching packets seen on the interface, in both directions.
type CaptureResult struct {
	Interface string         `json:"interface"`
	Ports     []uint16       `json:"ports"`
	Seconds   float64        `json:"seconds"`
	Packets   int            `json:"packets"`
	Incoming  int            `json:"incoming"`
	Outgoing  int            `json:"outgoing"`
	Bytes     int64          `json:"bytes"` // IP bytes of the matching packets
	ByPort    map[string]int `json:"byPort"`
	Stopped   string         `json:"stopped"` // duration, packets or canceled
}

// CaptureUDP counts UDP packets to the given ports (VXLAN by default) on an interface for a
// bounded time, with an AF_PACKET socket and a classic BPF filter attached (SO_ATTACH_FILTER), so
// only matching packets reach user space. It needs CAP_NET_RAW in the interface's namespace.
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
	res := CaptureResult{Interface: o.Interface, Ports: o.Ports, ByPort: map[string]int{}}
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
		res.Packets++
		res.Bytes += int64(n)
		if ll, ok := from.(*unix.SockaddrLinklayer); ok && ll.Pkttype == unix.PACKET_OUTGOING {
			res.Outgoing++
		} else {
			res.Incoming++
		}
		if port, ok := udpDstPort(buf[:min(n, len(buf))]); ok {
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
