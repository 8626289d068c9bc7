package probe

import (
	"context"
	"net"
	"net/netip"
	"strings"
	"testing"
)

// fakeResolver answers every name from a tiny DNS server on loopback that returns addr.
func fakeResolver(t *testing.T, answers map[string][]netip.Addr) *net.Resolver {
	t.Helper()
	srv := startFakeDNS(t, answers)
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "udp", srv)
	}}
}

func TestGuard(t *testing.T) {
	res := fakeResolver(t, map[string][]netip.Addr{
		"inside.test.":  {netip.MustParseAddr("10.244.1.7")},
		"outside.test.": {netip.MustParseAddr("8.8.8.8")},
		"mixed.test.":   {netip.MustParseAddr("10.244.1.8"), netip.MustParseAddr("1.1.1.1")},
	})
	g, err := NewGuard("10.244.0.0/16", "10.96.0.0/12, 172.30.0.0/24", "::ffff:192.168.50.0/120")
	if err != nil {
		t.Fatal(err)
	}
	g.WithResolver(res)
	cases := []struct {
		target  string
		want    string // the dial address, or "" when refused
		errPart string
	}{
		{"10.244.3.4:80", "10.244.3.4:80", ""},
		{"10.96.0.10:53", "10.96.0.10:53", ""},
		{"172.30.0.9:7001", "172.30.0.9:7001", ""},
		{"127.0.0.1:7001", "127.0.0.1:7001", ""},
		{"[::1]:7001", "[::1]:7001", ""},
		{"192.168.50.4:1", "192.168.50.4:1", ""}, // allowed through a v4-mapped CIDR
		{"[::ffff:10.244.1.1]:80", "10.244.1.1:80", ""},
		{"inside.test:80", "10.244.1.7:80", ""},
		{"8.8.8.8:53", "", "outside the allowed ranges"},
		{"[::ffff:8.8.8.8]:53", "", "8.8.8.8"},
		{"172.30.1.1:80", "", "outside the allowed ranges"},
		{"0.0.0.0:80", "", "unspecified"},
		{"[::]:80", "", "unspecified"},
		{"[::ffff:0.0.0.0]:80", "", "unspecified"},
		{":80", "", "empty host"},
		{"outside.test:80", "", "outside.test:80 (8.8.8.8)"},
		{"mixed.test:80", "", "1.1.1.1"},
		{"10.244.3.4", "", "not host:port"},
		{"10.244.3.4:http", "", "is not a number"},
	}
	for _, c := range cases {
		ap, err := g.Resolve(context.Background(), c.target)
		if c.want != "" {
			if err != nil {
				t.Errorf("%s: refused: %v", c.target, err)
			} else if ap.String() != c.want {
				t.Errorf("%s: dials %s, want %s", c.target, ap, c.want)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s: allowed (%s), want refused", c.target, ap)
			continue
		}
		if !IsRefused(err) {
			t.Errorf("%s: error %v is not a RefusedError", c.target, err)
		}
		msg := err.Error()
		if !strings.Contains(msg, c.errPart) || !strings.Contains(msg, c.target) || !strings.Contains(msg, "10.244.0.0/16") || !strings.Contains(msg, "127.0.0.0/8") {
			t.Errorf("%s: message %q should name the target, %q and the allowed ranges", c.target, msg, c.errPart)
		}
	}
}

func TestGuardBadRange(t *testing.T) {
	for _, bad := range []string{"10.0.0.0/33", "ten", "10.0.0/8"} {
		if _, err := NewGuard(bad); err == nil || !strings.Contains(err.Error(), bad) {
			t.Errorf("NewGuard(%q) = %v, want an error naming it", bad, err)
		}
	}
	g, err := NewGuard("10.1.2.3")
	if err != nil {
		t.Fatal(err)
	}
	if g.CheckAddr(netip.MustParseAddr("10.1.2.3")) != nil || g.CheckAddr(netip.MustParseAddr("10.1.2.4")) == nil {
		t.Errorf("a bare address should allow exactly itself: %v", g.Allowed())
	}
}

func TestNilGuardRefusesEverything(t *testing.T) {
	var g *Guard
	if err := g.CheckAddr(netip.MustParseAddr("127.0.0.1")); !IsRefused(err) {
		t.Fatalf("nil guard allowed loopback: %v", err)
	}
}

// Every client call goes through the guard: nothing is sent to a refused target.
func TestClientsRefuseOutside(t *testing.T) {
	g, _ := NewGuard("10.244.0.0/16")
	c := &Client{Guard: g, Timeout: 2 * 1e9}
	ctx := context.Background()
	checks := map[string]error{}
	_, checks["tcp"] = c.TCP(ctx, "192.0.2.1:7001", "x")
	_, checks["udp"] = c.UDP(ctx, "192.0.2.1:7002", "x")
	_, checks["http"] = c.HTTP(ctx, "http://192.0.2.1:8080/", "")
	_, checks["dns"] = c.DNS(ctx, "192.0.2.1", "kubernetes.default.svc.cluster.local", "A", false)
	_, checks["bulk"] = c.Bulk(ctx, "192.0.2.1:7001", BulkOptions{})
	_, checks["rr"] = c.RR(ctx, "192.0.2.1:7001", RROptions{})
	_, checks["http-scheme"] = c.HTTP(ctx, "ftp://10.244.0.1/", "") // refused before any dial: not http or https
	_, checks["https"] = c.HTTP(ctx, "https://192.0.2.1/", "")
	for name, err := range checks {
		if !IsRefused(err) {
			t.Errorf("%s: %v, want a refusal", name, err)
		}
	}
}

// CheckURL takes an http:// URL with an allowed IP host, and names what is wrong with any other.
func TestCheckURL(t *testing.T) {
	g, err := NewGuard("10.0.0.0/24")
	if err != nil {
		t.Fatal(err)
	}
	if u, err := g.CheckURL("http://10.0.0.250:80/v1?x=1"); err != nil || u.Host != "10.0.0.250:80" {
		t.Fatalf("an allowed URL: %v %v", u, err)
	}
	for raw, want := range map[string]string{
		"http://10.0.1.5/":     "outside the allowed ranges",
		"https://10.0.0.5/":    "want http://IP",
		"ftp://10.0.0.5/":      "want http://IP",
		"http://echo.test/":    "must be an IP address",
		"http:///no-host/path": "want http://IP",
	} {
		_, err := g.CheckURL(raw)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("CheckURL(%q) = %v, want an error saying %q", raw, err, want)
		}
		if want == "outside the allowed ranges" && !IsRefused(err) {
			t.Errorf("CheckURL(%q): %v is not a refusal", raw, err)
		}
	}
}
