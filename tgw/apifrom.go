package tgw

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"io"
	"net"
	"net/netip"
	"os"
	"strings"
)

// Who may open a connection to the API (ServeOptions.APIFrom).
const (
	// APIFromHost keeps connections from loopback and from the default gateway: inside the TGW
	// container, the Docker host, which is where the published port's connections come from (Docker
	// programs the published port on the network that holds the container's default route, and the
	// host reaches the container from its own address on that network, the gateway). Nodes and Pods
	// of the attached VPCs come from other addresses and are refused.
	APIFromHost = "host"
	// APIFromAny keeps every connection (a TGW run by hand, outside a lab).
	APIFromAny = "any"
)

// fromHost is a listener that closes, right after accepting, every connection that is not from
// loopback or from one of the addresses gateways() returns now.
type fromHost struct {
	net.Listener
	gateways func() []netip.Addr
	logf     func(format string, args ...any)
}

func (l fromHost) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if ap, err := netip.ParseAddrPort(c.RemoteAddr().String()); err == nil && l.allowed(ap.Addr().Unmap()) {
			return c, nil
		}
		l.logf("tgw: refused an API connection from %s: only the Docker host may use the API (see docs/tgw.md)", c.RemoteAddr())
		c.Close()
	}
}

func (l fromHost) allowed(a netip.Addr) bool {
	if a.IsLoopback() {
		return true
	}
	for _, g := range l.gateways() {
		if g == a {
			return true
		}
	}
	return false
}

// defaultGateways reads the gateways of the default routes from /proc/net/route (the network
// namespace of the calling process).
func defaultGateways() []netip.Addr {
	f, err := os.Open("/proc/net/route")
	if err != nil {
		return nil
	}
	defer f.Close()
	return parseRouteTable(f)
}

// parseRouteTable reads /proc/net/route's format: Iface Destination Gateway ..., addresses as
// little-endian hex.
func parseRouteTable(r io.Reader) []netip.Addr {
	var out []netip.Addr
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 3 || f[1] != "00000000" {
			continue
		}
		b, err := hex.DecodeString(f[2])
		if err != nil || len(b) != 4 {
			continue
		}
		var a [4]byte
		binary.BigEndian.PutUint32(a[:], binary.LittleEndian.Uint32(b))
		if g := netip.AddrFrom4(a); !g.IsUnspecified() {
			out = append(out, g)
		}
	}
	return out
}
