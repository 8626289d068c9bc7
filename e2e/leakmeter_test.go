package e2e

import (
	"bufio"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"

	"github.com/netlab-dev/netlab/egress"
	"github.com/netlab-dev/netlab/internal/nft"
	"github.com/netlab-dev/netlab/plan"
)

// leakMeter is the test's own measure of what a lab sends off the machine, independent of netlab's
// egress guard: a host table, installed before 'up', that counts packets from the lab's ranges
// routed out through the host's uplink (the default route's interface), at the forward hook before
// everything else ("tried") and at the postrouting hook ("left", also dropped: the meter is a
// safety net of its own).
type leakMeter struct {
	lab    string
	table  string
	uplink string
	before []string // the host's tables before 'up'
}

const leakMeterPriority = -300

// startLeakMeter installs the meter for plan p and returns it.
func startLeakMeter(t *testing.T, p *plan.Plan) *leakMeter {
	t.Helper()
	m := &leakMeter{lab: p.Lab, table: "netlab_e2e_leakmeter_" + p.Lab, uplink: defaultRouteDev(t)}
	c, err := nft.Conn(nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := nft.DeleteTable(c, m.table); err != nil {
		t.Fatal(err)
	}
	m.before = hostTables(t, p.Lab)
	tbl, err := nft.ReplaceTable(c, m.table)
	if err != nil {
		t.Fatal(err)
	}
	lab := &nftables.Set{Table: tbl, Name: "lab", KeyType: nftables.TypeIPAddr, Interval: true}
	if err := c.AddSet(lab, nft.IntervalElements(egress.Merge(p.LabCIDRs()))); err != nil {
		t.Fatal(err)
	}
	oif := make([]byte, 16) // IFNAMSIZ, zero-padded, as nft compares interface names
	copy(oif, m.uplink)
	match := []expr.Any{&expr.Meta{Key: expr.MetaKeyOIFNAME, Register: 1}, &expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: oif}}
	match = append(match, nft.SrcInSet(lab, false)...)
	prio := nftables.ChainPriority(leakMeterPriority)
	for _, ch := range []struct {
		name    string
		hook    *nftables.ChainHook
		verdict []expr.Any
	}{
		{"tried", nftables.ChainHookForward, nil},
		{"left", nftables.ChainHookPostrouting, []expr.Any{&expr.Verdict{Kind: expr.VerdictDrop}}},
	} {
		chain := c.AddChain(&nftables.Chain{Name: ch.name, Table: tbl, Type: nftables.ChainTypeFilter, Hooknum: ch.hook, Priority: &prio})
		exprs := append(slices.Clone(match), &expr.Counter{})
		c.AddRule(&nftables.Rule{Table: tbl, Chain: chain, Exprs: append(exprs, ch.verdict...), UserData: []byte(ch.name)})
	}
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	t.Logf("leak meter %s: lab packets out through %s counted from now on", m.table, m.uplink)
	return m
}

// stop reads the meter, removes it, and asserts that nothing left the machine and that the host's
// tables are as they were before 'up' (the lab's egress guard is gone).
func (m *leakMeter) stop(t *testing.T) {
	t.Helper()
	c, err := nft.Conn(nil)
	if err != nil {
		t.Error(err)
		return
	}
	var tried, left nft.Count
	if n, err := nft.Counters(c, m.table, "tried"); err == nil {
		tried = n["tried"]
	} else {
		t.Error(err)
	}
	if n, err := nft.Counters(c, m.table, "left"); err == nil {
		left = n["left"]
	} else {
		t.Error(err)
	}
	if _, err := nft.DeleteTable(c, m.table); err != nil {
		t.Error(err)
	}
	t.Logf("leak meter: %d lab packets tried to leave through %s (netlab's guard refused them), %d left", tried.Packets, m.uplink, left.Packets)
	if left.Packets != 0 {
		t.Errorf("%d packets (%d bytes) from the lab's ranges reached the host's uplink %s", left.Packets, left.Bytes, m.uplink)
	}
	if after := hostTables(t, m.lab); !slices.Equal(after, m.before) {
		t.Errorf("the host's nftables tables of lab %s after down %v differ from before up %v", m.lab, after, m.before)
	}
}

// hostTables names the host's nftables tables (family and name) whose name holds lab, sorted, the
// meter's own left out (other labs may come and go on the host meanwhile).
func hostTables(t *testing.T, lab string) []string {
	t.Helper()
	c, err := nft.Conn(nil)
	if err != nil {
		t.Fatal(err)
	}
	tables, err := c.ListTables()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, tb := range tables {
		if strings.Contains(tb.Name, lab) && !strings.HasPrefix(tb.Name, "netlab_e2e_leakmeter_") {
			out = append(out, fmt.Sprintf("%d:%s", tb.Family, tb.Name))
		}
	}
	slices.Sort(out)
	return out
}

// defaultRouteDev is the interface of the host's IPv4 default route (/proc/net/route).
func defaultRouteDev(t *testing.T) string {
	t.Helper()
	f, err := os.Open("/proc/net/route")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if fs := strings.Fields(s.Text()); len(fs) > 2 && fs[1] == "00000000" && fs[0] != "Iface" {
			return fs[0]
		}
	}
	t.Skip("the host has no IPv4 default route: nothing could leave it")
	return ""
}
