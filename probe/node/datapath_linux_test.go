package node_test

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/netlab-dev/netlab/internal/nstest"
	"github.com/netlab-dev/netlab/internal/testenv"
	"github.com/netlab-dev/netlab/probe"
	"github.com/netlab-dev/netlab/probe/node"
	"github.com/netlab-dev/netlab/probe/nslab"
)

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func serve(t *testing.T, l *nslab.Lab, name, addr string) *probe.Server {
	t.Helper()
	var s *probe.Server
	must(t, l.Do(name, func() error {
		var err error
		s, err = probe.Start(context.Background(), probe.ServerConfig{TCPAddr: addr, Identity: probe.Identity{Hostname: name}})
		return err
	}))
	t.Cleanup(func() { s.Close() })
	return s
}

// vxlanLab: namespaces a and b joined by an underlay veth (192.168.77.0/24), with a VXLAN device
// vx0 (VNI 42, port 4789) on each carrying the overlay 10.200.0.0/24, as Calico VXLAN does.
func vxlanLab(t *testing.T) *nslab.Lab {
	l := nstest.Lab(t, "a", "b")
	for _, n := range []string{"a", "b"} {
		// No IPv6 chatter (router solicitations, MLD) on the links: the idle count must be 0.
		must(t, l.Sysctl(n, "net.ipv6.conf.all.disable_ipv6", "1"))
		must(t, l.Sysctl(n, "net.ipv6.conf.default.disable_ipv6", "1"))
	}
	must(t, l.Veth("a", "eth0", "192.168.77.1/24", "b", "eth0", "192.168.77.2/24"))
	for _, s := range []struct{ n, local, remote, overlay string }{
		{"a", "192.168.77.1", "192.168.77.2", "10.200.0.1/24"},
		{"b", "192.168.77.2", "192.168.77.1", "10.200.0.2/24"},
	} {
		must(t, l.IP(s.n, "link", "add", "vx0", "type", "vxlan", "id", "42", "dstport", "4789", "local", s.local, "remote", s.remote, "dev", "eth0"))
		must(t, l.IP(s.n, "addr", "add", s.overlay, "dev", "vx0"))
		must(t, l.IP(s.n, "link", "set", "vx0", "up"))
	}
	return l
}

func capture(t *testing.T, l *nslab.Lab, ports []uint16, d time.Duration, during func()) node.CaptureResult {
	t.Helper()
	return captureFlow(t, l, ports, node.InnerFlow{}, d, during)
}

func captureFlow(t *testing.T, l *nslab.Lab, ports []uint16, flow node.InnerFlow, d time.Duration, during func()) node.CaptureResult {
	t.Helper()
	var res node.CaptureResult
	var cerr error
	var wg sync.WaitGroup
	wg.Add(1)
	started := make(chan struct{})
	go func() {
		defer wg.Done()
		cerr = l.Do("a", func() error {
			close(started)
			var err error
			res, err = node.CaptureUDP(context.Background(), node.CaptureOptions{Interface: "eth0", Ports: ports, Flow: flow, Duration: d})
			return err
		})
	}()
	<-started
	time.Sleep(50 * time.Millisecond) // the socket is bound by now
	if during != nil {
		during()
	}
	wg.Wait()
	must(t, cerr)
	return res
}

