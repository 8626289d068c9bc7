package probe

import (
	"context"
	"net/netip"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/netlab-dev/netlab/internal/nstest"
	"github.com/netlab-dev/netlab/internal/testenv"
	"github.com/netlab-dev/netlab/probe/nslab"
)

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// serveIn starts a probe server with every protocol on addr (an IP) inside a namespace.
func serveIn(t *testing.T, l *nslab.Lab, name, ip string) *Server {
	t.Helper()
	var s *Server
	must(t, l.Do(name, func() error {
		var err error
		s, err = Start(context.Background(), ServerConfig{
			TCPAddr: ip + ":7001", HTTPAddr: ip + ":8080", UDPAddr: ip + ":7002",
			Identity: Identity{PodName: "server-" + name, Hostname: name}, MaxSession: 30 * time.Second,
		})
		return err
	}))
	t.Cleanup(func() { s.Close() })
	return s
}

// probeAll runs the TCP, UDP and HTTP echo from a namespace and returns the server's reports.
func probeAll(t *testing.T, l *nslab.Lab, name string, c *Client, s *Server) map[string]*Report {
	t.Helper()
	out := map[string]*Report{}
	must(t, l.Do(name, func() error {
		ctx := context.Background()
		for proto, f := range map[string]func() (Result, error){
			"tcp":  func() (Result, error) { return c.TCP(ctx, s.TCPAddr(), "hi") },
			"udp":  func() (Result, error) { return c.UDP(ctx, s.UDPAddr(), "hi") },
			"http": func() (Result, error) { return c.HTTP(ctx, "http://"+s.HTTPAddr()+"/x", "") },
		} {
			res, err := f()
			if err != nil {
				return err
			}
			out[proto] = res.Server
			if res.Server.RemoteIP+":"+itoa(res.Server.RemotePort) != res.Source {
				t.Errorf("%s: server saw %s, client used %s", proto, res.Server.Remote, res.Source)
			}
		}
		return nil
	}))
	return out
}

func itoa(i int) string { return string(appendInt(nil, i)) }
func appendInt(b []byte, i int) []byte {
	if i >= 10 {
		b = appendInt(b, i/10)
	}
	return append(b, byte('0'+i%10))
}

// Bridged: client and server on one L2 segment (a bridge in its own namespace, like cni0).
// Routed: a router namespace between them, which decrements the TTL once.
func TestTTLBridgedVersusRouted(t *testing.T) {
	l := nstest.Lab(t, "bc", "br", "bs", "rc", "rt", "rs")
	must(t, l.IP("br", "link", "add", "br0", "type", "bridge"))
	must(t, l.IP("br", "link", "set", "br0", "up"))
	must(t, l.Veth("bc", "eth0", "10.99.1.2/24", "br", "vc", ""))
	must(t, l.Veth("bs", "eth0", "10.99.1.3/24", "br", "vs", ""))
	must(t, l.IP("br", "link", "set", "vc", "master", "br0"))
	must(t, l.IP("br", "link", "set", "vs", "master", "br0"))

	must(t, l.Veth("rc", "eth0", "10.99.2.2/24", "rt", "eth0", "10.99.2.1/24"))
	must(t, l.Veth("rs", "eth0", "10.99.3.2/24", "rt", "eth1", "10.99.3.1/24"))
	must(t, l.Sysctl("rt", "net.ipv4.ip_forward", "1"))
	must(t, l.IP("rc", "route", "add", "default", "via", "10.99.2.1"))
	must(t, l.IP("rs", "route", "add", "default", "via", "10.99.3.1"))

	g, err := NewGuard("10.99.0.0/16")
	must(t, err)
	c := &Client{Guard: g, Timeout: 3 * time.Second, Identity: Identity{Hostname: "client"}}
	bridged := probeAll(t, l, "bc", c, serveIn(t, l, "bs", "10.99.1.3"))
	routed := probeAll(t, l, "rc", c, serveIn(t, l, "rs", "10.99.3.2"))

	for _, proto := range []string{"tcp", "udp", "http"} {
		b, r := bridged[proto], routed[proto]
		// No NAT on either path: the server sees the client's own address.
		if b.RemoteIP != "10.99.1.2" || r.RemoteIP != "10.99.2.2" {
			t.Errorf("%s: server saw %s (bridged) and %s (routed)", proto, b.RemoteIP, r.RemoteIP)
		}
		if b.TTL != 64 || b.TTL-r.TTL != 1 {
			t.Errorf("%s: TTL bridged %d (%s), routed %d (%s): want 64 and 63", proto, b.TTL, b.TTLError, r.TTL, r.TTLError)
		}
		if b.LocalIP != "10.99.1.3" || r.LocalIP != "10.99.3.2" {
			t.Errorf("%s: local %s / %s", proto, b.Local, r.Local)
		}
		t.Logf("%s: bridged ttl=%d from %s, routed ttl=%d from %s", proto, b.TTL, b.Remote, r.TTL, r.Remote)
	}
}

