//go:build !linux

package node

import (
	"context"
	"errors"
	"net/netip"
)

var errNotLinux = errors.New("node evidence needs Linux (netlink, AF_PACKET)")

// AllTables asks Routes for every routing table.
const AllTables = 0

// ConntrackFilter: see the Linux build.
type ConntrackFilter struct {
	OrigDst   netip.Addr
	OrigDport int
	Proto     string
	OnlyDNAT  bool
}

func Routes(int) ([]Route, error)                         { return nil, errNotLinux }
func Interfaces() ([]Interface, error)                    { return nil, errNotLinux }
func Conntrack(ConntrackFilter) ([]ConntrackEntry, error) { return nil, errNotLinux }
func NFTChains() ([]NFTChain, error)                      { return nil, errNotLinux }
func NFTTables() ([]string, error)                        { return nil, errNotLinux }
func ReadKubeProxyRules(context.Context) (KubeProxyRules, error) {
	return KubeProxyRules{}, errNotLinux
}
func IPVSServices() ([]IPVSService, error)                { return nil, errNotLinux }
func LegacyIPTablesChains(string) ([]string, bool, error) { return nil, false, errNotLinux }
func CaptureUDP(context.Context, CaptureOptions) (CaptureResult, error) {
	return CaptureResult{}, errNotLinux
}
