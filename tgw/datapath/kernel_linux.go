//go:build linux

package datapath

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"

	"github.com/containernetworking/plugins/pkg/ns"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/netlab-dev/netlab/tgw/model"
)

// Kernel applies the state to the Linux kernel of a network namespace.
type Kernel struct {
	// NS is the network namespace to program; nil means the current one (the TGW container's).
	NS ns.NetNS
	// Sysctls, when set, turns on IPv4 forwarding and turns off reverse-path filtering on the legs
	// (policy routing sends replies by other tables than the main one).
	Sysctls bool

	mem counterMemory // counts of removed routes, for when they come back (nft_linux.go)
}

func (k *Kernel) do(f func() error) error {
	if k.NS == nil {
		return f()
	}
	return k.NS.Do(func(ns.NetNS) error { return f() })
}

// Addresses lists the IPv4 addresses of the namespace's interfaces (not loopback).
func (k *Kernel) Addresses() ([]LocalAddr, error) {
	var out []LocalAddr
	err := k.do(func() error {
		var err error
		out, err = localAddrs()
		return err
	})
	return out, err
}

func localAddrs() ([]LocalAddr, error) {
	links, err := netlink.LinkList()
	if err != nil {
		return nil, fmt.Errorf("list links: %w", err)
	}
	var out []LocalAddr
	for _, l := range links {
		if l.Attrs().Flags&net.FlagLoopback != 0 {
			continue
		}
		addrs, err := netlink.AddrList(l, netlink.FAMILY_V4)
		if err != nil {
			return nil, fmt.Errorf("list addresses of %s: %w", l.Attrs().Name, err)
		}
		for _, a := range addrs {
			ip, ok := netip.AddrFromSlice(a.IP.To4())
			if !ok {
				continue
			}
			ones, _ := a.Mask.Size()
			out = append(out, LocalAddr{Link: l.Attrs().Name, Index: l.Attrs().Index, Prefix: netip.PrefixFrom(ip, ones)})
		}
	}
	return out, nil
}

// Apply makes the kernel match the state: routes in netlab's tables, rules in netlab's priority
// range, and the counter rules. It is idempotent: a second Apply of the same state changes nothing.
func (k *Kernel) Apply(s *model.State) (Result, error) {
	d, warnings := Plan(s)
	res := Result{Warnings: warnings}
	err := k.do(func() error {
		addrs, err := localAddrs()
		if err != nil {
			return err
		}
		link := map[netip.Addr]LocalAddr{}
		for _, a := range addrs {
			link[a.Prefix.Addr()] = a
		}
		var errs []error
		if err := applyRoutes(d, link, &res); err != nil {
			errs = append(errs, err)
		}
		rulesErr := applyRules(d, link, &res)
		if rulesErr != nil {
			errs = append(errs, rulesErr)
		}
		n, err := k.applyCounters(d, link)
		res.CounterRulesChanged = n
		if err != nil {
			errs = append(errs, err)
		}
		// forwarding goes on only once the rules that confine it are in place
		if k.Sysctls && rulesErr == nil {
			if err := writeSysctl("net/ipv4/ip_forward", "1"); err != nil {
				errs = append(errs, err)
			}
			// Strict reverse-path filtering (the effective value is the larger of all/ and the
			// link's) drops the asymmetric flows a TGW forwards: a failure here breaks forwarding.
			if err := writeSysctl("net/ipv4/conf/all/rp_filter", "0"); err != nil {
				errs = append(errs, err)
			}
			done := map[string]bool{}
			for _, r := range d.Rules {
				if l, ok := link[r.In]; ok && !done[l.Link] {
					done[l.Link] = true
					if err := writeSysctl(filepath.Join("net/ipv4/conf", l.Link, "rp_filter"), "0"); err != nil {
						errs = append(errs, err)
					}
				}
			}
		}
		return errors.Join(errs...)
	})
	return res, err
}

func writeSysctl(name, value string) error {
	p := filepath.Join("/proc/sys", name)
	if b, err := os.ReadFile(p); err == nil && string(b) == value+"\n" {
		return nil
	}
	if err := os.WriteFile(p, []byte(value), 0o644); err != nil {
		return fmt.Errorf("sysctl %s=%s: %w", name, value, err)
	}
	return nil
}

func prefixNet(p netip.Prefix) *net.IPNet {
	return &net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), 32)}
}

// keyOf is routeKey of a route the kernel holds (a blackhole's link does not count).
func keyOf(h netlink.Route) string {
	gw := ""
	if h.Gw != nil {
		gw = h.Gw.String()
	}
	link := h.LinkIndex
	if h.Type == unix.RTN_BLACKHOLE {
		link = 0
	}
	return routeKey(h.Table, dstOf(h).String(), h.Type, gw, link)
}

func routeKey(table int, dst string, typ int, gw string, link int) string {
	return fmt.Sprintf("%d|%s|%d|%s|%d", table, dst, typ, gw, link)
}

func owned(table int) bool { return table >= TableBase && table <= TableMax }

