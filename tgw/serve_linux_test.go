//go:build linux

package tgw_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/containernetworking/plugins/pkg/ns"
	"github.com/vishvananda/netlink"

	"github.com/netlab-dev/netlab/internal/nstest"
	"github.com/netlab-dev/netlab/internal/testenv"
	"github.com/netlab-dev/netlab/tgw"
	"github.com/netlab-dev/netlab/tgw/api"
	"github.com/netlab-dev/netlab/tgw/client"
	"github.com/netlab-dev/netlab/tgw/datapath"
)

// labCreds are the lab credentials the served API accepts.
var labCreds = client.Credentials{AccessKeyID: "AKIDLAB", SecretAccessKey: "lab-secret"}

func up(name, cidr string) error {
	l, err := netlink.LinkByName(name)
	if err != nil {
		return err
	}
	a, _ := netlink.ParseAddr(cidr)
	if err := netlink.AddrAdd(l, a); err != nil {
		return err
	}
	return netlink.LinkSetUp(l)
}

func veth(t *testing.T, a ns.NetNS, an, aa string, b ns.NetNS, bn, ba, gw string) {
	t.Helper()
	nstest.Do(t, a, func() error {
		if err := netlink.LinkAdd(&netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: an}, PeerName: bn, PeerNamespace: netlink.NsFd(int(b.Fd()))}); err != nil {
			return err
		}
		return up(an, aa)
	})
	nstest.Do(t, b, func() error {
		if err := up(bn, ba); err != nil {
			return err
		}
		return netlink.RouteAdd(&netlink.Route{Dst: &net.IPNet{IP: net.IPv4zero, Mask: net.CIDRMask(0, 32)}, Gw: net.ParseIP(gw)})
	})
}

func dial(t *testing.T, n ns.NetNS, addr string) string {
	t.Helper()
	out := ""
	nstest.Do(t, n, func() error {
		c, err := net.DialTimeout("tcp4", addr, 1500*time.Millisecond)
		if err != nil {
			return nil
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(2 * time.Second))
		out, _ = bufio.NewReader(c).ReadString('\n')
		return nil
	})
	return strings.TrimSpace(out)
}

// startServe runs Serve programming the TGW namespace, with the API on host loopback (APIFromAny:
// APIFromHost would write its nftables table into the namespace the test runs in).
func startServe(t *testing.T, tgwNS ns.NetNS, state string) (url string, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- tgw.Serve(ctx, tgw.ServeOptions{Listen: "127.0.0.1:0", APIFrom: tgw.APIFromAny, StateFile: state, NetNS: tgwNS.Path(), Resync: 200 * time.Millisecond,
			Credentials: &api.Credentials{AccessKeyID: labCreds.AccessKeyID, SecretAccessKey: labCreds.SecretAccessKey},
			Logf:        t.Logf, Ready: func(a string) { ready <- a }})
	}()
	select {
	case a := <-ready:
		url = "http://" + a
	case err := <-done:
		t.Fatalf("serve: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not start")
	}
	stopped := false
	t.Cleanup(func() { // before the namespaces go, even when the test fails early
		if !stopped {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("serve: %v", err)
			}
		}
	})
	return url, func() {
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve returned %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("serve did not stop")
		}
	}
}

