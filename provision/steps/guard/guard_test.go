package guard

import (
	"errors"
	"net"
	"net/netip"
	"strings"
	"syscall"
	"testing"

	"github.com/netlab-dev/netlab/internal/nstest"
	"github.com/netlab-dev/netlab/internal/testplan"
	"github.com/netlab-dev/netlab/scenarios"
)

func TestGuardScriptCoversEveryLabRange(t *testing.T) {
	// tgw-two-vpc: both VPC CIDRs are in cluster a's VPC route table (its own as the local route,
	// the other through the TGW), so everything inside them is the TGW's to forward or drop; the
	// Service ranges are not routed anywhere and are guarded.
	p := testplan.Builtin(t, "tgw-two-vpc")
	a, _ := p.Cluster("a")
	got := Script(p, *a)
	want := "set -e\n" +
		"ip route replace unreachable 172.21.0.0/16 metric 4242\n" +
		"nft -f - <<'NETLAB_NFT_EOF'\n" +
		"table ip netlab_guard\ndelete table ip netlab_guard\ntable ip netlab_guard {\n" +
		"  chain output { type filter hook output priority 10; oifname \"eth0\" ip daddr 172.20.0.0/16 reject with icmp type host-unreachable; }\n" +
		"  chain forward { type filter hook forward priority 10; oifname \"eth0\" ip daddr 172.20.0.0/16 reject with icmp type host-unreachable; }\n" +
		"}\nNETLAB_NFT_EOF\n"
	if got != want {
		t.Errorf("Script(tgw-two-vpc, a) =\n%s\nwant\n%s", got, want)
	}
	// kube-proxy-modes: two clusters, no TGW: every lab range but the cluster's own Service
	// range is guarded by a route on both; that one is guarded after translation, by nftables.
	p = testplan.Builtin(t, "kube-proxy-modes")
	for _, c := range p.Clusters {
		s := Script(p, c)
		if strings.Contains(s, "unreachable "+c.ServiceCIDR.String()) || !strings.Contains(s, "ip daddr "+c.ServiceCIDR.String()+" reject") {
			t.Errorf("kube-proxy-modes cluster %s: its own Service range %s has a route guard, or no nftables guard:\n%s", c.Name, c.ServiceCIDR, s)
		}
		if n := strings.Count(s, "ip route replace unreachable "); n != len(p.LabCIDRs())-1 || n < 5 {
			t.Errorf("kube-proxy-modes cluster %s: %d guard routes for %d lab ranges:\n%s", c.Name, n, len(p.LabCIDRs()), s)
		}
		for _, o := range p.Clusters {
			if !strings.Contains(s, "unreachable "+o.PodCIDR.String()+" ") {
				t.Errorf("kube-proxy-modes cluster %s: %s (cluster %s's Pods) is not guarded:\n%s", c.Name, o.PodCIDR, o.Name, s)
			}
		}
	}
	// Every built-in, every cluster: no guard lies inside one of the cluster's VPC routes.
	for _, name := range scenarios.Names() {
		p := testplan.Builtin(t, name)
		for _, c := range p.Clusters {
			for _, line := range strings.Split(strings.TrimSpace(Script(p, c)), "\n")[1:] {
				if !strings.HasPrefix(line, "ip route replace unreachable ") {
					continue
				}
				g := netip.MustParsePrefix(strings.Fields(line)[4])
				for _, r := range c.VPCRoutes {
					if rp := r.CIDR; rp.Bits() <= g.Bits() && rp.Contains(g.Addr()) {
						t.Errorf("%s cluster %s: guard %s lies inside VPC route %s", name, c.Name, g, r.CIDR)
					}
				}
			}
		}
	}
}