func applyRoutes(d Desired, link map[netip.Addr]LocalAddr, res *Result) error {
	var errs []error
	want := map[string]netlink.Route{}
	wantDst := map[string]bool{}
	for _, r := range d.Routes {
		nr := netlink.Route{Table: r.Table, Dst: prefixNet(r.Dst), Protocol: unix.RTPROT_STATIC, Family: netlink.FAMILY_V4}
		gw := ""
		if r.Blackhole {
			nr.Type = unix.RTN_BLACKHOLE
		} else {
			l, ok := link[r.Out]
			if !ok {
				errs = append(errs, fmt.Errorf("route %s: no interface carries the leg address %s", r.Dst, r.Out))
				continue
			}
			nr.Type = unix.RTN_UNICAST
			nr.LinkIndex = l.Index
			if r.Via.IsValid() {
				nr.Gw = r.Via.AsSlice()
				nr.Flags = int(netlink.FLAG_ONLINK)
				gw = r.Via.String()
			} else {
				nr.Scope = netlink.SCOPE_LINK
			}
		}
		key := routeKey(r.Table, r.Dst.String(), nr.Type, gw, nr.LinkIndex)
		want[key] = nr
		wantDst[fmt.Sprintf("%d|%s", r.Table, r.Dst)] = true
	}
	have, err := netlink.RouteListFiltered(netlink.FAMILY_V4, &netlink.Route{Table: unix.RT_TABLE_UNSPEC}, netlink.RT_FILTER_TABLE)
	if err != nil {
		return fmt.Errorf("list routes: %w", err)
	}
	haveKeys := map[string]bool{}
	for _, h := range have {
		if !owned(h.Table) {
			continue
		}
		haveKeys[keyOf(h)] = true
	}
	for key, nr := range want {
		if haveKeys[key] {
			continue
		}
		nr := nr
		if err := netlink.RouteReplace(&nr); err != nil {
			errs = append(errs, fmt.Errorf("route %s table %d: %w", nr.Dst, nr.Table, err))
			continue
		}
		res.RoutesAdded++
	}
	for _, h := range have {
		if !owned(h.Table) {
			continue
		}
		if _, ok := want[keyOf(h)]; ok {
			continue
		}
		if wantDst[fmt.Sprintf("%d|%s", h.Table, dstOf(h))] {
			continue // replaced above
		}
		h := h
		if err := netlink.RouteDel(&h); err != nil && !errors.Is(err, unix.ESRCH) {
			errs = append(errs, fmt.Errorf("delete route %s table %d: %w", h.Dst, h.Table, err))
			continue
		}
		res.RoutesDeleted++
	}
	return errors.Join(errs...)
}

func ruleKey(prio int, iif string, table int) string {
	return fmt.Sprintf("%d|%s|%d", prio, iif, table)
}

func applyRules(d Desired, link map[netip.Addr]LocalAddr, res *Result) error {
	var errs []error
	want := map[string]Rule{}
	iif := map[string]string{}
	for _, r := range d.Rules {
		name := r.Iif
		if r.In.IsValid() {
			l, ok := link[r.In]
			if !ok {
				errs = append(errs, fmt.Errorf("rule for %s: no interface carries the leg address %s", r.AttachmentID, r.In))
				continue
			}
			name = l.Link
		}
		key := ruleKey(r.Priority, name, r.Table)
		want[key], iif[key] = r, name
	}
	have, err := netlink.RuleList(netlink.FAMILY_V4)
	if err != nil {
		return fmt.Errorf("list rules: %w", err)
	}
	haveKeys := map[string]bool{}
	for _, h := range have {
		if h.Priority < RuleLookupBase || h.Priority > RuleMax {
			continue
		}
		key := ruleKey(h.Priority, h.IifName, h.Table)
		if _, ok := want[key]; ok && !haveKeys[key] {
			haveKeys[key] = true
			continue
		}
		h := h
		h.Family = netlink.FAMILY_V4
		if err := netlink.RuleDel(&h); err != nil {
			errs = append(errs, fmt.Errorf("delete rule %d: %w", h.Priority, err))
			continue
		}
		res.RulesDeleted++
	}
	for key, r := range want {
		if haveKeys[key] {
			continue
		}
		nr := netlink.NewRule()
		nr.Family = netlink.FAMILY_V4
		nr.Priority = r.Priority
		nr.IifName = iif[key]
		if r.Table == 0 {
			nr.Type = unix.RTN_BLACKHOLE
		} else {
			nr.Table = r.Table
		}
		if err := netlink.RuleAdd(nr); err != nil {
			errs = append(errs, fmt.Errorf("rule %d iif %s: %w", r.Priority, nr.IifName, err))
			continue
		}
		res.RulesAdded++
	}
	return errors.Join(errs...)
}

// Routes lists the routes in netlab's kernel tables.
func (k *Kernel) Routes() ([]KernelRoute, error) {
	var out []KernelRoute
	err := k.do(func() error {
		have, err := netlink.RouteListFiltered(netlink.FAMILY_V4, &netlink.Route{Table: unix.RT_TABLE_UNSPEC}, netlink.RT_FILTER_TABLE)
		if err != nil {
			return err
		}
		for _, h := range have {
			if !owned(h.Table) {
				continue
			}
			kr := KernelRoute{Table: h.Table, Dst: dstOf(h), Blackhole: h.Type == unix.RTN_BLACKHOLE}
			if h.Gw != nil {
				kr.Via, _ = netip.AddrFromSlice(h.Gw.To4())
			}
			if h.LinkIndex > 0 {
				if l, err := netlink.LinkByIndex(h.LinkIndex); err == nil {
					kr.Dev = l.Attrs().Name
				}
			}
			out = append(out, kr)
		}
		return nil
	})
	return out, err
}

// dstOf returns a route's destination (netlink leaves Dst nil for 0.0.0.0/0).
func dstOf(r netlink.Route) netip.Prefix {
	if r.Dst == nil {
		return netip.MustParsePrefix("0.0.0.0/0")
	}
	ip, _ := netip.AddrFromSlice(r.Dst.IP.To4())
	ones, _ := r.Dst.Mask.Size()
	return netip.PrefixFrom(ip, ones)
}
