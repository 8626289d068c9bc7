//go:build linux

package datapath

import (
	"slices"
	"testing"
	"time"

	"github.com/netlab-dev/netlab/internal/testenv"
	"github.com/netlab-dev/netlab/tgw/model"
)

// TestCountersSurviveRecreation: the checks read a route's counter before and after their traffic
// (checks/catalog/cross_cluster_tgw.go) and their negative controls delete and create routes. A route
// deleted and created again with the same destination in the same table continues its count and keeps
// its start time (Counter.Since); a new Kernel on the same namespace (a restarted server) reads the
// count and its start from the rules; and when a route comes back after such a restart, the count
// restarts from zero and Since moves, so a reader can tell.
func TestCountersSurviveRecreation(t *testing.T) {
	testenv.RequireRoot(t)
	tgwNS, hostA, _ := twoVPCs(t)

	k := &Kernel{NS: tgwNS, Sysctls: true}
	addr := addressIn(t, k)
	s := model.New()
	s.IDs = model.Sequential()
	f := false
	vA, _ := s.CreateVPC("10.0.0.0/16", nil)
	vB, _ := s.CreateVPC("10.1.0.0/16", nil)
	sA, _ := s.CreateSubnet(vA.ID, "10.0.1.0/24", "", nil)
	sB, _ := s.CreateSubnet(vB.ID, "10.1.1.0/24", "", nil)
	g, _ := s.CreateTransitGateway("", model.TransitGatewayOptions{DefaultAssociation: &f, DefaultPropagation: &f}, nil)
	aA, err := s.CreateAttachment(g.ID, vA.ID, []string{sA.ID}, nil, addr)
	must(t, err)
	aB, err := s.CreateAttachment(g.ID, vB.ID, []string{sB.ID}, nil, addr)
	must(t, err)
	rt, _ := s.CreateRouteTable(g.ID, nil)
	for _, a := range []*model.Attachment{aA, aB} {
		_, _, err := s.Associate(rt.ID, a.ID)
		must(t, err)
		_, _, err = s.EnablePropagation(rt.ID, a.ID)
		must(t, err)
	}
	_, err = s.CreateRoute(rt.ID, "10.1.1.0/24", aB.ID, false)
	must(t, err)
	table := TableOf(rt)
	apply := func(k *Kernel) {
		t.Helper()
		if _, err := k.Apply(s); err != nil {
			t.Fatal(err)
		}
	}
	read := func(k *Kernel) (Counter, bool) {
		t.Helper()
		cs, err := k.Counters()
		must(t, err)
		for _, c := range cs {
			if c.Table == table && c.Dst == "10.1.1.0/24" {
				return c, true
			}
		}
		return Counter{}, false
	}
	// traffic makes three connections and returns once their last packets (the close's ACKs,
	// which the kernels send after dial has its line) have passed: the route's counter and the
	// propagated route's have stayed the same for 200 ms (at most 3 s).
	traffic := func() {
		t.Helper()
		for i := 0; i < 3; i++ {
			if got := dial(t, hostA, "10.1.1.10"); got != "nodeB 10.0.1.10" {
				t.Fatalf("host A -> 10.1.1.10: %q", got)
			}
		}
		var last []Counter
		for still, deadline := 0, time.Now().Add(3*time.Second); still < 4 && time.Now().Before(deadline); {
			time.Sleep(50 * time.Millisecond)
			cs, err := k.Counters()
			must(t, err)
			if slices.Equal(cs, last) {
				still++
			} else {
				still, last = 0, cs
			}
		}
	}

	apply(k)
	traffic()
	c1, ok := read(k)
	if !ok || c1.Packets == 0 || c1.Since.IsZero() {
		t.Fatalf("counter after traffic: %+v %v", c1, ok)
	}

	// delete and create the same route: the count and its start carry on
	_, err = s.DeleteRoute(rt.ID, "10.1.1.0/24")
	must(t, err)
	apply(k)
	if c, ok := read(k); ok {
		t.Fatalf("the deleted route still has a counter: %+v", c)
	}
	traffic() // now counted by the propagated 10.1.0.0/16
	_, err = s.CreateRoute(rt.ID, "10.1.1.0/24", aB.ID, false)
	must(t, err)
	apply(k)
	c2, ok := read(k)
	if !ok || c2.Packets != c1.Packets || c2.Bytes != c1.Bytes || !c2.Since.Equal(c1.Since) {
		t.Fatalf("re-created route's counter %+v, want the old count %+v", c2, c1)
	}
	traffic()
	if c3, _ := read(k); c3.Packets <= c2.Packets {
		t.Errorf("counter did not grow after re-creation: %d -> %d", c2.Packets, c3.Packets)
	}

	// a restarted server (a new Kernel on the same namespace) reads count and start from the rules
	k2 := &Kernel{NS: tgwNS, Sysctls: true}
	apply(k2)
	c4, _ := read(k2)
	if c4.Packets < c2.Packets || !c4.Since.Equal(c1.Since) {
		t.Errorf("after a restart the counter is %+v, want at least %d packets since %s", c4, c2.Packets, c1.Since)
	}

	// deleted, the server restarted, created again: the count restarted, and Since says so
	time.Sleep(1100 * time.Millisecond) // Since has a resolution of a second
	_, err = s.DeleteRoute(rt.ID, "10.1.1.0/24")
	must(t, err)
	apply(k2)
	k3 := &Kernel{NS: tgwNS, Sysctls: true}
	_, err = s.CreateRoute(rt.ID, "10.1.1.0/24", aB.ID, false)
	must(t, err)
	apply(k3)
	c5, ok := read(k3)
	if !ok || c5.Packets != 0 || !c5.Since.After(c1.Since) {
		t.Errorf("route re-created by a fresh server: %+v, want 0 packets since after %s", c5, c1.Since)
	}
}