// The UDP echo answers from the address the datagram arrived on, even when that is a secondary
// address and the server listens on all addresses.
func TestUDPReplyFromArrivalAddress(t *testing.T) {
	l := nstest.Lab(t, "c", "s")
	must(t, l.Veth("c", "eth0", "10.99.5.1/24", "s", "eth0", "10.99.5.2/24"))
	must(t, l.IP("s", "addr", "add", "10.99.5.9/24", "dev", "eth0"))
	var s *Server
	must(t, l.Do("s", func() error {
		var err error
		s, err = Start(context.Background(), ServerConfig{UDPAddr: "0.0.0.0:7002", Identity: Identity{Hostname: "s"}})
		return err
	}))
	t.Cleanup(func() { s.Close() })
	g, _ := NewGuard("10.99.5.0/24")
	c := &Client{Guard: g, Timeout: 2 * time.Second}
	for _, dst := range []string{"10.99.5.2", "10.99.5.9"} {
		must(t, l.Do("c", func() error {
			// A connected UDP socket accepts replies only from the address it sent to.
			res, err := c.UDP(context.Background(), dst+":7002", "x")
			if err != nil {
				return err
			}
			if res.Server.LocalIP != dst || res.Server.TTL != 64 || res.Server.RemoteIP != "10.99.5.1" {
				t.Errorf("to %s: %+v", dst, res.Server)
			}
			return nil
		}))
	}
}

func TestBaselinePair(t *testing.T) {
	testenv.RequireRoot(t)
	testenv.RequireCommand(t, "ip")
	res, err := Baseline(context.Background(), BulkOptions{Duration: 500 * time.Millisecond}, RROptions{Count: 500, Duration: 2 * time.Second})
	must(t, err)
	b, r := res.Bulk, res.RR
	if b.Stopped != "duration" || b.Gbps < 0.1 || b.Server == nil || b.Server.RemoteIP != nslab.PairClientIP || b.Server.Bytes != b.BytesSent {
		t.Errorf("bulk: %+v %+v", b, b.Server)
	}
	if r.Count != 500 || r.Stopped != "count" || r.P50Us <= 0 || r.P99Us < r.P50Us || r.P50Us > 50_000 {
		t.Errorf("rr: %+v", r)
	}
	t.Logf("baseline: %.2f Gbit/s; rr p50 %.1fµs p99 %.1fµs mean %.1fµs", b.Gbps, r.P50Us, r.P99Us, r.MeanUs)
}

// TestBulkCountsWhatCrossesTheVeth checks the probe's byte count against the kernel's: what the
// server counts must be what crossed the server's veth, less the headers. The headers are bounded
// per frame the veth counted (Ethernet, IPv4 and TCP with options: at most 14+20+60 bytes), not as
// a share of the bytes: how many bytes a GSO frame carries depends on how busy the machine is (on a
// loaded CI host the share was 0.63%, against 0.15% idle), and what TCP sent again crossed the
// veth twice (the sender's TCP_INFO says how much). Bounded by bytes, not time, so it does
// not depend on the machine's speed; with --omit the omitted and the measured bytes must still add up.
func TestBulkCountsWhatCrossesTheVeth(t *testing.T) {
	testenv.RequireRoot(t)
	testenv.RequireCommand(t, "ip")
	l, err := nslab.NewPair()
	must(t, err)
	defer l.Close()
	var srv *Server
	must(t, l.Do("server", func() error {
		var err error
		srv, err = Start(context.Background(), ServerConfig{TCPAddr: nslab.PairServerIP + ":7003", Identity: testID})
		return err
	}))
	defer srv.Close()
	counter := func(name string) int64 {
		out, err := l.Exec("server", "cat", "/sys/class/net/eth0/statistics/"+name)
		must(t, err)
		n, err := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
		must(t, err)
		return n
	}
	const maxHeader = 14 + 20 + 60
	g, _ := NewGuard(nslab.PairCIDR)
	c := &Client{Guard: g, Timeout: 5 * time.Second}
	for _, o := range []BulkOptions{
		{Duration: 20 * time.Second, Bytes: 256 << 20},
		{Duration: 20 * time.Second, Bytes: 256 << 20, WriteSize: 1 << 20, Congestion: "reno"},
	} {
		before, framesBefore := counter("rx_bytes"), counter("rx_packets")
		var b BulkResult
		must(t, l.Do("client", func() error {
			var err error
			b, err = c.Bulk(context.Background(), srv.TCPAddr(), o)
			return err
		}))
		got, frames := counter("rx_bytes")-before, counter("rx_packets")-framesBefore
		if b.Stopped != "bytes" || b.BytesSent != o.Bytes || b.Server.Bytes != o.Bytes || b.Server.Stopped != "eof" {
			t.Errorf("%+v: %+v %+v", o, b, b.Server)
		}
		t.Logf("%d frames, %d bytes more than counted, %d of them sent again (%d segments)", frames, got-b.Server.Bytes, b.RetransmitBytes, b.Retransmits)
		if headers := got - b.Server.Bytes - b.RetransmitBytes; headers < 0 || headers > frames*maxHeader {
			t.Errorf("%+v: server counted %d bytes, the veth received %d in %d frames with %d bytes sent again: %d bytes of headers, at most %d allowed",
				o, b.Server.Bytes, got, frames, b.RetransmitBytes, headers, frames*maxHeader)
		}
		if o.Congestion != "" && b.Congestion != o.Congestion {
			t.Errorf("congestion %q, asked for %q", b.Congestion, o.Congestion)
		}
	}
	// Omitted start: a stream bounded by time, whose omitted and measured bytes add up.
	var b BulkResult
	must(t, l.Do("client", func() error {
		var err error
		b, err = c.Bulk(context.Background(), srv.TCPAddr(), BulkOptions{Duration: 300 * time.Millisecond, Omit: 200 * time.Millisecond, Bytes: 1 << 40})
		return err
	}))
	s := b.Server
	if s.Bytes != b.BytesSent || s.OmitBytes <= 0 || s.OmitBytes >= s.Bytes || b.OmitSeconds != 0.2 {
		t.Errorf("omitted stream: %+v %+v", b, s)
	}
	if want := float64(s.Bytes-s.OmitBytes) * 8 / (b.SenderSeconds - 0.2) / 1e9; b.Gbps != want {
		t.Errorf("gbps %v, want %v", b.Gbps, want)
	}
}

