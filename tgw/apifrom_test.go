package tgw

import (
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestParseRouteTable(t *testing.T) {
	in := "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\n" +
		"eth0\t00000000\t010012AC\t0003\t0\t0\t0\t00000000\n" + // default via 172.18.0.1
		"eth0\t000012AC\t00000000\t0001\t0\t0\t0\t0000FFFF\n"
	got := parseRouteTable(strings.NewReader(in))
	if len(got) != 1 || got[0] != netip.MustParseAddr("172.18.0.1") {
		t.Fatalf("default gateways %v, want [172.18.0.1]", got)
	}
}

// TestFromHostRefusesOthers: a connection from an address that is neither loopback nor the default
// gateway is closed at once; one from loopback is served.
func TestFromHostRefusesOthers(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	fh := fromHost{Listener: l, gateways: func() []netip.Addr { return nil }, logf: t.Logf}
	if !fh.allowed(netip.MustParseAddr("127.0.0.1")) || fh.allowed(netip.MustParseAddr("10.0.1.10")) {
		t.Fatal("allowed: loopback must pass, a VPC node's address must not")
	}
	fh.gateways = func() []netip.Addr { return []netip.Addr{netip.MustParseAddr("172.18.0.1")} }
	if !fh.allowed(netip.MustParseAddr("172.18.0.1")) {
		t.Fatal("the default gateway (the Docker host) must pass")
	}
	go func() {
		c, err := net.DialTimeout("tcp", l.Addr().String(), time.Second)
		if err == nil {
			_, _ = c.Write([]byte("x"))
			c.Close()
		}
	}()
	c, err := fh.Accept()
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
}
