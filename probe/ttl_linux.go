package probe

import (
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// listenTCP listens with TCP_SAVE_SYN set, so that every accepted connection keeps the IP and TCP
// headers of its SYN; savedSYNTTL reads the TTL from them. IP_RECVTTL does not apply to stream
// sockets (there is no per-segment recvmsg), so this is how a TCP server learns the real TTL.
func listenTCP(ctx context.Context, addr string) (net.Listener, error) {
	lc := net.ListenConfig{Control: func(network, address string, c syscall.RawConn) error {
		var serr error
		if err := c.Control(func(fd uintptr) {
			serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_SAVE_SYN, 1)
		}); err != nil {
			return err
		}
		if serr != nil {
			return fmt.Errorf("setsockopt TCP_SAVE_SYN: %w", serr)
		}
		return nil
	}}
	return lc.Listen(ctx, "tcp", addr)
}

// savedSYNTTL reads the TTL of the connection's SYN. The kernel hands the saved SYN out once.
func savedSYNTTL(c net.Conn) (int, error) {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return 0, fmt.Errorf("%T has no file descriptor", c)
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return 0, err
	}
	var hdr []byte
	var gerr error
	if err := rc.Control(func(fd uintptr) {
		hdr, gerr = getsockoptBytes(int(fd), unix.IPPROTO_TCP, unix.TCP_SAVED_SYN, 512)
	}); err != nil {
		return 0, err
	}
	if gerr != nil {
		return 0, fmt.Errorf("getsockopt TCP_SAVED_SYN: %w", gerr)
	}
	if len(hdr) == 0 {
		return 0, fmt.Errorf("getsockopt TCP_SAVED_SYN: no SYN saved (already read, or the listener lacks TCP_SAVE_SYN)")
	}
	return TTLFromIPHeader(hdr)
}

// getsockoptBytes is getsockopt into a byte buffer. (unix.GetsockoptString stops at the first
// NUL byte, which a raw IP header has in its second byte.)
func getsockoptBytes(fd, level, opt, size int) ([]byte, error) {
	buf := make([]byte, size)
	l := uint32(size)
	_, _, e := unix.Syscall6(unix.SYS_GETSOCKOPT, uintptr(fd), uintptr(level), uintptr(opt),
		uintptr(unsafe.Pointer(&buf[0])), uintptr(unsafe.Pointer(&l)), 0)
	if e != 0 {
		return nil, e
	}
	return buf[:l], nil
}

// listenUDP listens on a UDP socket that receives, with each datagram, its TTL (IP_RECVTTL /
// IPV6_RECVHOPLIMIT) and its destination address (IP_PKTINFO / IPV6_RECVPKTINFO).
func listenUDP(ctx context.Context, network, addr string) (*net.UDPConn, error) {
	lc := net.ListenConfig{Control: func(nw, address string, c syscall.RawConn) error {
		var serr error
		if err := c.Control(func(fd uintptr) {
			if nw == "udp6" {
				if serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_IPV6, unix.IPV6_RECVHOPLIMIT, 1); serr != nil {
					serr = fmt.Errorf("setsockopt IPV6_RECVHOPLIMIT: %w", serr)
					return
				}
				if serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_IPV6, unix.IPV6_RECVPKTINFO, 1); serr != nil {
					serr = fmt.Errorf("setsockopt IPV6_RECVPKTINFO: %w", serr)
				}
				return
			}
			if serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_IP, unix.IP_RECVTTL, 1); serr != nil {
				serr = fmt.Errorf("setsockopt IP_RECVTTL: %w", serr)
				return
			}
			if serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_IP, unix.IP_PKTINFO, 1); serr != nil {
				serr = fmt.Errorf("setsockopt IP_PKTINFO: %w", serr)
			}
		}); err != nil {
			return err
		}
		return serr
	}}
	pc, err := lc.ListenPacket(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	return pc.(*net.UDPConn), nil
}

// udpMeta is what the control messages of one datagram said.
type udpMeta struct {
	TTL     int        // 0 when absent
	Dst     netip.Addr // the datagram's destination address (invalid when absent)
	IfIndex int
}

