package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/netlab-dev/netlab/internal/cell"
	"github.com/netlab-dev/netlab/probe"
	"github.com/netlab-dev/netlab/waf"
)

func newWAFCmd() *cobra.Command {
	var listen, listenOff, counters, upstream, name string
	var allow []string
	cmd := &cobra.Command{
		Use:   "waf",
		Short: "Serve the DMZ's web application firewall: Coraza with the OWASP Core Rule Set in front of one upstream (netlab's own image runs it in a lab)",
		Long: `waf proxies every request to --upstream through Coraza v3 with the OWASP Core Rule Set ` + waf.CRSVersion + `
(paranoia level 1, anomaly scoring: a request that scores 5 is refused with 403). --listen-off serves
the same proxy with the rule engine off, for a check's negative control. Each passed request gets
the hop header ` + waf.HopHeader + ` extended with "<name>@<client address>". --counters serves the
counts of both as JSON. The upstream must lie in --allow (the lab's ranges) or on loopback.
It runs until SIGINT or SIGTERM.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			g, err := probe.NewGuard(allow...)
			if err != nil {
				return failf(exitUsage, "--allow: %v", err)
			}
			if _, err := g.CheckURL(upstream); err != nil {
				return failf(exitUsage, "--upstream: %v", err)
			}
			on, cOn, err := waf.New(upstream, name, true)
			if err != nil {
				return failf(exitUsage, "%v", err)
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			servers := map[string]http.Handler{listen: on}
			cOff := &waf.Counters{}
			if listenOff != "" {
				off, c, err := waf.New(upstream, name, false)
				if err != nil {
					return failf(exitUsage, "%v", err)
				}
				servers[listenOff], cOff = off, c
			}
			if counters != "" {
				servers[counters] = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
					w.Header().Set("Content-Type", "application/json")
					_ = json.NewEncoder(w).Encode(waf.Snapshot{On: cOn.Count(), Off: cOff.Count()})
				})
			}
			errc := make(chan error, len(servers))
			var running []*http.Server
			for addr, h := range servers {
				ln, err := net.Listen("tcp", addr)
				if err != nil {
					return failf(exitFailed, "listen %s: %v", addr, err)
				}
				s := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 30 * time.Second}
				running = append(running, s)
				go func() { errc <- s.Serve(ln) }()
			}
			fmt.Fprintf(cmd.OutOrStdout(), "waf: Coraza with the Core Rule Set %s in front of %s; rules on at %s, off at %s, counters at %s\n", waf.CRSVersion, upstream, listen, cell.Dash(listenOff), cell.Dash(counters))
			select {
			case <-ctx.Done():
			case err := <-errc:
				if !errors.Is(err, http.ErrServerClosed) {
					return failf(exitFailed, "waf: %v", err)
				}
			}
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			for _, s := range running {
				_ = s.Shutdown(sctx)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&listen, "listen", ":80", "address of the guarded proxy (rule engine on)")
	cmd.Flags().StringVar(&listenOff, "listen-off", ":8080", "address of the same proxy with the rule engine off (\"\": none)")
	cmd.Flags().StringVar(&counters, "counters", ":9090", "address of the counters, JSON (\"\": none)")
	cmd.Flags().StringVar(&upstream, "upstream", "", "where passed requests go: http://IP:PORT (required)")
	cmd.Flags().StringVar(&name, "name", "waf", "this hop's name in the hop header")
	cmd.Flags().StringSliceVar(&allow, "allow", nil, "CIDRs the upstream may be in (loopback is always allowed)")
	_ = cmd.MarkFlagRequired("upstream")
	cmd.AddCommand(newWAFCountersCmd())
	return cmd
}

// newWAFCountersCmd reads a WAF's counters, as the DMZ check does from the DMZ's client.
func newWAFCountersCmd() *cobra.Command {
	var allow []string
	cmd := &cobra.Command{
		Use:   "counters URL",
		Short: "Print a WAF's counters (what 'netlab waf --counters' serves) as JSON",
		Long: `counters asks the counters address of a 'netlab waf' (http://IP:PORT/) and prints what it
answered: requests seen, passed and blocked by the rules-on and the rules-off listener. The address
must lie in --allow or $` + probeAllowEnv + ` (the lab's ranges), or on loopback. It waits at most 5 s.
Exit codes: 0 read, 1 no answer, 2 usage or an address outside the allowed ranges.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			g, err := allowedGuard(allow)
			if err != nil {
				return err
			}
			u, err := g.CheckURL(args[0])
			if err != nil {
				return failf(exitUsage, "%v", err)
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), 5*time.Second)
			defer cancel()
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
			if err != nil {
				return failf(exitUsage, "%v", err)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return failf(exitFailed, "waf counters: %v", err)
			}
			defer resp.Body.Close()
			var s waf.Snapshot
			if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&s); err != nil || resp.StatusCode != http.StatusOK {
				return failf(exitFailed, "waf counters: %s answered %s, not a WAF's counters (%v)", u, resp.Status, err)
			}
			return json.NewEncoder(cmd.OutOrStdout()).Encode(s)
		},
	}
	cmd.Flags().StringSliceVar(&allow, "allow", nil, "allowed CIDRs (loopback is always allowed)")
	return cmd
}