func TestCaptureVXLAN(t *testing.T) {
	l := vxlanLab(t)
	s := serve(t, l, "b", "10.200.0.2:7001")
	g, _ := probe.NewGuard("10.200.0.0/24")
	c := &probe.Client{Guard: g, Timeout: 3 * time.Second}
	traffic := func() {
		must(t, l.Do("a", func() error {
			for i := 0; i < 10; i++ {
				res, err := c.TCP(context.Background(), s.TCPAddr(), "over vxlan")
				if err != nil {
					return err
				}
				if res.Server.RemoteIP != "10.200.0.1" {
					t.Errorf("server saw %s", res.Server.RemoteIP)
				}
			}
			return nil
		}))
	}
	traffic() // resolve ARP over the overlay first

	// The last connections' closing segments can trail the traffic by a moment on a loaded host
	// (seen once in CI: one FIN and its ACK 102 bytes each), so the idle window is taken again, up to
	// five times, until it is quiet; it must be quiet once traffic has stopped.
	var idle node.CaptureResult
	for i := 0; i < 5; i++ {
		idle = capture(t, l, nil, 400*time.Millisecond, nil)
		if idle.Packets == 0 {
			break
		}
		t.Logf("idle window %d: %d trailing packets, taking it again", i+1, idle.Packets)
	}
	if idle.Packets != 0 || idle.Stopped != "duration" {
		t.Errorf("idle underlay: %+v, want 0 encapsulated packets", idle)
	}
	busy := capture(t, l, nil, 600*time.Millisecond, traffic)
	// 10 connections: at least SYN, ACK, data, FIN each way are encapsulated.
	if busy.Packets < 40 || busy.Incoming == 0 || busy.Outgoing == 0 || busy.ByPort["4789"] != busy.Packets {
		t.Errorf("during traffic: %+v", busy)
	}
	if busy.Seconds < 0.6 || busy.Seconds > 2 {
		t.Errorf("capture ran %.2fs, bound 0.6s", busy.Seconds)
	}
	// Flannel's port only: the same traffic (on 4789) is not counted.
	flannelOnly := capture(t, l, []uint16{8472}, 400*time.Millisecond, traffic)
	if flannelOnly.Packets != 0 || flannelOnly.NotVXLAN != 0 {
		t.Errorf("8472-only capture counted 4789 traffic: %+v", flannelOnly)
	}
	t.Logf("idle %d, busy %d (in %d, out %d, %d bytes), 8472-only %d", idle.Packets, busy.Packets, busy.Incoming, busy.Outgoing, busy.Bytes, flannelOnly.Packets)

	// Counted only for the flow asked about: the same traffic, by direction and VNI.
	a, b := netip.MustParseAddr("10.200.0.1"), netip.MustParseAddr("10.200.0.2")
	flow := captureFlow(t, l, nil, node.InnerFlow{Src: a, Dst: b, Port: 7001}, 600*time.Millisecond, traffic)
	if flow.Forward < 20 || flow.Reply < 20 || flow.Packets != flow.Forward+flow.Reply || flow.ByVNI["42"] != flow.Packets ||
		flow.Outgoing != flow.Forward || flow.Incoming != flow.Reply || flow.NotVXLAN != 0 {
		t.Errorf("flow %s: %+v", flow.Flow, flow)
	}
	// Another flow's datagrams, and a 16-byte datagram that is not VXLAN, to the VXLAN port: none count.
	garbage := func() {
		traffic()
		must(t, l.Do("b", func() error {
			c, err := net.Dial("udp", "192.168.77.1:4789")
			if err != nil {
				return err
			}
			defer c.Close()
			_, err = c.Write([]byte("0123456789abcdef"))
			return err
		}))
	}
	other := captureFlow(t, l, nil, node.InnerFlow{Src: a, Dst: netip.MustParseAddr("10.200.0.9")}, 600*time.Millisecond, garbage)
	if other.Packets != 0 || other.OtherFlow < 40 || other.NotVXLAN != 1 {
		t.Errorf("another flow, and garbage: %+v", other)
	}
	t.Logf("flow: forward %d, reply %d, by VNI %v; another flow: %d left out, %d not VXLAN", flow.Forward, flow.Reply, flow.ByVNI, other.OtherFlow, other.NotVXLAN)

	// Bounded by packet count too: it stops at 5 packets, long before its 5s.
	t0 := time.Now()
	var few node.CaptureResult
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		must(t, l.Do("a", func() error {
			var err error
			few, err = node.CaptureUDP(context.Background(), node.CaptureOptions{Interface: "eth0", Duration: 5 * time.Second, MaxPackets: 5})
			return err
		}))
	}()
	time.Sleep(50 * time.Millisecond)
	traffic()
	wg.Wait()
	if few.Packets != 5 || few.Stopped != "packets" || time.Since(t0) > 3*time.Second {
		t.Errorf("packet-bounded capture: %+v after %v", few, time.Since(t0))
	}
}

