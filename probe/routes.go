package probe

import (
	"fmt"
	"net/netip"
	"strings"
)

// HostRoute is a route the probe installs in its own network namespace (a VPC client container,
// which has no ip command): a route Via a gateway, or an Unreachable one at Metric.
type HostRoute struct {
	Dst         netip.Prefix
	Via         netip.Addr
	Unreachable bool
	Metric      int
}

func (r HostRoute) String() string {
	if r.Unreachable {
		return fmt.Sprintf("unreachable %s metric %d", r.Dst, r.Metric)
	}
	return fmt.Sprintf("%s via %s", r.Dst, r.Via)
}

// ParseHostRoutes reads the --via CIDR=GATEWAY and --unreachable CIDR lists of 'probe routes'.
func ParseHostRoutes(via, unreachable []string, metric int) ([]HostRoute, error) {
	var out []HostRoute
	for _, v := range via {
		dst, gw, ok := strings.Cut(v, "=")
		pf, err := netip.ParsePrefix(dst)
		a, aerr := netip.ParseAddr(gw)
		if !ok || err != nil || aerr != nil || !pf.Addr().Is4() || !a.Is4() {
			return nil, fmt.Errorf("--via %q: want CIDR=GATEWAY, e.g. 10.1.0.0/16=10.0.1.254", v)
		}
		out = append(out, HostRoute{Dst: pf.Masked(), Via: a})
	}
	for _, u := range unreachable {
		pf, err := netip.ParsePrefix(u)
		if err != nil || !pf.Addr().Is4() {
			return nil, fmt.Errorf("--unreachable %q: want an IPv4 CIDR", u)
		}
		out = append(out, HostRoute{Dst: pf.Masked(), Unreachable: true, Metric: metric})
	}
	return out, nil
}
