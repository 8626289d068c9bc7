//go:build linux

package datapath

import (
	"fmt"
	"net"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/containernetworking/plugins/pkg/ns"
	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"
)

// CounterTable is the nftables table (family ip) holding the per-route counters.
//
// The kernel does not count per route, so the counters mirror the routing decision in nftables, at
// prerouting (before the route lookup, so packets a blackhole route drops are counted too):
// the base chain sends each leg's packets to the chain of the kernel table its rule looks up
// ("t10001"); that chain has one "ip daddr CIDR counter accept" rule per route, longest prefix first,
// so the first match is the route the kernel's longest-prefix match picks, and a last "counter" rule
// counts packets no route matches (dropped). Packets to the TGW's own addresses are not counted.
//
// A counter is identified by its tag, "TABLE|CIDR" (the kernel table and the route's destination),
// kept in the rule's user data with the time the count started ("TABLE|CIDR\x00UNIX-SECONDS"). Counts
// carry over every rebuild of the table; a route that goes (deleted, or its propagation disabled) and
// comes back with the same destination in the same table continues its old count, from the Kernel's
// memory of retired counters, so readers comparing two readings never see a count go back. Only
// when that memory is gone (the server restarted in between) or the table was lost (the container's
// network namespace was recreated) does a count start again from zero, and then its start time,
// Counter.Since, says so.
const CounterTable = "netlab_tgw"

type nftRule struct {
	tag   string // user data: identifies the rule and carries counter values across rebuilds
	exprs []expr.Any
	count bool
}

func ipDaddr(p netip.Prefix) []expr.Any {
	mask := net.CIDRMask(p.Bits(), 32)
	return []expr.Any{
		&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: 16, Len: 4},
		&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 4, Mask: mask, Xor: []byte{0, 0, 0, 0}},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: p.Masked().Addr().AsSlice()},
	}
}

func iifname(name string) []expr.Any {
	b := make([]byte, unix.IFNAMSIZ)
	copy(b, name)
	return []expr.Any{
		&expr.Meta{Key: expr.MetaKeyIIFNAME, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: b},
	}
}

func chainName(table int) string { return "t" + strconv.Itoa(table) }

// desiredCounterRules returns the chains (base chain "prerouting" first) and their rules.
func desiredCounterRules(d Desired, link map[netip.Addr]LocalAddr) (map[string][]nftRule, []string) {
	chains := map[string][]nftRule{}
	var base []nftRule
	legs := make([]netip.Addr, 0, len(d.Legs))
	for a := range d.Legs {
		legs = append(legs, a)
	}
	slices.SortFunc(legs, func(a, b netip.Addr) int { return a.Compare(b) })
	for _, a := range legs {
		base = append(base, nftRule{tag: "local|" + a.String(),
			exprs: append(ipDaddr(netip.PrefixFrom(a, 32)), &expr.Verdict{Kind: expr.VerdictAccept})})
	}
	tables := map[int]bool{}
	for _, a := range legs {
		t := d.Legs[a]
		l, ok := link[a]
		if t == 0 || !ok {
			continue
		}
		tables[t] = true
		base = append(base, nftRule{tag: fmt.Sprintf("leg|%s|%d", l.Link, t),
			exprs: append(iifname(l.Link), &expr.Verdict{Kind: expr.VerdictGoto, Chain: chainName(t)})})
	}
	chains["prerouting"] = base
	names := []string{"prerouting"}
	var ts []int
	for t := range tables {
		ts = append(ts, t)
	}
	sort.Ints(ts)
	for _, t := range ts {
		var rs []nftRule
		for _, r := range d.Routes { // sorted by table, longest prefix first
			if r.Table != t {
				continue
			}
			rs = append(rs, nftRule{tag: fmt.Sprintf("%d|%s", t, r.Dst), count: true,
				exprs: append(ipDaddr(r.Dst), &expr.Counter{}, &expr.Verdict{Kind: expr.VerdictAccept})})
		}
		rs = append(rs, nftRule{tag: fmt.Sprintf("%d|unrouted", t), count: true,
			exprs: []expr.Any{&expr.Counter{}, &expr.Verdict{Kind: expr.VerdictAccept}}})
		chains[chainName(t)] = rs
		names = append(names, chainName(t))
	}
	return chains, names
}

func nftConn(n ns.NetNS) (*nftables.Conn, error) {
	if n == nil {
		return nftables.New()
	}
	return nftables.New(nftables.WithNetNSFd(int(n.Fd())))
}

// liveCounter is a counter rule's count and the time it started.
type liveCounter struct {
	packets, bytes uint64
	since          time.Time
}

// counterMemory keeps the counts of counter rules that were removed, by tag, so that a route that
// comes back continues its count.
type counterMemory struct {
	mu      sync.Mutex
	retired map[string]liveCounter
}

// userData is what a counter rule carries: its tag and, for counting rules, its start time.
func userData(tag string, since time.Time) []byte {
	if since.IsZero() {
		return []byte(tag)
	}
	return []byte(tag + "\x00" + strconv.FormatInt(since.Unix(), 10))
}

// parseUserData splits a rule's user data into its tag and start time (zero when it has none).
func parseUserData(b []byte) (string, time.Time) {
	tag, secs, ok := strings.Cut(string(b), "\x00")
	if !ok {
		return tag, time.Time{}
	}
	n, err := strconv.ParseInt(secs, 10, 64)
	if err != nil {
		return tag, time.Time{}
	}
	return tag, time.Unix(n, 0).UTC()
}

