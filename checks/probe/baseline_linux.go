package probe

import (
	"context"
	"fmt"
	"net"

	"github.com/netlab-dev/netlab/checks/probe/nslab"
)

// BaselineResult is the bulk and request/response figures between two plain network namespaces
// joined by a veth pair: the ceiling that every path's figures are divided by.
type BaselineResult struct {
	Topology string     `json:"topology"`
	Bulk     BulkResult `json:"bulk"`
	RR       RRResult   `json:"rr"`
}

// BaselinePort is the probe server's TCP port in the baseline pair.
const BaselinePort = 7001

// Baseline builds a fresh namespace pair (nslab.NewPair), serves in one, runs the bulk stream and
// the request/response test from the other, and deletes the pair. It needs root and iproute2.
func Baseline(ctx context.Context, bo BulkOptions, ro RROptions) (BaselineResult, error) {
	res := BaselineResult{Topology: "veth pair between two network namespaces (" + nslab.PairCIDR + ")"}
	l, err := nslab.NewPair()
	if err != nil {
		return res, fmt.Errorf("baseline: %w", err)
	}
	defer l.Close()
	return res, RunPair(ctx, l, &res, bo, ro)
}

// RunPair measures on an existing nslab pair (namespaces "client" and "server"); the probe
// benchmark uses it to run iperf3 on the very same pair.
func RunPair(ctx context.Context, l *nslab.Lab, res *BaselineResult, bo BulkOptions, ro RROptions) error {
	var srv *Server
	if err := l.Do("server", func() error {
		var err error
		srv, err = Start(ctx, ServerConfig{TCPAddr: net.JoinHostPort(nslab.PairServerIP, fmt.Sprint(BaselinePort)), Identity: Identity{Hostname: "baseline-server"}})
		return err
	}); err != nil {
		return fmt.Errorf("baseline server: %w", err)
	}
	defer srv.Close()
	g, err := NewGuard(nslab.PairCIDR)
	if err != nil {
		return err
	}
	c := &Client{Guard: g, Identity: Identity{Hostname: "baseline-client"}}
	target := srv.TCPAddr()
	return l.Do("client", func() error {
		var err error
		if bo.Duration > 0 || bo.Bytes > 0 {
			if res.Bulk, err = c.Bulk(ctx, target, bo); err != nil {
				return fmt.Errorf("baseline bulk: %w", err)
			}
		}
		if ro.Count > 0 || ro.Duration > 0 {
			if res.RR, err = c.RR(ctx, target, ro); err != nil {
				return fmt.Errorf("baseline rr: %w", err)
			}
		}
		return nil
	})
}
