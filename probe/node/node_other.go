//go:build !linux

package node

import (
	"context"
	"errors"
	"net/netip"
	"time"
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

// CaptureOptions: see the Linux build.
type CaptureOptions struct {
	Interface  string
	Ports      []uint16
	Duration   time.Duration
	MaxPackets int
}

// CaptureResult: see the Linux build.
type CaptureResult struct {
	Interface string         `json:"interface"`
	Ports     []uint16       `json:"ports"`
	Seconds   float64        `json:"seconds"`
	Packets   int            `json:"packets"`
	Incoming  int            `json:"incoming"`
	Outgoing  int            `json:"outgoing"`
	Bytes     int64          `json:"bytes"`
	ByPort    map[string]int `json:"byPort"`
	Stopped   string         `json:"stopped"`
}

func Routes(int) ([]Route, error)                         { return nil, errNotLinux }
func Interfaces() ([]Interface, error)                    { return nil, errNotLinux }
func Conntrack(ConntrackFilter) ([]ConntrackEntry, error) { return nil, errNotLinux }
func NFTChains() ([]NFTChain, error)                      { return nil, errNotLinux }
func NFTTables() ([]string, error)                        { return nil, errNotLinux }
func ReadKubeProxyRules(context.Context) (KubeProxyRules, error) {
	return KubeProxyRules{}, errNotLinux
}
func CaptureUDP(context.Context, CaptureOptions) (CaptureResult, error) {
	return CaptureResult{}, errNotLinux
}
