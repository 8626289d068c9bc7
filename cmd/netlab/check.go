package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/checks/catalog"
	"github.com/netlab-dev/netlab/checks/live"
	"github.com/netlab-dev/netlab/checks/report"
	"github.com/netlab-dev/netlab/internal/status"
	"github.com/netlab-dev/netlab/paths"
	"github.com/spf13/cobra"
)

type checkFlags struct {
	paths       []string
	perf        bool
	output      string
	junit       string
	concurrency int
	timeout     time.Duration
}

func (f *checkFlags) register(cmd *cobra.Command, withOutput bool) {
	cmd.Flags().StringSliceVar(&f.paths, "path", nil, "path id or glob to run (repeatable; default: the scenario's selection); see 'netlab check --list'")
	cmd.Flags().BoolVar(&f.perf, "perf", false, "also measure throughput (Gbit/s) and latency (p50, p99) on reachable paths, beside the host's two-namespace baseline")
	cmd.Flags().StringVar(&f.junit, "junit", "", "also write a JUnit XML report to this file (merged into a JUnit file already there: netlab conformance's suites stay beside)")
	cmd.Flags().IntVar(&f.concurrency, "concurrency", 4, "checks run at once (independent paths run in parallel)")
	cmd.Flags().DurationVar(&f.timeout, "check-timeout", 3*time.Minute, "bound on each check")
	if withOutput {
		cmd.Flags().StringVarP(&f.output, "output", "o", "table", "report format: table, json, junit or markdown")
	}
}

func newCheckCmd(app *cli) *cobra.Command {
	f := &checkFlags{}
	var list bool
	cmd := &cobra.Command{
		Use:   "check LAB",
		Short: "Prove the lab's packet paths, each by its defining evidence",
		Long: `check runs the packet-path checks of the catalogue (PATHS.md; 'netlab check --list') against a
running lab. It deploys netlab's probe into every cluster (namespace ` + live.Namespace + `: a probe Pod and a
hostNetwork evidence Pod on each node, Service backends and Services) and a client container on each
VPC subnet, then asserts each path's evidence: the source IP the server saw, the TTL, VXLAN on the
uplink, conntrack DNAT and kube-proxy's rules, the transit gateway's route counters. Where a path can
be broken on purpose, its negative control breaks it and requires the check to fail, then repairs it.

Paths the scenario cannot show are skipped, with the reason. Every probe refuses targets outside the
lab's own CIDRs.

Exit status: 0 when every check passed (skips allowed), 1 when any failed or errored, 2 for usage or a
lab that cannot be reached.`,
		Example: `  netlab check flannel-basic
  netlab check tgw-two-vpc --path 'cross-cluster/*' -o json
  netlab check flannel-basic --path service/clusterip --perf --junit report.xml
  netlab check flannel-basic -o markdown > handout.md`,
		Args: func(cmd *cobra.Command, args []string) error {
			if list {
				return cobra.NoArgs(cmd, args)
			}
			return cobra.ExactArgs(1)(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if list {
				for _, p := range paths.All() {
					fmt.Fprintf(cmd.OutOrStdout(), "%-32s %s\n", p.ID, p.Title)
				}
				return nil
			}
			if err := outputFlag(f.output, "table", "json", "junit", "markdown"); err != nil {
				return err
			}
			ctx, cancel := signalContext()
			defer cancel()
			rep, err := runChecks(ctx, args[0], f, app.status(cmd.ErrOrStderr()))
			if err != nil {
				return err
			}
			return writeReport(cmd.OutOrStdout(), rep, f)
		},
	}
	f.register(cmd, true)
	cmd.Flags().BoolVar(&list, "list", false, "list the catalogue's path ids and exit")
	return cmd
}

// runChecks opens the lab, prepares the probes and runs the selected checks. Errors carry the exit
// code: 2 for usage and an unreachable lab.
func runChecks(ctx context.Context, labName string, f *checkFlags, progress *status.Status) (*report.Report, error) {
	if f.concurrency < 1 || f.concurrency > 32 {
		return nil, failf(exitUsage, "--concurrency %d: want 1 to 32", f.concurrency)
	}
	for _, p := range f.paths {
		if len(paths.Match(p)) == 0 {
			return nil, failf(exitUsage, "--path %q matches no path id; 'netlab check --list' shows them", p)
		}
	}
	l, err := live.Open(ctx, labName)
	if err != nil {
		return nil, failf(exitUsage, "%v", err)
	}
	defer l.Close()
	progress.Printf("Checking lab %q ...", labName)
	title := fmt.Sprintf("Deploying the probes (namespace %s in each cluster, a client on each VPC subnet)", live.Namespace)
	if err := progress.Step(title, func() error { return l.Prepare(ctx, progress) }); err != nil {
		code := exitFailed
		if errors.Is(err, live.ErrUnreachable) {
			code = exitUsage
		}
		return nil, failf(code, "deploying the probes: %v", err)
	}
	rep := checks.Run(ctx, catalog.All(), &checks.Env{Plan: l.Plan, Lab: l, Perf: f.perf}, checks.Options{
		Paths: f.paths, Concurrency: f.concurrency, Timeout: f.timeout, Progress: progress.Writer(0),
	})
	rep.Topology = topology(l.Plan, rep)
	if err := saveLastReport(labName, rep); err != nil {
		progress.Printf("warning: %v ('netlab graph %s' shows no verdicts until it is recorded)", err, labName)
	}
	if f.junit != "" {
		if err := writeJUnitFile(f.junit, rep.JUnitSuite()); err != nil {
			return nil, err
		}
	}
	return rep, nil
}

// formats is what netlab check's and netlab conformance's reports write themselves as.
type formats interface {
	JSON(io.Writer) error
	JUnit(io.Writer) error
	Markdown(io.Writer) error
	Table(io.Writer) error
}

// writeAs writes r in the format -o names (table by default).
func writeAs(w io.Writer, output string, r formats) error {
	switch output {
	case "json":
		return r.JSON(w)
	case "junit":
		return r.JUnit(w)
	case "markdown":
		return r.Markdown(w)
	}
	return r.Table(w)
}

// writeReport prints the report and maps its verdicts to the exit code.
func writeReport(w io.Writer, rep *report.Report, f *checkFlags) error {
	if err := writeAs(w, f.output, rep); err != nil {
		return err
	}
	if !rep.OK() {
		c := rep.Counts()
		return failf(exitFailed, "%d check(s) failed, %d could not run", c[report.Fail], c[report.Error])
	}
	return nil
}
