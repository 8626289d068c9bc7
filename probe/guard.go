package probe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// Guard is the target-safety rule: every client call dials only addresses inside its allowlist
// (the scenario's own VPC, Pod and Service CIDRs, plus loopback). A host name is resolved first
// and every address it resolves to must be allowed; the checked address is the one dialed, so a
// second resolution cannot redirect the probe. The unspecified addresses (0.0.0.0, ::) are always
// refused: Linux would quietly deliver them to the local host.
type Guard struct {
	allowed  []netip.Prefix
	resolver *net.Resolver
}

// LoopbackPrefixes are the loopback ranges, allowed by NewGuard unless WithoutLoopback is used.
var LoopbackPrefixes = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}

// NewGuard returns a guard allowing the given CIDRs (a bare address means a /32 or /128) and loopback.
func NewGuard(cidrs ...string) (*Guard, error) {
	g := &Guard{}
	g.allowed = append(g.allowed, LoopbackPrefixes...)
	for _, c := range cidrs {
		for _, part := range strings.Split(c, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			p, err := parsePrefix(part)
			if err != nil {
				return nil, err
			}
			g.allowed = append(g.allowed, p)
		}
	}
	return g, nil
}

// NewGuardPrefixes is NewGuard for already parsed prefixes.
func NewGuardPrefixes(prefixes ...netip.Prefix) *Guard {
	g := &Guard{}
	g.allowed = append(g.allowed, LoopbackPrefixes...)
	for _, p := range prefixes {
		g.allowed = append(g.allowed, unmapPrefix(p.Masked()))
	}
	return g
}

func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("allowed range %q is not a CIDR: %v", s, err)
		}
		return unmapPrefix(p.Masked()), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("allowed range %q is neither a CIDR nor an address", s)
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// unmapPrefix turns ::ffff:a.b.c.d/N (N>=96) into a.b.c.d/(N-96).
func unmapPrefix(p netip.Prefix) netip.Prefix {
	if p.Addr().Is4In6() && p.Bits() >= 96 {
		return netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96).Masked()
	}
	return p
}

// WithResolver sets the resolver used for host names (default net.DefaultResolver) and returns g.
func (g *Guard) WithResolver(r *net.Resolver) *Guard { g.resolver = r; return g }

// Allowed returns the allowed ranges.
func (g *Guard) Allowed() []netip.Prefix { return append([]netip.Prefix(nil), g.allowed...) }

// RefusedError says that a target is outside the allowed ranges.
type RefusedError struct {
	Target  string         // as given
	Addr    netip.Addr     // the offending address (zero when the target did not parse)
	Reason  string         // why
	Allowed []netip.Prefix // the allowed ranges
}

func (e *RefusedError) Error() string {
	al := make([]string, len(e.Allowed))
	for i, p := range e.Allowed {
		al[i] = p.String()
	}
	what := e.Target
	if e.Addr.IsValid() && e.Addr.String() != hostOf(e.Target) {
		what = fmt.Sprintf("%s (%s)", e.Target, e.Addr)
	}
	return fmt.Sprintf("refused target %s: %s; allowed ranges: %s", what, e.Reason, strings.Join(al, ", "))
}

// IsRefused reports whether err is (or wraps) a RefusedError.
func IsRefused(err error) bool {
	var r *RefusedError
	return errors.As(err, &r)
}

func hostOf(target string) string {
	if h, _, err := net.SplitHostPort(target); err == nil {
		return h
	}
	return target
}

// CheckURL parses raw as an http:// URL whose host is an IP address and checks that address: a
// *RefusedError when g does not allow it, another error when raw is not such a URL.
func (g *Guard) CheckURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" || u.Hostname() == "" {
		return nil, fmt.Errorf("%q: want http://IP[:PORT][/PATH]", raw)
	}
	ip, err := netip.ParseAddr(u.Hostname())
	if err != nil {
		return nil, fmt.Errorf("%q: the host must be an IP address", raw)
	}
	if err := g.CheckAddr(ip); err != nil {
		return nil, err
	}
	return u, nil
}