// TestGuardRoutesInANamespace runs the guard script in a network namespace shaped like a kind
// node: its own subnet on eth0 and a default route to the "Docker host" namespace. A lab range
// that nothing routes is refused at once (no route to host) instead of following the default
// route; the node's own subnet still works; a VPC route of the TGW step to the same prefix wins
// over the guard and a second run of the guard leaves it in place.
func TestGuardRoutesInANamespace(t *testing.T) {
	// kube-proxy-modes has no TGW: cluster a's nodes are on 10.0.1.0/24 and every other lab range
	// is guarded. The TGW step's route is then added by hand, as tgw-two-vpc's would be.
	p := testplan.Builtin(t, "kube-proxy-modes")
	a := p.Clusters[0]
	l := nstest.Lab(t, "node", "host")
	// No IPv6 on the pair: a new link's router solicitations would count as packets at the host.
	for _, n := range []string{"node", "host"} {
		for _, k := range []string{"net.ipv6.conf.all.disable_ipv6", "net.ipv6.conf.default.disable_ipv6"} {
			if err := l.Sysctl(n, k, "1"); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := l.Veth("node", "eth0", "10.0.1.2/24", "host", "eth0", "10.0.1.1/24"); err != nil {
		t.Fatal(err)
	}
	if err := l.IP("node", "route", "add", "default", "via", "10.0.1.1"); err != nil {
		t.Fatal(err)
	}
	routeGet := func(dst string) string {
		t.Helper()
		out, err := l.Exec("node", "ip", "route", "get", dst)
		if err != nil {
			// An unreachable route: "RTNETLINK answers: No route to host".
			if strings.Contains(string(out)+err.Error(), "No route to host") {
				return "unreachable"
			}
			t.Fatalf("ip route get %s: %v: %s", dst, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	if r := routeGet("10.0.128.5"); !strings.Contains(r, "via 10.0.1.1") {
		t.Fatalf("before the guard, 10.0.128.5 should follow the default route: %s", r)
	}
	guard := Script(p, a)
	if out, err := l.Exec("node", "sh", "-c", guard); err != nil {
		t.Fatalf("guard script: %v: %s", err, out)
	}
	for _, dst := range []string{"10.0.128.5", "10.0.64.9", "172.21.0.10", "10.0.200.1"} {
		if r := routeGet(dst); !strings.Contains(r, "unreachable") {
			t.Errorf("after the guard, %s: %s; want unreachable", dst, r)
		}
	}
	if r := routeGet("10.0.1.1"); !strings.Contains(r, "dev eth0") || strings.Contains(r, "unreachable") {
		t.Errorf("the node's own subnet must stay connected: %s", r)
	}
	if r := routeGet("172.20.0.1"); strings.Contains(r, "unreachable") {
		t.Errorf("the cluster's own Service range must stay routable for the node's own connections: %s", r)
	}
	// A real datagram: connect() finds no route and says so; nothing reaches the host's side.
	rx := func() string {
		out, _ := l.Exec("host", "cat", "/sys/class/net/eth0/statistics/rx_packets")
		return string(out)
	}
	before := rx()
	err := l.Do("node", func() error {
		c, err := net.Dial("udp", "10.0.128.5:9")
		if err == nil {
			_, err = c.Write([]byte("x"))
			c.Close()
		}
		return err
	})
	if !errors.Is(err, syscall.EHOSTUNREACH) && !errors.Is(err, syscall.ENETUNREACH) {
		t.Errorf("UDP to 10.0.128.5 (the other cluster's Pods) under the guard: %v; want no route to host", err)
	}
	if after := rx(); after != before {
		t.Errorf("the host side received packets (%s -> %s)", strings.TrimSpace(before), strings.TrimSpace(after))
	}
	// The own Service range after translation: a ClusterIP that kube-proxy translates (a DNAT
	// rule stands in for it) still reaches its backend; an address of the range that nothing
	// translates is rejected before it leaves by eth0.
	if out, err := l.Exec("node", "nft", "add table ip kp; add chain ip kp out { type nat hook output priority -100; }; add rule ip kp out ip daddr 172.20.0.1 dnat to 10.0.1.1"); err != nil {
		t.Fatalf("nft (kube-proxy stand-in): %v: %s", err, out)
	}
	send := func(dst string) {
		_ = l.Do("node", func() error {
			c, err := net.Dial("udp", dst)
			if err == nil {
				_, err = c.Write([]byte("x"))
				c.Close()
			}
			return err
		})
	}
	before = rx()
	send("172.20.0.1:9")
	if after := rx(); after == before {
		t.Errorf("a translated ClusterIP (172.20.0.1 -> 10.0.1.1) did not reach the host side")
	}
	before = rx()
	send("172.20.0.77:9")
	if after := rx(); after != before {
		t.Errorf("an untranslated address of the own Service range (172.20.0.77) left the node (%s -> %s)", strings.TrimSpace(before), strings.TrimSpace(after))
	}
	// A route of the same prefix without a metric (as the TGW step's or a CNI's) wins, and the
	// guard does not replace it.
	if err := l.IP("node", "route", "replace", "10.0.128.0/18", "via", "10.0.1.1"); err != nil {
		t.Fatal(err)
	}
	if out, err := l.Exec("node", "sh", "-c", guard); err != nil {
		t.Fatalf("guard script, second run: %v: %s", err, out)
	}
	if r := routeGet("10.0.128.5"); !strings.Contains(r, "via 10.0.1.1") {
		t.Errorf("with a route to 10.0.128.0/18, 10.0.128.5: %s; want via 10.0.1.1", r)
	}
	out, _ := l.Exec("node", "ip", "route", "show", "table", "main")
	if n := strings.Count(string(out), "unreachable"); n != len(p.LabCIDRs())-1 {
		t.Errorf("after two runs %d unreachable routes, want %d:\n%s", n, len(p.LabCIDRs())-1, out)
	}
}
