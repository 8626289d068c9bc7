package node

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"

	"github.com/vishvananda/netlink/nl"
	"golang.org/x/sys/unix"
)

// NFTChains lists every nftables chain through nfnetlink (no nft binary needed). The chains of
// iptables-nft appear here too, in tables filter, nat, mangle of family ip/ip6.
func NFTChains() ([]NFTChain, error) {
	msgs, err := nftDump(unix.NFT_MSG_GETCHAIN)
	if err != nil {
		return nil, fmt.Errorf("nftables chain dump: %w", err)
	}
	var out []NFTChain
	for _, m := range msgs {
		fam, attrs, err := parseNFTMsg(m)
		if err != nil {
			return nil, err
		}
		out = append(out, NFTChain{Family: fam, Table: attrs[unix.NFTA_CHAIN_TABLE], Chain: attrs[unix.NFTA_CHAIN_NAME]})
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Family != b.Family {
			return a.Family < b.Family
		}
		if a.Table != b.Table {
			return a.Table < b.Table
		}
		return a.Chain < b.Chain
	})
	return out, nil
}

// NFTTables lists every nftables table as "family name".
func NFTTables() ([]string, error) {
	msgs, err := nftDump(unix.NFT_MSG_GETTABLE)
	if err != nil {
		return nil, fmt.Errorf("nftables table dump: %w", err)
	}
	var out []string
	for _, m := range msgs {
		fam, attrs, err := parseNFTMsg(m)
		if err != nil {
			return nil, err
		}
		out = append(out, fam+" "+attrs[unix.NFTA_TABLE_NAME])
	}
	sort.Strings(out)
	return out, nil
}

func nftDump(msgType int) ([][]byte, error) {
	req := nl.NewNetlinkRequest((unix.NFNL_SUBSYS_NFTABLES<<8)|msgType, unix.NLM_F_DUMP)
	req.AddData(&nl.Nfgenmsg{NfgenFamily: unix.AF_UNSPEC, Version: unix.NFNETLINK_V0})
	return req.Execute(unix.NETLINK_NETFILTER, 0)
}

// parseNFTMsg parses an nfnetlink message body: nfgenmsg, then attributes; string attributes
// are returned without their NUL.
func parseNFTMsg(m []byte) (string, map[uint16]string, error) {
	if len(m) < nl.SizeofNfgenmsg {
		return "", nil, fmt.Errorf("short nfnetlink message (%d bytes)", len(m))
	}
	attrs, err := nl.ParseRouteAttr(m[nl.SizeofNfgenmsg:])
	if err != nil {
		return "", nil, err
	}
	out := map[uint16]string{}
	for _, a := range attrs {
		out[a.Attr.Type&^unix.NLA_F_NESTED] = string(bytes.TrimRight(a.Value, "\x00"))
	}
	return nftFamily(m[0]), out, nil
}

func nftFamily(f byte) string {
	switch f {
	case unix.NFPROTO_IPV4:
		return "ip"
	case unix.NFPROTO_IPV6:
		return "ip6"
	case unix.NFPROTO_INET:
		return "inet"
	case unix.NFPROTO_ARP:
		return "arp"
	case unix.NFPROTO_BRIDGE:
		return "bridge"
	case unix.NFPROTO_NETDEV:
		return "netdev"
	}
	return strconv.Itoa(int(f))
}

// ReadKubeProxyRules reads kube-proxy's rules: the nftables table kube-proxy and the KUBE-* nat
// chains of iptables-nft (nfnetlink), the KUBE-* chains of the legacy iptables nat table
// (x_tables getsockopt), the IPVS virtual servers (generic netlink) and the kube-ipvs0 interface.
// Each data plane is reported present, absent, or not observed with the reason; Cilium's is never
// observed. ctx is accepted for symmetry with the other readers: every read is one bounded
// syscall exchange.
func ReadKubeProxyRules(ctx context.Context) (KubeProxyRules, error) {
	k := KubeProxyRules{NFTTables: []string{}, Sources: []string{}}
	tables, terr := NFTTables()
	chains, cerr := NFTChains()
	nftOK := terr == nil && cerr == nil
	if nftOK {
		k.Sources = append(k.Sources, "nfnetlink")
		k.NFTTables = append(k.NFTTables, tables...)
		for _, c := range chains {
			switch {
			case c.Table == "kube-proxy" && (c.Family == "ip" || c.Family == "ip6"):
				k.KubeProxyNFTChains = append(k.KubeProxyNFTChains, c.Family+" "+c.Chain)
			case c.Table == "nat" && (c.Family == "ip" || c.Family == "ip6"):
				k.IPTablesChains = append(k.IPTablesChains, c.Chain)
			}
		}
		for _, t := range tables {
			if t == "ip kube-proxy" || t == "ip6 kube-proxy" {
				k.NFTKubeProxyTable = true
			}
		}
		k.NFT = Observation{State: SeenAbsent, Source: "nfnetlink", Reason: "no nftables table kube-proxy"}
		if k.NFTKubeProxyTable {
			k.NFT = Observation{State: SeenPresent, Source: "nfnetlink"}
		}
	} else {
		why := fmt.Sprintf("nftables not readable: %v", firstErr(terr, cerr))
		k.Notes = append(k.Notes, why)
		k.NFT = Observation{State: SeenNotObserved, Source: "nfnetlink", Reason: why}
	}

	// Legacy iptables keeps its rules outside nftables, in x_tables.
	legacy, exists, lerr := LegacyIPTablesChains("nat")
	legacyWhy := ""
	switch {
	case lerr != nil:
		legacyWhy = lerr.Error()
		k.Notes = append(k.Notes, legacyWhy)
	case exists:
		k.Sources = append(k.Sources, "x_tables")
		k.LegacyNATChains = legacy
		k.IPTablesChains = append(k.IPTablesChains, legacy...)
	default:
		k.Sources = append(k.Sources, "x_tables")
		k.Notes = append(k.Notes, "no legacy iptables nat table in this namespace")
	}

	svcs, ierr := IPVSServices()
	switch {
	case errors.Is(ierr, ErrIPVSUnavailable):
		k.Sources = append(k.Sources, "genetlink")
		k.IPVS = Observation{State: SeenAbsent, Source: "genetlink IPVS", Reason: ierr.Error()}
	case ierr != nil:
		k.Notes = append(k.Notes, ierr.Error())
		k.IPVS = Observation{State: SeenNotObserved, Source: "genetlink IPVS", Reason: ierr.Error()}
	case len(svcs) == 0:
		k.Sources = append(k.Sources, "genetlink")
		k.IPVS = Observation{State: SeenAbsent, Source: "genetlink IPVS", Reason: "no IPVS virtual server"}
	default:
		k.Sources = append(k.Sources, "genetlink")
		k.IPVSServices = svcs
		k.IPVS = Observation{State: SeenPresent, Source: "genetlink IPVS"}
	}
	if links, err := Interfaces(); err == nil {
		for _, l := range links {
			if l.Name == "kube-ipvs0" {
				k.IPVSInterface = true
			}
		}
	}
	k.summarize(nftOK, lerr == nil, legacyWhy)
	if len(k.Sources) == 0 {
		return k, fmt.Errorf("no source of kube-proxy rules could be read (run the node probe with CAP_NET_ADMIN and CAP_NET_RAW): %v", k.Notes)
	}
	return k, nil
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
