//go:build linux

package egress

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"

	"github.com/netlab-dev/netlab/internal/nft"
)

// icmpAdminProhibited is ICMP destination-unreachable code 13, "communication administratively
// prohibited": the sender learns at once that a filter refused it.
const icmpAdminProhibited = 13

// rule is one rule of a chain: its tag and its expressions.
type rule struct {
	tag   string
	exprs []expr.Any
}

// chains returns the rules of the forward and the postrouting chain for spec s over the sets lab
// (sources) and inside (destinations that are not outside).
func chains(s Spec, lab, inside *nftables.Set) (forward, postrouting []rule) {
	out := func(more ...[]expr.Any) []expr.Any {
		return concat(append([][]expr.Any{nft.SrcInSet(lab, false), nft.DstInSet(inside, true)}, more...)...)
	}
	counter := []expr.Any{&expr.Counter{}}
	accept := []expr.Any{&expr.Verdict{Kind: expr.VerdictAccept}}
	drop := []expr.Any{&expr.Verdict{Kind: expr.VerdictDrop}}
	dns := [][]expr.Any{nft.Dport(unix.IPPROTO_UDP, 53), nft.Dport(unix.IPPROTO_TCP, 53)}

	forward = append(forward, rule{TagCanary + " spec=" + s.Key(), concat(nft.DstIs(Canary), counter)})
	for _, d := range dns {
		if s.DNSOut {
			forward = append(forward, rule{TagDNSOut, out(d, counter, accept)})
		} else {
			forward = append(forward, rule{TagDNS, out(d, counter)})
		}
	}
	forward = append(forward, rule{TagRefused, out(counter,
		[]expr.Any{&expr.Reject{Type: unix.NFT_REJECT_ICMP_UNREACH, Code: icmpAdminProhibited}})})

	postrouting = append(postrouting, rule{TagBackstop, concat(nft.DstIs(Canary), counter, drop)})
	if s.DNSOut {
		for _, d := range dns {
			postrouting = append(postrouting, rule{TagDNSOut + " pass", out(d, accept)})
		}
	}
	// Only forwarded packets: the host's own (from a bridge's address, which is a lab address) are
	// not the lab's. meta iif has no value for a locally generated packet, so the rule does not
	// match it.
	forwarded := []expr.Any{
		&expr.Meta{Key: expr.MetaKeyIIF, Register: 1},
		&expr.Cmp{Op: expr.CmpOpNeq, Register: 1, Data: []byte{0, 0, 0, 0}},
	}
	postrouting = append(postrouting, rule{TagEscaped, out(forwarded, counter, drop)})
	return forward, postrouting
}

func concat(parts ...[]expr.Any) []expr.Any {
	var out []expr.Any
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// Install writes spec s's table into the host's network namespace in one transaction. A table
// written from the same spec is left as it is, with its counters; another is replaced. It
// reports whether it wrote the table.
func Install(s Spec) (bool, error) {
	c, err := nft.Conn(nil)
	if err != nil {
		return false, err
	}
	name := TableName(s.Lab)
	if key, err := installedKey(c, name); err != nil {
		return false, err
	} else if key == s.Key() {
		return false, nil
	}
	tbl, err := nft.ReplaceTable(c, name)
	if err != nil {
		return false, err
	}
	lab := &nftables.Set{Table: tbl, Name: "lab", KeyType: nftables.TypeIPAddr, Interval: true}
	if err := c.AddSet(lab, nft.IntervalElements(s.Ranges)); err != nil {
		return false, fmt.Errorf("nftables: set lab of %s: %w", name, err)
	}
	inside := &nftables.Set{Table: tbl, Name: "inside", KeyType: nftables.TypeIPAddr, Interval: true}
	if err := c.AddSet(inside, nft.IntervalElements(Merge(append(slices.Clone(s.Ranges), NeverRouted...)))); err != nil {
		return false, fmt.Errorf("nftables: set inside of %s: %w", name, err)
	}
	fwd, post := chains(s, lab, inside)
	for _, ch := range []struct {
		name  string
		hook  *nftables.ChainHook
		rules []rule
	}{{"forward", nftables.ChainHookForward, fwd}, {"postrouting", nftables.ChainHookPostrouting, post}} {
		prio := nftables.ChainPriority(Priority)
		chain := c.AddChain(&nftables.Chain{Name: ch.name, Table: tbl, Type: nftables.ChainTypeFilter, Hooknum: ch.hook, Priority: &prio})
		for _, r := range ch.rules {
			c.AddRule(&nftables.Rule{Table: tbl, Chain: chain, Exprs: r.exprs, UserData: []byte(r.tag)})
		}
	}
	if err := c.Flush(); err != nil {
		return false, fmt.Errorf("nftables: write table %s (netlab needs CAP_NET_ADMIN on the host; or set 'egress: allow' in the scenario): %w", name, err)
	}
	return true, nil
}

// installedKey is the spec key recorded in table name's canary rule ("" when there is none).
func installedKey(c *nftables.Conn, name string) (string, error) {
	exists, err := nft.HasTable(c, name)
	if err != nil || !exists {
		return "", err
	}
	rules, err := c.GetRules(&nftables.Table{Family: nftables.TableFamilyIPv4, Name: name}, &nftables.Chain{Name: "forward"})
	if err != nil {
		return "", nil // a table without the chain: rewrite it
	}
	for _, r := range rules {
		if _, key, ok := strings.Cut(string(r.UserData), " spec="); ok {
			return key, nil
		}
	}
	return "", nil
}

// Remove deletes lab's table; it reports whether there was one.
func Remove(lab string) (bool, error) {
	c, err := nft.Conn(nil)
	if err != nil {
		return false, err
	}
	return nft.DeleteTable(c, TableName(lab))
}

// Read returns lab's counters (Installed false when it has no table).
func Read(lab string) (Counters, error) {
	c, err := nft.Conn(nil)
	if err != nil {
		return Counters{}, err
	}
	name := TableName(lab)
	if ok, err := nft.HasTable(c, name); err != nil || !ok {
		return Counters{}, err
	}
	fwd, err := nft.Counters(c, name, "forward")
	if err != nil {
		return Counters{}, err
	}
	post, err := nft.Counters(c, name, "postrouting")
	if err != nil {
		return Counters{}, err
	}
	return countersFrom(fwd, post), nil
}

// CanInstall writes and deletes a throwaway table: preflight's proof that Install will work.
func CanInstall() error {
	c, err := nft.Conn(nil)
	if err != nil {
		return err
	}
	name := fmt.Sprintf("netlab_preflight_%d", os.Getpid())
	tbl, err := nft.ReplaceTable(c, name)
	if err != nil {
		return err
	}
	prio := nftables.ChainPriority(Priority)
	c.AddChain(&nftables.Chain{Name: "forward", Table: tbl, Type: nftables.ChainTypeFilter, Hooknum: nftables.ChainHookForward, Priority: &prio})
	if err := c.Flush(); err != nil {
		return fmt.Errorf("nftables: %w", err)
	}
	_, err = nft.DeleteTable(c, name)
	return err
}
