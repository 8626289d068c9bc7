//go:build linux

package tgw_test

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/containernetworking/plugins/pkg/ns"
	"github.com/google/nftables"

	"github.com/netlab-dev/netlab/internal/nstest"
	"github.com/netlab-dev/netlab/internal/testenv"
	"github.com/netlab-dev/netlab/tgw"
)

// apiFilterState reads, in namespace n, how many tables are named tgw.APIFilterTable and the tags
// of their rules.
func apiFilterState(t *testing.T, n ns.NetNS) (tables int, tags []string) {
	t.Helper()
	c, err := nftables.New(nftables.WithNetNSFd(int(n.Fd())))
	if err != nil {
		t.Fatal(err)
	}
	ts, err := c.ListTablesOfFamily(nftables.TableFamilyIPv4)
	if err != nil {
		t.Fatal(err)
	}
	chains, err := c.ListChainsOfTableFamily(nftables.TableFamilyIPv4)
	if err != nil {
		t.Fatal(err)
	}
	for _, tb := range ts {
		if tb.Name != tgw.APIFilterTable {
			continue
		}
		tables++
		for _, ch := range chains {
			if ch.Table.Name != tb.Name {
				continue
			}
			rules, err := c.GetRules(tb, ch)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rules {
				tags = append(tags, ch.Name+":"+string(r.UserData))
			}
		}
	}
	return tables, tags
}

// connect dials addr from namespace n and returns the first line the server sends, how long the
// dial took and the error.
func connect(t *testing.T, n ns.NetNS, addr string) (string, time.Duration, error) {
	t.Helper()
	var line string
	var derr error
	var took time.Duration
	nstest.Do(t, n, func() error {
		start := time.Now()
		c, err := net.DialTimeout("tcp4", addr, 5*time.Second)
		took = time.Since(start)
		if err != nil {
			derr = err
			return nil
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(2 * time.Second))
		b := make([]byte, 64)
		k, err := c.Read(b)
		line, derr = string(b[:k]), err
		return nil
	})
	return line, took, derr
}

// TestAPIFilterRefusesPods builds a TGW namespace with a leg toward a "host" namespace (its default
// gateway) and one toward a "pod" namespace, listens on a port there, installs the API filter, and
// checks that the pod's connections are refused at once (ECONNREFUSED, never accepted) while the
// host's are served, and that installing again leaves one table with the same rules.
func TestAPIFilterRefusesPods(t *testing.T) {
	testenv.RequireRoot(t)
	tgwNS, hostNS, podNS := nstest.NS(t), nstest.NS(t), nstest.NS(t)
	veth(t, hostNS, "to-tgw", "172.30.0.1/24", tgwNS, "eth0", "172.30.0.2/24", "172.30.0.1")
	veth(t, tgwNS, "leg-pod", "10.244.0.1/24", podNS, "eth0", "10.244.0.5/24", "10.244.0.1")
	var l net.Listener
	nstest.Do(t, tgwNS, func() (err error) { l, err = net.Listen("tcp4", "0.0.0.0:0"); return err })
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	var mu sync.Mutex
	var accepted []string
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			from := c.RemoteAddr().(*net.TCPAddr).IP.String()
			mu.Lock()
			accepted = append(accepted, from)
			mu.Unlock()
			fmt.Fprintf(c, "hello %s\n", from)
			c.Close()
		}
	}()
	viaLeg := fmt.Sprintf("10.244.0.1:%d", port)     // the TGW's address on the pod's leg
	viaHostNet := fmt.Sprintf("172.30.0.2:%d", port) // the TGW's address on the host's network

	// control: without the filter the pod reaches the port
	if got, _, err := connect(t, podNS, viaLeg); err != nil || got != "hello 10.244.0.5\n" {
		t.Fatalf("pod before the filter: %q, %v; the test would prove nothing", got, err)
	}

	gws := []netip.Addr{netip.MustParseAddr("172.30.0.1")}
	n, err := tgw.InstallAPIFilter(tgwNS, uint16(port), gws)
	if err != nil {
		t.Fatal(err)
	}
	tables, first := apiFilterState(t, tgwNS)
	want := []string{"input:loopback", "input:gateway|172.30.0.1", "input:others"}
	if tables != 1 || n != 3 || !slices.Equal(first, want) {
		t.Fatalf("after install: %d tables, %d rules written, rules %v; want 1, 3, %v", tables, n, first, want)
	}

	check := func(when string) {
		t.Helper()
		for _, addr := range []string{viaLeg, viaHostNet} {
			got, took, err := connect(t, podNS, addr)
			if !errors.Is(err, syscall.ECONNREFUSED) || took > time.Second {
				t.Errorf("%s: pod -> %s: %q, %v after %v; want connection refused at once", when, addr, got, err, took)
			}
		}
		if got, _, err := connect(t, hostNS, viaHostNet); err != nil || got != "hello 172.30.0.1\n" {
			t.Errorf("%s: host (the gateway) -> %s: %q, %v; want served", when, viaHostNet, got, err)
		}
		if got, _, err := connect(t, tgwNS, fmt.Sprintf("127.0.0.1:%d", port)); err != nil || got != "hello 127.0.0.1\n" {
			t.Errorf("%s: loopback: %q, %v; want served", when, got, err)
		}
	}
	check("after install")

	if _, err := tgw.InstallAPIFilter(tgwNS, uint16(port), gws); err != nil {
		t.Fatalf("second install: %v", err)
	}
	if tables, again := apiFilterState(t, tgwNS); tables != 1 || !slices.Equal(again, first) {
		t.Fatalf("after a second install: %d tables, rules %v; want 1, %v", tables, again, first)
	}
	check("after a second install")

	mu.Lock()
	defer mu.Unlock()
	pods := 0
	for _, a := range accepted {
		if a == "10.244.0.5" {
			pods++
		}
	}
	if pods != 1 {
		t.Errorf("the server accepted %d connections from the pod (%v); want only the control's", pods, accepted)
	}
}
