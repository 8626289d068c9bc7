package datapath

import (
	"net/netip"
	"time"
)

// Result counts what Apply changed; all zero means the kernel already matched.
type Result struct {
	RoutesAdded, RoutesDeleted, RulesAdded, RulesDeleted, CounterRulesChanged int
	Warnings                                                                  []string
}

// Changed reports whether anything changed.
func (r Result) Changed() bool {
	return r.RoutesAdded+r.RoutesDeleted+r.RulesAdded+r.RulesDeleted+r.CounterRulesChanged > 0
}

// LocalAddr is an IPv4 address on one of the namespace's interfaces.
type LocalAddr struct {
	Link   string
	Index  int
	Prefix netip.Prefix // the address with its prefix length
}

// KernelRoute is a route found in one of netlab's kernel tables.
type KernelRoute struct {
	Table     int
	Dst       netip.Prefix
	Blackhole bool
	Dev       string
	Via       netip.Addr
}

// Counter is the packet and byte count of one kernel route (Dst "unrouted": packets that matched no
// route in the table and were dropped).
type Counter struct {
	Table   int
	Dst     string
	Packets uint64
	Bytes   uint64
	// Since is when this count started (zero when unknown): it stays across rebuilds and across the
	// route being deleted and created again, and moves only when the count really restarted from zero.
	Since time.Time
}