func TestInterfacesAndRoutes(t *testing.T) {
	l := vxlanLab(t)
	must(t, l.IP("a", "route", "add", "10.244.5.0/24", "via", "10.200.0.2", "dev", "vx0", "onlink"))
	must(t, l.Do("a", func() error {
		links, err := node.Interfaces()
		if err != nil {
			return err
		}
		byName := map[string]node.Interface{}
		for _, it := range links {
			byName[it.Name] = it
		}
		eth, vx := byName["eth0"], byName["vx0"]
		// VXLAN over IPv4 costs 50 bytes: the overlay MTU is the uplink's minus 50.
		if eth.MTU != 1500 || vx.MTU != eth.MTU-50 || vx.Type != "vxlan" || !vx.Up {
			t.Errorf("eth0 %+v, vx0 %+v", eth, vx)
		}
		if vx.VXLAN == nil || vx.VXLAN.VNI != 42 || vx.VXLAN.Port != 4789 || vx.VXLAN.Underly != "eth0" || vx.VXLAN.Local != "192.168.77.1" {
			t.Errorf("vxlan info %+v", vx.VXLAN)
		}
		if !slices.Contains(eth.Addrs, "192.168.77.1/24") {
			t.Errorf("eth0 addrs %v", eth.Addrs)
		}
		routes, err := node.Routes(254)
		if err != nil {
			return err
		}
		found := false
		for _, r := range routes {
			if r.Dst == "10.244.5.0/24" {
				found = r.Gateway == "10.200.0.2" && r.Dev == "vx0" && r.Family == "ipv4" && r.Table == 254
				if !found {
					t.Errorf("route %+v", r)
				}
			}
		}
		if !found {
			t.Errorf("peer podCIDR route missing from %+v", routes)
		}
		all, err := node.Routes(node.AllTables)
		if err != nil {
			return err
		}
		if len(all) <= len(routes) {
			t.Errorf("all tables (%d routes) should include the local table beyond main (%d)", len(all), len(routes))
		}
		return nil
	}))
}