// The HTTP transport and the DNS resolver dial from goroutines of their own; the client must
// still dial from the namespace it was called in. Loopback makes this safe to test: a wrong
// namespace would reach the host's loopback, where nothing serves this test.
func TestClientsDialInCallersNamespace(t *testing.T) {
	l := nstest.Lab(t, "x")
	var s *Server
	var dnsAddr string
	must(t, l.Do("x", func() error {
		var err error
		s, err = Start(context.Background(), ServerConfig{TCPAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0", UDPAddr: "127.0.0.1:0", Identity: Identity{Hostname: "in-x"}})
		if err != nil {
			return err
		}
		dnsAddr = startFakeDNS(t, map[string][]netip.Addr{"svc.x.": {netip.MustParseAddr("10.96.0.7")}})
		return nil
	}))
	t.Cleanup(func() { s.Close() })
	c := loopbackClient(t)
	c.Timeout = 2 * time.Second
	must(t, l.Do("x", func() error {
		ctx := context.Background()
		if res, err := c.HTTP(ctx, "http://"+s.HTTPAddr()+"/p", ""); err != nil || res.Server.Server.Hostname != "in-x" {
			t.Errorf("http inside the namespace: %v %+v", err, res)
		}
		if res, err := c.DNS(ctx, dnsAddr, "svc.x", "", false); err != nil || len(res.Answers) != 1 {
			t.Errorf("dns inside the namespace: %v %+v", err, res)
		}
		for _, f := range []func() (Result, error){
			func() (Result, error) { return c.TCP(ctx, s.TCPAddr(), "") },
			func() (Result, error) { return c.UDP(ctx, s.UDPAddr(), "") },
		} {
			if res, err := f(); err != nil || res.Server.Server.Hostname != "in-x" {
				t.Errorf("inside the namespace: %v %+v", err, res)
			}
		}
		return nil
	}))
	// And from the host's namespace the same addresses are not that server.
	if res, err := c.HTTP(context.Background(), "http://"+s.HTTPAddr()+"/p", ""); err == nil && res.Server.Server.Hostname == "in-x" {
		t.Errorf("reached the namespace's loopback from the host: %+v", res)
	}
}

// The baseline with the server as a separate process: the netlab binary, built for the test.
func TestBaselineServerProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the netlab binary")
	}
	testenv.RequireRoot(t)
	testenv.RequireCommand(t, "ip")
	goBin := testenv.RequireCommand(t, "go")
	bin := filepath.Join(t.TempDir(), "netlab")
	if out, err := exec.Command(goBin, "build", "-o", bin, "../cmd/netlab").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	res, err := BaselineWith(context.Background(), BaselineConfig{
		Bulk: BulkOptions{Duration: 300 * time.Millisecond, Bytes: 1 << 40}, RR: RROptions{Count: 200},
		ServerBinary: bin,
	})
	must(t, err)
	if res.Server != "process" || res.Bulk.Stopped != "duration" || res.Bulk.Gbps <= 0.1 || res.Bulk.Server.RemoteIP != nslab.PairClientIP || res.RR.Count != 200 {
		t.Errorf("%+v", res)
	}
	// The server identity is the process's (hostname fallback), not the in-process "baseline-server".
	if res.Bulk.Server.Server.Hostname == "baseline-server" {
		t.Errorf("served in-process: %+v", res.Bulk.Server.Server)
	}
	t.Logf("baseline (server process): %.2f Gbit/s, rr p50 %.1fµs", res.Bulk.Gbps, res.RR.P50Us)
}
