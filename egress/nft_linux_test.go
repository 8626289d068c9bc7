//go:build linux

package egress

import (
	"errors"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/google/nftables"

	"github.com/netlab-dev/netlab/internal/nft"
	"github.com/netlab-dev/netlab/internal/nstest"
	"github.com/netlab-dev/netlab/internal/testenv"
	"github.com/netlab-dev/netlab/probe/nslab"
)

// guardLab is a host namespace that routes between two lab namespaces (10.90.0.0/24 and
// 10.91.0.0/24, the lab's ranges) and an "outside" namespace holding an outside address and the
// canary. Nothing here leaves the test's namespaces.
type guardLab struct {
	t *testing.T
	*nslab.Lab
}

const (
	outsideAddr = "198.51.100.2"
	labHost     = "10.90.0.1"
	lab2Addr    = "10.91.0.2"
)

func newGuardLab(t *testing.T) guardLab {
	testenv.RequireCommand(t, "sysctl")
	l := nstest.Lab(t, "host", "lab", "lab2", "outside")
	must(t, l.Veth("host", "tolab", labHost+"/24", "lab", "eth0", "10.90.0.2/24"))
	must(t, l.Veth("host", "tolab2", "10.91.0.1/24", "lab2", "eth0", lab2Addr+"/24"))
	must(t, l.Veth("host", "uplink", "198.51.100.1/24", "outside", "eth0", outsideAddr+"/24"))
	must(t, l.IP("outside", "addr", "add", Canary.String()+"/32", "dev", "eth0"))
	must(t, l.IP("host", "route", "add", Canary.String()+"/32", "via", outsideAddr))
	for _, n := range []string{"lab", "lab2"} {
		must(t, l.IP(n, "route", "add", "default", "via", "10."+map[string]string{"lab": "90", "lab2": "91"}[n]+".0.1"))
	}
	must(t, l.IP("outside", "route", "add", "default", "via", "198.51.100.1"))
	must(t, l.Sysctl("host", "net.ipv4.ip_forward", "1"))
	return guardLab{t, l}
}

// delivered sends one UDP datagram from namespace from to dst:port and reports whether a listener
// in namespace to received it within 500 ms.
func (g guardLab) delivered(from, to string, dst string, port int) bool {
	g.t.Helper()
	var conn net.PacketConn
	must(g.t, g.Do(to, func() (err error) {
		conn, err = net.ListenPacket("udp4", net.JoinHostPort(dst, itoa(port)))
		return err
	}))
	defer conn.Close()
	must(g.t, g.Do(from, func() error {
		c, err := net.Dial("udp4", net.JoinHostPort(dst, itoa(port)))
		if err != nil {
			return err
		}
		defer c.Close()
		_, err = c.Write([]byte("netlab egress test"))
		return err
	}))
	conn.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
	buf := make([]byte, 64)
	_, _, err := conn.ReadFrom(buf)
	var ne net.Error
	if err != nil && !(errors.As(err, &ne) && ne.Timeout()) {
		g.t.Fatal(err)
	}
	return err == nil
}

func (g guardLab) counters(lab string) Counters {
	g.t.Helper()
	var c Counters
	must(g.t, g.Do("host", func() (err error) { c, err = Read(lab); return err }))
	return c
}

func (g guardLab) install(s Spec) bool {
	g.t.Helper()
	var wrote bool
	must(g.t, g.Do("host", func() (err error) { wrote, err = Install(s); return err }))
	return wrote
}

