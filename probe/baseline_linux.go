package probe

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"time"

	"github.com/netlab-dev/netlab/probe/nslab"
)

// BaselineResult is the bulk and request/response figures between two plain network namespaces
// joined by a veth pair: the ceiling that every path's figures are divided by.
type BaselineResult struct {
	Topology string `json:"topology"`
	Server   string `json:"server"` // "process" (netlab probe serve) or "in-process"
	// Taken is when the measurement started.
	Taken time.Time  `json:"taken"`
	Bulk  BulkResult `json:"bulk"`
	RR    RRResult   `json:"rr"`
}

// BaselinePort is the probe server's TCP port in the baseline pair.
const BaselinePort = 7001

// BaselineConfig says what Baseline measures and how.
type BaselineConfig struct {
	Bulk BulkOptions // zero Duration and Bytes: no bulk stream
	RR   RROptions   // zero Count and Duration: no request/response test
	// ServerBinary, when set, is a netlab binary run as `probe serve` in the server namespace, so
	// the two ends are separate processes, as in the lab's Pods (and as iperf3 runs). Empty
	// serves from this process, which measured 10–25% higher (docs/probe.md).
	ServerBinary string
}

// Baseline builds a fresh namespace pair (nslab.NewPair), serves in one, runs the bulk stream and
// the request/response test from the other, and deletes the pair. It needs root and iproute2.
// The server runs in this process; see BaselineWith for a separate process.
func Baseline(ctx context.Context, bo BulkOptions, ro RROptions) (BaselineResult, error) {
	return BaselineWith(ctx, BaselineConfig{Bulk: bo, RR: ro})
}

// BaselineWith is Baseline with a configuration.
func BaselineWith(ctx context.Context, cfg BaselineConfig) (BaselineResult, error) {
	res := BaselineResult{Topology: "veth pair between two network namespaces (" + nslab.PairCIDR + ")", Taken: time.Now().UTC()}
	l, err := nslab.NewPair()
	if err != nil {
		return res, fmt.Errorf("baseline: %w", err)
	}
	defer l.Close()
	if cfg.ServerBinary == "" {
		return res, RunPair(ctx, l, &res, cfg.Bulk, cfg.RR)
	}
	return res, runPairProcess(ctx, l, &res, cfg)
}

// RunPair measures on an existing nslab pair (namespaces "client" and "server") with the server
// in this process; the probe benchmark uses it to run iperf3 on the very same pair.
func RunPair(ctx context.Context, l *nslab.Lab, res *BaselineResult, bo BulkOptions, ro RROptions) error {
	res.Server = "in-process"
	var srv *Server
	if err := l.Do("server", func() error {
		var err error
		srv, err = Start(ctx, ServerConfig{TCPAddr: net.JoinHostPort(nslab.PairServerIP, fmt.Sprint(BaselinePort)), Identity: Identity{Hostname: "baseline-server"}})
		return err
	}); err != nil {
		return fmt.Errorf("baseline server: %w", err)
	}
	defer srv.Close()
	return measurePair(ctx, l, res, srv.TCPAddr(), bo, ro)
}

func measurePair(ctx context.Context, l *nslab.Lab, res *BaselineResult, target string, bo BulkOptions, ro RROptions) error {
	g, err := NewGuard(nslab.PairCIDR)
	if err != nil {
		return err
	}
	c := &Client{Guard: g, Identity: Identity{Hostname: "baseline-client"}}
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

// runPairProcess runs `netlab probe serve` in the server namespace and measures against it.
func runPairProcess(ctx context.Context, l *nslab.Lab, res *BaselineResult, cfg BaselineConfig) error {
	res.Server = "process"
	target := net.JoinHostPort(nslab.PairServerIP, fmt.Sprint(BaselinePort))
	life := cfg.Bulk.Omit + cfg.Bulk.Duration + cfg.RR.Duration + 2*time.Minute
	pctx, cancel := context.WithTimeout(ctx, life)
	defer cancel()
	cmd := l.Command(pctx, "server", cfg.ServerBinary, "probe", "serve", "--tcp", target, "--http", "", "--udp", "", "--for", life.String())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("baseline server process: %w", err)
	}
	defer func() { cancel(); _ = cmd.Wait() }() // killed by cancel: its exit error is expected
	// Wait, bounded, until it answers.
	g, _ := NewGuard(nslab.PairCIDR)
	c := &Client{Guard: g, Timeout: 500 * time.Millisecond}
	var lastErr error
	for i := 0; i < 50; i++ {
		lastErr = l.Do("client", func() error { _, err := c.TCP(ctx, target, "ready?"); return err })
		if lastErr == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if lastErr != nil {
		return fmt.Errorf("baseline server process did not answer: %v (%s)", lastErr, bytes.TrimSpace(stderr.Bytes()))
	}
	return measurePair(ctx, l, res, target, cfg.Bulk, cfg.RR)
}
