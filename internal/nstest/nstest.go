//go:build linux

// Package nstest gives datapath tests their network namespaces, gated on root (skipped outside CI,
// failed under CI=true, see internal/testenv) and deleted when the test ends: a bare namespace
// with loopback up (NS, Do), or an nslab.Lab of named namespaces (Lab). It is a package of its own
// so that nslab, which the probe binary links, does not import the test gates.
package nstest

import (
	"testing"

	"github.com/containernetworking/plugins/pkg/ns"
	"github.com/containernetworking/plugins/pkg/testutils"
	"github.com/vishvananda/netlink"

	"github.com/netlab-dev/netlab/internal/testenv"
	"github.com/netlab-dev/netlab/probe/nslab"
)

// Lab returns a lab with the named namespaces (it needs iproute2); a failure to delete them at
// the end fails the test.
func Lab(t testing.TB, names ...string) *nslab.Lab {
	t.Helper()
	testenv.RequireRoot(t)
	testenv.RequireCommand(t, "ip")
	l := nslab.New()
	t.Cleanup(func() {
		if err := l.Close(); err != nil {
			t.Errorf("deleting the test's namespaces: %v", err)
		}
	})
	if err := l.Add(names...); err != nil {
		t.Fatal(err)
	}
	return l
}

// NS returns a new network namespace with loopback up, removed when the test ends.
func NS(t testing.TB) ns.NetNS {
	t.Helper()
	testenv.RequireRoot(t)
	n, err := testutils.NewNS()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		n.Close()
		if err := testutils.UnmountNS(n); err != nil {
			t.Errorf("remove namespace %s: %v", n.Path(), err)
		}
	})
	Do(t, n, func() error {
		lo, err := netlink.LinkByName("lo")
		if err != nil {
			return err
		}
		return netlink.LinkSetUp(lo)
	})
	return n
}

// Do runs f in namespace n, on a thread of its own; an error fails the test.
func Do(t testing.TB, n ns.NetNS, f func() error) {
	t.Helper()
	if err := n.Do(func(ns.NetNS) error { return f() }); err != nil {
		t.Fatal(err)
	}
}
