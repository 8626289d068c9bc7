//go:build linux

package tgw

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/containernetworking/plugins/pkg/ns"
	"github.com/google/nftables"
	"github.com/google/nftables/expr"

	"github.com/netlab-dev/netlab/internal/nft"
	"golang.org/x/sys/unix"
)

// APIFilterTable is the nftables table (family ip) that refuses the API's port at the packet level
// under APIFromHost: its input chain accepts TCP to the port from loopback (127.0.0.0/8) and from
// the default gateways (the Docker host) and answers every other TCP packet to the port with a TCP
// reset, so a node or Pod of an attached VPC gets "connection refused" to its SYN, before any
// connection exists. The accept-time check (fromHost) stays as a second layer.
const APIFilterTable = "netlab_tgw_api"

// apiFilterRule is one rule of the API filter's input chain.
type apiFilterRule struct {
	tag   string // user data: what the rule is for ("loopback", "gateway|ADDR", "others")
	exprs []expr.Any
}

// apiFilterRules returns the rules of the API filter's input chain, in order, for the API's TCP port
// and the addresses besides loopback that may connect (IPv4 ones are used, sorted, once each).
func apiFilterRules(port uint16, gateways []netip.Addr) []apiFilterRule {
	var gws []netip.Addr
	for _, g := range gateways {
		g = g.Unmap()
		if g.Is4() && !g.IsLoopback() && !slices.Contains(gws, g) {
			gws = append(gws, g)
		}
	}
	slices.SortFunc(gws, func(a, b netip.Addr) int { return a.Compare(b) })
	accept := &expr.Verdict{Kind: expr.VerdictAccept}
	rules := []apiFilterRule{{tag: "loopback",
		exprs: slices.Concat(nft.TCPDport(port), nft.SrcIn(netip.MustParsePrefix("127.0.0.0/8")), []expr.Any{accept})}}
	for _, g := range gws {
		rules = append(rules, apiFilterRule{tag: "gateway|" + g.String(),
			exprs: slices.Concat(nft.TCPDport(port), nft.SrcIn(netip.PrefixFrom(g, 32)), []expr.Any{accept})})
	}
	return append(rules, apiFilterRule{tag: "others",
		exprs: append(nft.TCPDport(port), &expr.Reject{Type: unix.NFT_REJECT_TCP_RST})})
}

// installAPIFilter writes APIFilterTable for the port and gateways into network namespace n (nil:
// the calling thread's), replacing the table if it exists, in one transaction: running it again
// with the same arguments leaves the same single table. It returns the number of rules written.
func installAPIFilter(n ns.NetNS, port uint16, gateways []netip.Addr) (int, error) {
	c, err := nft.Conn(n)
	if err != nil {
		return 0, err
	}
	tbl, err := nft.ReplaceTable(c, APIFilterTable)
	if err != nil {
		return 0, err
	}
	policy := nftables.ChainPolicyAccept
	ch := c.AddChain(&nftables.Chain{Name: "input", Table: tbl, Type: nftables.ChainTypeFilter,
		Hooknum: nftables.ChainHookInput, Priority: nftables.ChainPriorityFilter, Policy: &policy})
	rules := apiFilterRules(port, gateways)
	for _, r := range rules {
		c.AddRule(&nftables.Rule{Table: tbl, Chain: ch, Exprs: r.exprs, UserData: []byte(r.tag)})
	}
	if err := c.Flush(); err != nil {
		return 0, fmt.Errorf("nftables: write table %s (the TGW needs CAP_NET_ADMIN; or serve with --api-from any): %w", APIFilterTable, err)
	}
	return len(rules), nil
}

// removeAPIFilter deletes APIFilterTable from network namespace n (nil: the calling thread's), if
// it is there.
func removeAPIFilter(n ns.NetNS) error {
	c, err := nft.Conn(n)
	if err != nil {
		return err
	}
	_, err = nft.DeleteTable(c, APIFilterTable)
	return err
}