// TestServeSurvivesRestart runs the TGW server on a namespace topology (host A — TGW — host B),
// configures it through client.Reconcile, checks that traffic crosses and is counted, then wipes the
// namespace's policy routing (as a container restart does), starts the server again on the same state
// file, and checks that traffic crosses again with the same resource ids.
func TestServeSurvivesRestart(t *testing.T) {
	testenv.RequireRoot(t)
	tgwNS, hostA, hostB := nstest.NS(t), nstest.NS(t), nstest.NS(t)
	veth(t, tgwNS, "leg-a", "10.0.1.1/24", hostA, "eth0", "10.0.1.10/24", "10.0.1.1")
	veth(t, tgwNS, "leg-b", "10.1.1.1/24", hostB, "eth0", "10.1.1.10/24", "10.1.1.1")
	var l net.Listener
	nstest.Do(t, hostB, func() (err error) { l, err = net.Listen("tcp4", "0.0.0.0:7070"); return err })
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			fmt.Fprintf(c, "B saw %s\n", c.RemoteAddr().(*net.TCPAddr).IP)
			c.Close()
		}
	}()
	state := filepath.Join(t.TempDir(), "state.json")
	url, stop := startServe(t, tgwNS, state)
	spec := client.Spec{Name: "lab",
		Attachments: []client.AttachmentSpec{
			{Name: "a", CIDRs: []string{"10.0.0.0/16"}, Subnets: []client.SubnetSpec{{CIDR: "10.0.1.0/24", TGWAddress: "10.0.1.1"}}},
			{Name: "b", CIDRs: []string{"10.1.0.0/16"}, Subnets: []client.SubnetSpec{{CIDR: "10.1.1.0/24", TGWAddress: "10.1.1.1"}}}},
		RouteTables: []client.RouteTableSpec{{Name: "main", Associations: []string{"a", "b"}, Propagations: []string{"a", "b"}}}}
	if got := dial(t, hostA, "10.1.1.10:7070"); got != "" {
		t.Fatalf("traffic crossed before any route existed: %q", got)
	}
	res, err := client.Reconcile(context.Background(), client.NewEC2(url, labCreds), spec)
	if err != nil {
		t.Fatal(err)
	}
	if got := dial(t, hostA, "10.1.1.10:7070"); got != "B saw 10.0.1.10" {
		t.Fatalf("A -> B through the TGW: %q", got)
	}
	v, err := client.FetchRoutes(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	var text bytes.Buffer
	if err := client.WriteRoutes(&text, v); err != nil {
		t.Fatal(err)
	}
	t.Logf("routes:\n%s", text.String())
	found := false
	for _, tb := range v.Tables {
		for _, r := range tb.Routes {
			if tb.Name == "lab-main" && r.Dst == "10.1.0.0/16" && r.Installed && r.Dev == "leg-b" && r.Packets > 0 && r.CountersSince != "" {
				found = true
			}
		}
	}
	if !found || !strings.Contains(text.String(), "10.1.0.0/16 dev leg-b") {
		t.Fatalf("route view lacks a counted 10.1.0.0/16 dev leg-b in main, with the time its count started: %+v", v)
	}
	stop()

	// a restarted container comes back with a fresh kernel: wipe netlab's rules, forwarding off
	nstest.Do(t, tgwNS, func() error {
		if err := os.WriteFile("/proc/sys/net/ipv4/ip_forward", []byte("0"), 0o644); err != nil {
			return err
		}
		rules, _ := netlink.RuleList(netlink.FAMILY_V4)
		for _, r := range rules {
			if r.Priority >= datapath.RuleLookupBase && r.Priority <= datapath.RuleMax {
				r := r
				if err := netlink.RuleDel(&r); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if got := dial(t, hostA, "10.1.1.10:7070"); got == "B saw 10.0.1.10" {
		t.Fatal("traffic still crossed with the rules wiped; the test proves nothing")
	}
	url, stop = startServe(t, tgwNS, state)
	defer stop()
	if got := dial(t, hostA, "10.1.1.10:7070"); got != "B saw 10.0.1.10" {
		t.Fatalf("A -> B after restart: %q", got)
	}
	again, err := client.Reconcile(context.Background(), client.NewEC2(url, labCreds), spec)
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Changes) != 0 || again.AttachmentIDs["a"] != res.AttachmentIDs["a"] || again.RouteTableIDs["main"] != res.RouteTableIDs["main"] {
		t.Fatalf("after restart: changes %v, ids %v vs %v", again.Changes, again.AttachmentIDs, res.AttachmentIDs)
	}
}