// CheckAddr returns nil when a is allowed, a *RefusedError otherwise.
func (g *Guard) CheckAddr(a netip.Addr) error {
	return g.checkAddr(a.String(), a)
}

func (g *Guard) checkAddr(target string, a netip.Addr) error {
	if g == nil {
		return &RefusedError{Target: target, Addr: a, Reason: "no guard configured (nothing is allowed)"}
	}
	a = a.Unmap().WithZone("")
	if !a.IsValid() {
		return &RefusedError{Target: target, Reason: "not an address", Allowed: g.Allowed()}
	}
	if a.IsUnspecified() {
		return &RefusedError{Target: target, Addr: a, Reason: "the unspecified address is never a valid target", Allowed: g.Allowed()}
	}
	for _, p := range g.allowed {
		if p.Contains(a) {
			return nil
		}
	}
	return &RefusedError{Target: target, Addr: a, Reason: "address is outside the allowed ranges", Allowed: g.Allowed()}
}

// Resolve checks a host:port target and returns the address to dial. A host name is resolved and
// every address it resolves to must be allowed (the first one is returned).
func (g *Guard) Resolve(ctx context.Context, target string) (netip.AddrPort, error) {
	return g.resolve(ctx, target, nil)
}

// resolve is Resolve with the resolver's sockets made by dial (nil: net.DefaultResolver's own),
// so a client in a network namespace asks for names from that namespace.
func (g *Guard) resolve(ctx context.Context, target string, dial dialFunc) (netip.AddrPort, error) {
	host, portStr, err := net.SplitHostPort(target)
	if err != nil {
		return netip.AddrPort{}, &RefusedError{Target: target, Reason: "not host:port (" + err.Error() + ")", Allowed: g.Allowed()}
	}
	port, err := strconv.ParseUint(portStr, 10, 16)
	if err != nil {
		return netip.AddrPort{}, &RefusedError{Target: target, Reason: "port " + strconv.Quote(portStr) + " is not a number 0-65535", Allowed: g.Allowed()}
	}
	addrs, err := g.lookup(ctx, target, host, dial)
	if err != nil {
		return netip.AddrPort{}, err
	}
	return netip.AddrPortFrom(addrs[0], uint16(port)), nil
}

// lookup resolves host (an address literal or a name) and checks every address.
func (g *Guard) lookup(ctx context.Context, target, host string, dial dialFunc) ([]netip.Addr, error) {
	if a, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		if err := g.checkAddr(target, a); err != nil {
			return nil, err
		}
		return []netip.Addr{a.Unmap()}, nil
	}
	if host == "" {
		return nil, &RefusedError{Target: target, Reason: "empty host (it would mean the unspecified address)", Allowed: g.Allowed()}
	}
	r := net.DefaultResolver
	if g != nil && g.resolver != nil {
		r = g.resolver
	} else if dial != nil {
		r = &net.Resolver{PreferGo: true, Dial: dial}
	}
	ips, err := r.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil, fmt.Errorf("resolve %s: %w", host, err)
	}
	if len(ips) == 0 {
		return nil, fmt.Errorf("resolve %s: no addresses", host)
	}
	out := make([]netip.Addr, 0, len(ips))
	for _, a := range ips {
		if err := g.checkAddr(target, a); err != nil {
			return nil, err
		}
		out = append(out, a.Unmap())
	}
	return out, nil
}

// DialContext dials network ("tcp", "udp" and their 4/6 forms) to a checked address. It fits
// http.Transport.DialContext. It dials in the namespace of whatever thread runs it; the Client
// methods instead dial in the namespace they were called in.
func (g *Guard) DialContext(ctx context.Context, network, target string) (net.Conn, error) {
	ap, err := g.Resolve(ctx, target)
	if err != nil {
		return nil, err
	}
	var d net.Dialer
	return d.DialContext(ctx, network, ap.String())
}

// guardedDial checks every target with g and dials it with dial.
func (g *Guard) guardedDial(dial dialFunc) dialFunc {
	return func(ctx context.Context, network, target string) (net.Conn, error) {
		ap, err := g.resolve(ctx, target, dial)
		if err != nil {
			return nil, err
		}
		return dial(ctx, network, ap.String())
	}
}
