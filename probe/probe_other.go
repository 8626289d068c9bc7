//go:build !linux

package probe

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"syscall"
	"time"
)

// The probe runs on Linux (kind nodes, Pods). Elsewhere it builds, serves and probes, but reads
// no TTL and cannot build namespaces.

var errNotLinux = errors.New("not supported on this operating system (the probe needs Linux)")

var errConnRefused = syscall.ECONNREFUSED

var errMsgSize = syscall.EMSGSIZE

func setDontFragment(net.Conn) error { return errNotLinux }

func listenTCP(ctx context.Context, addr string) (net.Listener, error) {
	var lc net.ListenConfig
	return lc.Listen(ctx, "tcp", addr)
}

func savedSYNTTL(net.Conn) (int, error) { return 0, errNotLinux }

func listenUDP(ctx context.Context, network, addr string) (*net.UDPConn, error) {
	var lc net.ListenConfig
	pc, err := lc.ListenPacket(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	return pc.(*net.UDPConn), nil
}

type udpMeta struct {
	TTL     int
	Dst     netip.Addr
	IfIndex int
}

func parseUDPControl([]byte) (udpMeta, error) { return udpMeta{}, nil }

func srcControl(netip.Addr) []byte { return nil }

type dialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

func hereDialer() (dialFunc, func(), error) {
	var d net.Dialer
	return d.DialContext, func() {}, nil
}

func setCongestion(net.Conn, string) (string, error) { return "", nil }

func retransmitted(net.Conn) (int64, int64, error) { return 0, 0, nil }

// BaselineResult: see the Linux build.
type BaselineResult struct {
	Topology string     `json:"topology"`
	Server   string     `json:"server"`
	Taken    time.Time  `json:"taken"`
	Bulk     BulkResult `json:"bulk"`
	RR       RRResult   `json:"rr"`
}

// Baseline needs Linux network namespaces.
func Baseline(context.Context, BulkOptions, RROptions) (BaselineResult, error) {
	return BaselineResult{}, errNotLinux
}

// BaselineConfig: see the Linux build.
type BaselineConfig struct {
	Bulk         BulkOptions
	RR           RROptions
	ServerBinary string
}

// BaselineWith needs Linux network namespaces.
func BaselineWith(context.Context, BaselineConfig) (BaselineResult, error) {
	return BaselineResult{}, errNotLinux
}