// A ClusterIP-like virtual address, DNATed by an nftables rule in the client's namespace (as
// kube-proxy does for traffic from the node), shows up in conntrack with orig dst ≠ reply src.
func TestConntrackShowsDNAT(t *testing.T) {
	testenv.RequireCommand(t, "nft")
	l := nstest.Lab(t, "c", "s")
	must(t, l.Veth("c", "eth0", "10.99.4.1/24", "s", "eth0", "10.99.4.2/24"))
	must(t, l.IP("c", "route", "add", "10.96.0.0/12", "via", "10.99.4.2"))
	s := serve(t, l, "s", "10.99.4.2:7001")
	g, _ := probe.NewGuard("10.99.4.0/24", "10.96.0.0/12")
	c := &probe.Client{Guard: g, Timeout: 2 * time.Second}
	vip := netip.MustParseAddr("10.96.0.10")

	dnat := func() []node.ConntrackEntry {
		var out []node.ConntrackEntry
		must(t, l.Do("c", func() error {
			var err error
			out, err = node.Conntrack(node.ConntrackFilter{OrigDst: vip, OrigDport: 80, Proto: "tcp", OnlyDNAT: true})
			return err
		}))
		return out
	}
	// Without the rule: nothing answers on the VIP, and conntrack has no DNAT for it.
	must(t, l.Do("c", func() error {
		c.Timeout = 300 * time.Millisecond
		if _, err := c.TCP(context.Background(), "10.96.0.10:80", "x"); err == nil {
			t.Error("the VIP answered without a DNAT rule")
		}
		c.Timeout = 2 * time.Second
		return nil
	}))
	if got := dnat(); len(got) != 0 {
		t.Errorf("DNAT entries before the rule: %+v", got)
	}
	for _, cmd := range [][]string{
		{"nft", "add", "table", "ip", "nat"},
		{"nft", "add", "chain", "ip", "nat", "output", "{ type nat hook output priority -100 ; }"},
		{"nft", "add", "rule", "ip", "nat", "output", "ip", "daddr", "10.96.0.10", "tcp", "dport", "80", "dnat", "to", "10.99.4.2:7001"},
	} {
		_, err := l.Exec("c", cmd...)
		must(t, err)
	}
	must(t, l.Do("c", func() error {
		res, err := c.TCP(context.Background(), "10.96.0.10:80", "via the VIP")
		if err != nil {
			return err
		}
		if res.Server.LocalIP != "10.99.4.2" || res.Server.LocalPort != 7001 || res.Server.RemoteIP != "10.99.4.1" {
			t.Errorf("backend report %+v", res.Server)
		}
		// A direct connection to the backend is tracked too, without NAT.
		_, err = c.TCP(context.Background(), s.TCPAddr(), "direct")
		return err
	}))
	got := dnat()
	if len(got) == 0 {
		t.Fatal("no DNAT entry for 10.96.0.10:80 after the rule")
	}
	e := got[0]
	if e.ReplySrc != "10.99.4.2" || e.ReplySport != 7001 || e.OrigSrc != "10.99.4.1" || !e.DNAT || e.SNAT {
		t.Errorf("entry %+v", e)
	}
	must(t, l.Do("c", func() error {
		all, err := node.Conntrack(node.ConntrackFilter{Proto: "tcp"})
		if err != nil {
			return err
		}
		direct := 0
		for _, e := range all {
			if e.OrigDst == "10.99.4.2" && e.OrigDport == 7001 {
				direct++
				if e.DNAT {
					t.Errorf("direct connection marked DNAT: %+v", e)
				}
			}
		}
		if direct == 0 {
			t.Errorf("the direct connection is not in conntrack: %+v", all)
		}
		return nil
	}))
	t.Logf("conntrack: %s:%d -> %s:%d, reply from %s:%d (dnat=%v)", e.OrigSrc, e.OrigSport, e.OrigDst, e.OrigDport, e.ReplySrc, e.ReplySport, e.DNAT)
}