// parseUDPControl parses the control messages that listenUDP asked for.
func parseUDPControl(oob []byte) (udpMeta, error) {
	var m udpMeta
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return m, err
	}
	for _, cm := range msgs {
		switch {
		case cm.Header.Level == unix.IPPROTO_IP && cm.Header.Type == unix.IP_TTL && len(cm.Data) >= 4:
			m.TTL = int(int32(binary.NativeEndian.Uint32(cm.Data)))
		case cm.Header.Level == unix.IPPROTO_IPV6 && cm.Header.Type == unix.IPV6_HOPLIMIT && len(cm.Data) >= 4:
			m.TTL = int(int32(binary.NativeEndian.Uint32(cm.Data)))
		case cm.Header.Level == unix.IPPROTO_IP && cm.Header.Type == unix.IP_PKTINFO && len(cm.Data) >= unix.SizeofInet4Pktinfo:
			m.IfIndex = int(int32(binary.NativeEndian.Uint32(cm.Data[0:4])))
			m.Dst = netip.AddrFrom4([4]byte(cm.Data[8:12])) // ipi_addr: the header destination
		case cm.Header.Level == unix.IPPROTO_IPV6 && cm.Header.Type == unix.IPV6_PKTINFO && len(cm.Data) >= unix.SizeofInet6Pktinfo:
			m.Dst = netip.AddrFrom16([16]byte(cm.Data[0:16]))
			m.IfIndex = int(binary.NativeEndian.Uint32(cm.Data[16:20]))
		}
	}
	return m, nil
}

// srcControl builds the control message that makes a reply leave from src (the address the
// request arrived on), so a client that sent to a secondary or virtual address gets the reply
// from that same address.
func srcControl(src netip.Addr) []byte {
	if !src.IsValid() {
		return nil
	}
	if src.Is4() {
		b := make([]byte, unix.CmsgSpace(unix.SizeofInet4Pktinfo))
		h := (*unix.Cmsghdr)(unsafe.Pointer(&b[0]))
		h.Level = unix.IPPROTO_IP
		h.Type = unix.IP_PKTINFO
		h.SetLen(unix.CmsgLen(unix.SizeofInet4Pktinfo))
		a := src.As4()
		copy(b[unix.CmsgLen(0)+4:], a[:]) // ipi_spec_dst
		return b
	}
	b := make([]byte, unix.CmsgSpace(unix.SizeofInet6Pktinfo))
	h := (*unix.Cmsghdr)(unsafe.Pointer(&b[0]))
	h.Level = unix.IPPROTO_IPV6
	h.Type = unix.IPV6_PKTINFO
	h.SetLen(unix.CmsgLen(unix.SizeofInet6Pktinfo))
	a := src.As16()
	copy(b[unix.CmsgLen(0):], a[:])
	return b
}

// setCongestion sets the connection's TCP congestion control algorithm (TCP_CONGESTION) when
// name is not empty, and returns the algorithm in use.
func setCongestion(c net.Conn, name string) (string, error) {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return "", fmt.Errorf("%T has no file descriptor", c)
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return "", err
	}
	var cur string
	var serr error
	if err := rc.Control(func(fd uintptr) {
		if name != "" {
			if serr = unix.SetsockoptString(int(fd), unix.IPPROTO_TCP, unix.TCP_CONGESTION, name); serr != nil {
				serr = fmt.Errorf("setsockopt TCP_CONGESTION %q: %w", name, serr)
				return
			}
		}
		cur, serr = unix.GetsockoptString(int(fd), unix.IPPROTO_TCP, unix.TCP_CONGESTION)
	}); err != nil {
		return "", err
	}
	return cur, serr
}

// retransmitted reads the sender's count of retransmitted segments and bytes (TCP_INFO's
// tcpi_total_retrans and tcpi_bytes_retrans) for the life of the connection.
func retransmitted(c net.Conn) (segments int64, bytes int64, err error) {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return 0, 0, fmt.Errorf("%T has no file descriptor", c)
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return 0, 0, err
	}
	var info *unix.TCPInfo
	var serr error
	if err := rc.Control(func(fd uintptr) { info, serr = unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO) }); err != nil {
		return 0, 0, err
	}
	if serr != nil {
		return 0, 0, fmt.Errorf("getsockopt TCP_INFO: %w", serr)
	}
	return int64(info.Total_retrans), int64(info.Bytes_retrans), nil
}