func TestGuardRefusesAndCountsWhatWouldLeave(t *testing.T) {
	g := newGuardLab(t)
	// Without the guard the outside is reachable: the topology is sound.
	if !g.delivered("lab", "outside", outsideAddr, 9999) {
		t.Fatal("without a guard the outside address is not reachable: the test's topology is broken")
	}
	spec := Spec{Lab: "t", Ranges: Merge([]netip.Prefix{
		netip.MustParsePrefix("10.90.0.0/24"), netip.MustParsePrefix("10.91.0.0/24"), netip.MustParsePrefix("10.90.0.0/25")})}
	if !g.install(spec) {
		t.Fatal("Install wrote nothing on a host without the table")
	}
	if c := g.counters("t"); !c.Installed || c.Refused.Packets != 0 || c.Escaped.Packets != 0 {
		t.Fatalf("fresh guard: %+v", c)
	}
	// Multicast and the limited broadcast are inside: they never leave by routing.
	must(t, g.Do("host", func() error {
		c, err := nft.Conn(nil)
		if err != nil {
			return err
		}
		set, err := c.GetSetByName(&nftables.Table{Family: nftables.TableFamilyIPv4, Name: TableName("t")}, "inside")
		if err != nil {
			return err
		}
		elems, err := c.GetSetElements(set)
		if err != nil {
			return err
		}
		var starts []string
		for _, e := range elems {
			if !e.IntervalEnd {
				starts = append(starts, net.IP(e.Key).String())
			}
		}
		slices.Sort(starts)
		if want := []string{"10.90.0.0", "10.91.0.0", "224.0.0.0", "255.255.255.255"}; !slices.Equal(starts, want) {
			t.Errorf("set inside starts at %v, want %v", starts, want)
		}
		return nil
	}))
	if g.delivered("lab", "outside", outsideAddr, 9999) {
		t.Error("a datagram from the lab reached the outside through the guard")
	}
	if g.delivered("lab", "outside", outsideAddr, 53) {
		t.Error("a DNS query from the lab reached the outside through the guard")
	}
	if g.delivered("lab", "outside", Canary.String(), CanaryPort) {
		t.Error("the canary reached the outside through the guard")
	}
	c := g.counters("t")
	if c.Refused.Packets != 3 || c.DNS.Packets != 1 || c.Canary.Packets != 1 || c.Escaped.Packets != 0 || c.Backstop.Packets != 0 || c.DNSOut.Packets != 0 {
		t.Errorf("after three refused datagrams (one DNS, one canary): %+v", c)
	}
	// The lab's own traffic is untouched: to the host itself and between its ranges.
	if !g.delivered("lab", "host", labHost, 9999) {
		t.Error("the lab cannot reach the host's own address")
	}
	if !g.delivered("lab", "lab2", lab2Addr, 9999) {
		t.Error("the lab cannot reach its other range through the host")
	}
	// The host's own packets, even from its address in a lab range, are not the lab's.
	if !g.delivered("host", "outside", outsideAddr, 9998) {
		t.Error("the host itself cannot reach the outside")
	}
	must(t, g.Do("host", func() error {
		c, err := net.DialUDP("udp4", &net.UDPAddr{IP: net.ParseIP(labHost)}, &net.UDPAddr{IP: net.ParseIP(outsideAddr), Port: 9997})
		if err != nil {
			return err
		}
		defer c.Close()
		_, err = c.Write([]byte("from the host's lab address"))
		return err
	}))
	if got := g.counters("t"); got.Refused != c.Refused || got.Escaped.Packets != 0 {
		t.Errorf("lab-internal or host traffic was counted: %+v", got)
	}

	// The same spec again leaves the table and its counters alone.
	if g.install(spec) {
		t.Error("Install rewrote a table built from the same spec")
	}
	if got := g.counters("t"); got.Refused.Packets != 3 {
		t.Errorf("counters after a second Install of the same spec: %+v", got)
	}

	// The backstop: with the forward chain emptied, nothing leaves still, and the last hook counts it.
	must(t, g.Do("host", func() error {
		conn, err := nft.Conn(nil)
		if err != nil {
			return err
		}
		conn.FlushChain(&nftables.Chain{Name: "forward", Table: &nftables.Table{Family: nftables.TableFamilyIPv4, Name: TableName("t")}})
		return conn.Flush()
	}))
	if g.delivered("lab", "outside", Canary.String(), CanaryPort) || g.delivered("lab", "outside", outsideAddr, 9999) {
		t.Error("with the forward chain emptied, a datagram left through the postrouting chain")
	}
	if c := g.counters("t"); c.Backstop.Packets != 1 || c.Escaped.Packets != 1 {
		t.Errorf("postrouting counters: %+v (want backstop 1, escaped 1)", c)
	}

	// dns.upstream: another spec replaces the table; DNS goes out, counted, and nothing else does.
	spec.DNSOut = true
	if !g.install(spec) {
		t.Error("Install kept a table built from another spec")
	}
	if !g.delivered("lab", "outside", outsideAddr, 53) {
		t.Error("under dns.upstream a DNS query did not go out")
	}
	if g.delivered("lab", "outside", outsideAddr, 9999) {
		t.Error("under dns.upstream a non-DNS datagram went out")
	}
	if c := g.counters("t"); c.DNSOut.Packets != 1 || c.Refused.Packets != 1 || c.DNS.Packets != 0 || c.Escaped.Packets != 0 {
		t.Errorf("dns.upstream counters: %+v", c)
	}

	var removed bool
	must(t, g.Do("host", func() (err error) { removed, err = Remove("t"); return err }))
	if !removed {
		t.Error("Remove found no table")
	}
	if c := g.counters("t"); c.Installed {
		t.Errorf("table still there after Remove: %+v", c)
	}
	must(t, g.Do("host", func() (err error) { removed, err = Remove("t"); return err }))
	if removed {
		t.Error("Remove reported a table that was already gone")
	}
	if !g.delivered("lab", "outside", outsideAddr, 9999) {
		t.Error("after Remove the outside is still refused")
	}
}

func TestCanInstall(t *testing.T) {
	l := nstest.Lab(t, "host")
	must(t, l.Do("host", CanInstall))
	must(t, l.Do("host", func() error {
		c, err := nft.Conn(nil)
		if err != nil {
			return err
		}
		tables, err := c.ListTables()
		if len(tables) != 0 {
			t.Errorf("CanInstall left %d tables", len(tables))
		}
		return err
	}))
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