// readCounterRules returns the existing rules' tags per chain and the counters by tag; exists is
// false when the table is missing.
func readCounterRules(c *nftables.Conn) (tags map[string][]string, counters map[string]liveCounter, exists bool, err error) {
	tables, err := c.ListTablesOfFamily(nftables.TableFamilyIPv4)
	if err != nil {
		return nil, nil, false, fmt.Errorf("nftables: list tables: %w", err)
	}
	var tbl *nftables.Table
	for _, t := range tables {
		if t.Name == CounterTable {
			tbl = t
		}
	}
	if tbl == nil {
		return nil, nil, false, nil
	}
	chains, err := c.ListChainsOfTableFamily(nftables.TableFamilyIPv4)
	if err != nil {
		return nil, nil, true, fmt.Errorf("nftables: list chains: %w", err)
	}
	tags = map[string][]string{}
	counters = map[string]liveCounter{}
	for _, ch := range chains {
		if ch.Table.Name != CounterTable {
			continue
		}
		rules, err := c.GetRules(tbl, ch)
		if err != nil {
			return nil, nil, true, fmt.Errorf("nftables: list rules of %s: %w", ch.Name, err)
		}
		tags[ch.Name] = []string{}
		for _, r := range rules {
			tag, since := parseUserData(r.UserData)
			tags[ch.Name] = append(tags[ch.Name], tag)
			for _, e := range r.Exprs {
				if ctr, ok := e.(*expr.Counter); ok {
					counters[tag] = liveCounter{packets: ctr.Packets, bytes: ctr.Bytes, since: since}
				}
			}
		}
	}
	return tags, counters, true, nil
}

// applyCounters rebuilds the counter table when its rules differ from the desired ones, carrying the
// counts of routes that stay over, and those of routes that come back (from k.mem). It returns the
// number of rules written (0: already in line).
func (k *Kernel) applyCounters(d Desired, link map[netip.Addr]LocalAddr) (int, error) {
	c, err := nftConn(k.NS)
	if err != nil {
		return 0, fmt.Errorf("nftables: %w", err)
	}
	want, names := desiredCounterRules(d, link)
	haveTags, counters, exists, err := readCounterRules(c)
	if err != nil {
		return 0, err
	}
	if exists && len(haveTags) == len(want) {
		same := true
		for name, rs := range want {
			var tags []string
			for _, r := range rs {
				tags = append(tags, r.tag)
			}
			if !slices.Equal(tags, haveTags[name]) && !(len(tags) == 0 && len(haveTags[name]) == 0) {
				same = false
			}
		}
		if same {
			return 0, nil
		}
	}
	k.mem.mu.Lock()
	defer k.mem.mu.Unlock()
	if k.mem.retired == nil {
		k.mem.retired = map[string]liveCounter{}
	}
	wanted := map[string]bool{}
	for _, rs := range want {
		for _, r := range rs {
			wanted[r.tag] = true
		}
	}
	for tag, lc := range counters {
		if !wanted[tag] {
			k.mem.retired[tag] = lc // the route goes; its count waits for it to come back
		}
	}
	now := time.Now().UTC().Truncate(time.Second)
	tbl := &nftables.Table{Family: nftables.TableFamilyIPv4, Name: CounterTable}
	if exists {
		c.DelTable(tbl)
	}
	c.AddTable(tbl)
	chains := map[string]*nftables.Chain{}
	for _, name := range names {
		ch := &nftables.Chain{Name: name, Table: tbl}
		if name == "prerouting" {
			policy := nftables.ChainPolicyAccept
			ch.Type = nftables.ChainTypeFilter
			ch.Hooknum = nftables.ChainHookPrerouting
			ch.Priority = nftables.ChainPriorityMangle
			ch.Policy = &policy
		}
		chains[name] = c.AddChain(ch)
	}
	written := 0
	for i := len(names) - 1; i >= 0; i-- {
		name := names[i]
		for _, r := range want[name] {
			exprs := r.exprs
			var since time.Time
			if r.count {
				old, ok := counters[r.tag]
				if !ok {
					old, ok = k.mem.retired[r.tag]
				}
				delete(k.mem.retired, r.tag)
				since = now // a new count; a carried one keeps its start (zero: unknown, a table of an older netlab)
				if ok {
					since = old.since
					exprs = slices.Clone(exprs)
					for j, e := range exprs {
						if _, ok := e.(*expr.Counter); ok {
							exprs[j] = &expr.Counter{Bytes: old.bytes, Packets: old.packets}
						}
					}
				}
			}
			c.AddRule(&nftables.Rule{Table: tbl, Chain: chains[name], Exprs: exprs, UserData: userData(r.tag, since)})
			written++
		}
	}
	if err := c.Flush(); err != nil {
		return 0, fmt.Errorf("nftables: write table %s: %w", CounterTable, err)
	}
	return written, nil
}

// Counters reads the per-route counters.
func (k *Kernel) Counters() ([]Counter, error) {
	c, err := nftConn(k.NS)
	if err != nil {
		return nil, fmt.Errorf("nftables: %w", err)
	}
	_, counters, _, err := readCounterRules(c)
	if err != nil {
		return nil, err
	}
	var out []Counter
	for tag, ctr := range counters {
		t, dst, ok := strings.Cut(tag, "|")
		if !ok {
			continue
		}
		table, err := strconv.Atoi(t)
		if err != nil {
			continue
		}
		out = append(out, Counter{Table: table, Dst: dst, Packets: ctr.packets, Bytes: ctr.bytes, Since: ctr.since})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Table != out[j].Table {
			return out[i].Table < out[j].Table
		}
		return out[i].Dst < out[j].Dst
	})
	return out, nil
}