func TestKubeProxyRules(t *testing.T) {
	testenv.RequireCommand(t, "nft")
	testenv.RequireCommand(t, "iptables")
	testenv.RequireCommand(t, "iptables-legacy")
	l := nstest.Lab(t, "none", "ipt", "nft", "legacy")
	read := func(name string) node.KubeProxyRules {
		var k node.KubeProxyRules
		must(t, l.Do(name, func() error {
			var err error
			k, err = node.ReadKubeProxyRules(context.Background())
			return err
		}))
		return k
	}
	// An empty namespace: every data plane read and found empty, and the legacy nat table not
	// created by reading it.
	k := read("none")
	if k.Mode != "none" || k.NFTKubeProxyTable || len(k.KubeSVCChains) != 0 || k.NFT.State != node.SeenAbsent ||
		k.IPTables.State != node.SeenAbsent || k.IPVS.State != node.SeenAbsent || k.Cilium.Observed() {
		t.Errorf("empty namespace: %+v", k)
	}
	if out, err := l.Exec("none", "cat", "/proc/net/ip_tables_names"); err == nil && len(out) != 0 {
		t.Errorf("reading created legacy tables: %q", out)
	}
	for _, cmd := range [][]string{
		{"iptables", "-t", "nat", "-N", "KUBE-SERVICES"},
		{"iptables", "-t", "nat", "-N", "KUBE-SVC-NPX46M4PTMTKRN6Y"},
		{"iptables", "-t", "nat", "-A", "PREROUTING", "-j", "KUBE-SERVICES"},
	} {
		_, err := l.Exec("ipt", cmd...)
		must(t, err)
	}
	k = read("ipt")
	if k.Mode != "iptables" || !slices.Contains(k.KubeSVCChains, "KUBE-SVC-NPX46M4PTMTKRN6Y") || k.NFTKubeProxyTable || !slices.Contains(k.Sources, "nfnetlink") {
		t.Errorf("iptables namespace: %+v", k)
	}
	for _, cmd := range [][]string{
		{"nft", "add", "table", "ip", "kube-proxy"},
		{"nft", "add", "chain", "ip", "kube-proxy", "services"},
		{"nft", "add", "chain", "ip", "kube-proxy", "service-ULMVA6XW-ns1/svc1/tcp/p80"},
	} {
		_, err := l.Exec("nft", cmd...)
		must(t, err)
	}
	k = read("nft")
	if k.Mode != "nftables" || !k.NFTKubeProxyTable || !slices.Contains(k.KubeProxyNFTChains, "ip services") || len(k.KubeSVCChains) != 0 || !slices.Contains(k.NFTTables, "ip kube-proxy") {
		t.Errorf("nftables namespace: %+v", k)
	}
	// Legacy iptables (x_tables), as kube-proxy in a legacy node image leaves it: read without
	// iptables-legacy-save, through getsockopt.
	for _, cmd := range [][]string{
		{"iptables-legacy", "-t", "nat", "-N", "KUBE-SERVICES"},
		{"iptables-legacy", "-t", "nat", "-N", "KUBE-SVC-TCOU7JCQXEZGVUNU"},
		{"iptables-legacy", "-t", "nat", "-A", "PREROUTING", "-j", "KUBE-SERVICES"},
		{"iptables-legacy", "-t", "nat", "-A", "KUBE-SERVICES", "-d", "10.96.0.10/32", "-p", "udp", "--dport", "53", "-j", "KUBE-SVC-TCOU7JCQXEZGVUNU"},
	} {
		_, err := l.Exec("legacy", cmd...)
		must(t, err)
	}
	k = read("legacy")
	wantLegacy := []string{"INPUT", "KUBE-SERVICES", "KUBE-SVC-TCOU7JCQXEZGVUNU", "OUTPUT", "POSTROUTING", "PREROUTING"}
	if k.Mode != "iptables" || k.IPTables.State != node.SeenPresent || !slices.Equal(k.LegacyNATChains, wantLegacy) ||
		!slices.Equal(k.KubeSVCChains, []string{"KUBE-SVC-TCOU7JCQXEZGVUNU"}) || !slices.Contains(k.Sources, "x_tables") {
		t.Errorf("legacy namespace: %+v", k)
	}
	// Direct: the same chains as iptables-legacy-save lists.
	must(t, l.Do("legacy", func() error {
		chains, exists, err := node.LegacyIPTablesChains("nat")
		if !exists || !slices.Equal(chains, wantLegacy) {
			t.Errorf("LegacyIPTablesChains(nat) = %v %v %v", chains, exists, err)
		}
		if _, exists, err := node.LegacyIPTablesChains("mangle"); exists || err != nil {
			t.Errorf("mangle was never made, yet exists=%v err=%v", exists, err)
		}
		return err
	}))
}

// IPVS in a fresh namespace: no virtual server, or, on a kernel without ip_vs (as on this CI's),
// the error that says so, never an empty answer that hides it.
func TestIPVSServicesInANamespace(t *testing.T) {
	l := nstest.Lab(t, "ipvs")
	must(t, l.Do("ipvs", func() error {
		svcs, err := node.IPVSServices()
		switch {
		case errors.Is(err, node.ErrIPVSUnavailable):
			t.Logf("this kernel has no IPVS: %v", err)
		case err != nil:
			return err
		case len(svcs) != 0:
			t.Errorf("a fresh namespace has IPVS services: %+v", svcs)
		}
		return nil
	}))
}
