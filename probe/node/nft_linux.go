package node

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"sort"
	"strconv"
	"time"

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

// ReadKubeProxyRules reads kube-proxy's rules: the nftables table kube-proxy, the KUBE-* chains of
// iptables (nftables-backed through nfnetlink; legacy through iptables-save when it is on PATH),
// and the kube-ipvs0 interface of IPVS mode.
func ReadKubeProxyRules(ctx context.Context) (KubeProxyRules, error) {
	k := KubeProxyRules{NFTTables: []string{}, Sources: []string{}}
	tables, terr := NFTTables()
	chains, cerr := NFTChains()
	if terr == nil && cerr == nil {
		k.Sources = append(k.Sources, "nfnetlink")
		k.NFTTables = tables
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
	} else {
		k.Notes = append(k.Notes, fmt.Sprintf("nftables not readable: %v", firstErr(terr, cerr)))
	}
	// Legacy iptables keeps its rules outside nftables; iptables-save (when present) sees them.
	for _, prog := range []string{"iptables-legacy-save", "iptables-save"} {
		path, err := exec.LookPath(prog)
		if err != nil {
			continue
		}
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		out, err := exec.CommandContext(cctx, path, "-t", "nat").Output()
		cancel()
		if err != nil {
			k.Notes = append(k.Notes, fmt.Sprintf("%s: %v", prog, err))
			continue
		}
		k.Sources = append(k.Sources, prog)
		k.IPTablesChains = append(k.IPTablesChains, ParseIptablesSave(string(out))["nat"]...)
	}
	if links, err := Interfaces(); err == nil {
		for _, l := range links {
			if l.Name == "kube-ipvs0" {
				k.IPVSInterface = true
			}
		}
	}
	k.summarize()
	if len(k.Sources) == 0 {
		return k, fmt.Errorf("no source of rules could be read: %v", k.Notes)
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
