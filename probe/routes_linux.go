//go:build linux

package probe

import (
	"fmt"
	"net"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// SetHostRoutes installs rs in this network namespace's main table, replacing a route of the same
// destination and metric (so a second run changes nothing). It needs CAP_NET_ADMIN.
func SetHostRoutes(rs []HostRoute) error {
	for _, r := range rs {
		nr := &netlink.Route{Dst: &net.IPNet{IP: r.Dst.Addr().AsSlice(), Mask: net.CIDRMask(r.Dst.Bits(), 32)}, Priority: r.Metric}
		if r.Unreachable {
			nr.Type = unix.RTN_UNREACHABLE
		} else {
			nr.Gw = r.Via.AsSlice()
		}
		if err := netlink.RouteReplace(nr); err != nil {
			return fmt.Errorf("ip route replace %s: %w", r, err)
		}
	}
	return nil
}
