//go:build linux

// Package nft holds the few nftables building blocks netlab's own tables share (the TGW's API
// filter, the host's egress guard): a connection into a network namespace, replacing a table in
// one transaction, the matches their rules use, and reading a table's counters by rule tag.
package nft

import (
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"

	"github.com/containernetworking/plugins/pkg/ns"
	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"
)

// Conn is a netlink connection to nftables in network namespace n (nil: the calling thread's).
func Conn(n ns.NetNS) (*nftables.Conn, error) {
	var c *nftables.Conn
	var err error
	if n == nil {
		c, err = nftables.New()
	} else {
		c, err = nftables.New(nftables.WithNetNSFd(int(n.Fd())))
	}
	if err != nil {
		return nil, fmt.Errorf("nftables: %w", err)
	}
	return c, nil
}

// HasTable reports whether the IPv4 table name exists.
func HasTable(c *nftables.Conn, name string) (bool, error) {
	tables, err := c.ListTablesOfFamily(nftables.TableFamilyIPv4)
	if err != nil {
		return false, fmt.Errorf("nftables: list tables: %w", err)
	}
	for _, t := range tables {
		if t.Name == name {
			return true, nil
		}
	}
	return false, nil
}

// ReplaceTable queues, on c's transaction, the deletion of the IPv4 table name if it exists and its
// creation anew, and returns the table for the chains and rules that follow.
func ReplaceTable(c *nftables.Conn, name string) (*nftables.Table, error) {
	tbl := &nftables.Table{Family: nftables.TableFamilyIPv4, Name: name}
	exists, err := HasTable(c, name)
	if err != nil {
		return nil, err
	}
	if exists {
		c.DelTable(tbl)
	}
	return c.AddTable(tbl), nil
}

// DeleteTable deletes the IPv4 table name if it exists; it reports whether it did.
func DeleteTable(c *nftables.Conn, name string) (bool, error) {
	exists, err := HasTable(c, name)
	if err != nil || !exists {
		return false, err
	}
	c.DelTable(&nftables.Table{Family: nftables.TableFamilyIPv4, Name: name})
	if err := c.Flush(); err != nil {
		return false, fmt.Errorf("nftables: delete table %s: %w", name, err)
	}
	return true, nil
}

// Offsets of the IPv4 source and destination addresses in the network header.
const (
	srcOffset = 12
	dstOffset = 16
)

// SrcIn matches packets whose IPv4 source is in p.
func SrcIn(p netip.Prefix) []expr.Any { return addrIn(srcOffset, p) }

// DstIs matches packets whose IPv4 destination is a.
func DstIs(a netip.Addr) []expr.Any { return addrIn(dstOffset, netip.PrefixFrom(a, 32)) }

func addrIn(offset uint32, p netip.Prefix) []expr.Any {
	return []expr.Any{
		&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: offset, Len: 4},
		&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 4, Mask: net.CIDRMask(p.Bits(), 32), Xor: []byte{0, 0, 0, 0}},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: p.Masked().Addr().AsSlice()},
	}
}

// SrcInSet and DstInSet match packets whose IPv4 source (destination) is in set s; out inverts
// the match (not in the set).
func SrcInSet(s *nftables.Set, out bool) []expr.Any { return addrInSet(srcOffset, s, out) }

// DstInSet: see SrcInSet.
func DstInSet(s *nftables.Set, out bool) []expr.Any { return addrInSet(dstOffset, s, out) }

func addrInSet(offset uint32, s *nftables.Set, out bool) []expr.Any {
	return []expr.Any{
		&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: offset, Len: 4},
		&expr.Lookup{SourceRegister: 1, SetName: s.Name, SetID: s.ID, Invert: out},
	}
}

// Dport matches packets of transport protocol proto (unix.IPPROTO_TCP or IPPROTO_UDP) to port.
func Dport(proto byte, port uint16) []expr.Any {
	return []expr.Any{
		&expr.Meta{Key: expr.MetaKeyL4PROTO, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{proto}},
		&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseTransportHeader, Offset: 2, Len: 2},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: binary.BigEndian.AppendUint16(nil, port)},
	}
}

// TCPDport matches TCP packets to port.
func TCPDport(port uint16) []expr.Any { return Dport(unix.IPPROTO_TCP, port) }

// IntervalElements are the elements of an interval set holding the IPv4 prefixes ps, which must not
// overlap: a start element per prefix and an end element at the first address after it (none
// after 255.255.255.255, where the interval is open).
func IntervalElements(ps []netip.Prefix) []nftables.SetElement {
	var out []nftables.SetElement
	for _, p := range ps {
		p = p.Masked()
		out = append(out, nftables.SetElement{Key: p.Addr().AsSlice()})
		last := lastAddr(p)
		if next := last.Next(); next.IsValid() && next.Is4() {
			out = append(out, nftables.SetElement{Key: next.AsSlice(), IntervalEnd: true})
		}
	}
	return out
}

func lastAddr(p netip.Prefix) netip.Addr {
	a := p.Masked().Addr().As4()
	v := binary.BigEndian.Uint32(a[:]) | (1<<(32-p.Bits()) - 1)
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], v)
	return netip.AddrFrom4(b)
}

// Counters reads the counters of the rules of chain in the IPv4 table, by the tag in each rule's
// user data (rules with the same tag add up; rules without a counter are left out).
func Counters(c *nftables.Conn, table, chain string) (map[string]Count, error) {
	rules, err := c.GetRules(&nftables.Table{Family: nftables.TableFamilyIPv4, Name: table}, &nftables.Chain{Name: chain})
	if err != nil {
		return nil, fmt.Errorf("nftables: rules of %s %s: %w", table, chain, err)
	}
	out := map[string]Count{}
	for _, r := range rules {
		for _, e := range r.Exprs {
			if ctr, ok := e.(*expr.Counter); ok {
				n := out[string(r.UserData)]
				n.Packets += ctr.Packets
				n.Bytes += ctr.Bytes
				out[string(r.UserData)] = n
			}
		}
	}
	return out, nil
}
