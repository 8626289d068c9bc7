//go:build linux

// Package nslabtest gives a test its own nslab.Lab: gated on root and iproute2 (skipped outside
// CI, failed under CI=true, see internal/testenv), with the named namespaces created and every
// namespace deleted when the test ends. It is a package of its own so that nslab, which the probe
// binary links, does not import the test gates.
package nslabtest

import (
	"testing"

	"github.com/netlab-dev/netlab/internal/testenv"
	"github.com/netlab-dev/netlab/probe/nslab"
)

// New returns a lab with the named namespaces; a failure to delete them at the end fails the test.
func New(t testing.TB, names ...string) *nslab.Lab {
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
