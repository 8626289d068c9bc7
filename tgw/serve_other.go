//go:build !linux

package tgw

import (
	"context"
	"errors"
	"net/netip"
	"time"

	"github.com/netlab-dev/netlab/tgw/api"
)

// ServeOptions configure Serve.
type ServeOptions struct {
	Listen, APIFrom, StateFile, NetNS string
	Credentials                       *api.Credentials
	NoDatapath                        bool
	Resync                            time.Duration
	Logf                              func(format string, args ...any)
	Ready                             func(addr string)
	APIHosts                          []netip.Addr
}

// Serve needs Linux (policy routing and nftables).
func Serve(ctx context.Context, o ServeOptions) error {
	return errors.New("the transit gateway runs on Linux only")
}
