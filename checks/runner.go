package checks

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/netlab-dev/netlab/checks/report"
	"github.com/netlab-dev/netlab/paths"
	"github.com/netlab-dev/netlab/plan"
)

// Env is what a check runs against: the lab's plan, the lab itself (nil when there is none: the
// checks that need it then report an error) and the run's options.
type Env struct {
	Plan *plan.Plan
	Lab  Lab
	// Perf asks reachable paths to measure throughput and latency beside the host baseline.
	Perf bool
}

// Options tune a run.
type Options struct {
	// Paths are ids or globs; empty means the plan's selection.
	Paths []string
	// Concurrency bounds how many checks run at once (default 4).
	Concurrency int
	// Timeout bounds each check (default 2 minutes).
	Timeout  time.Duration
	Progress io.Writer
}

// Run runs the selected checks and returns the report. Every selected path appears in it: run,
// or skipped with the reason (what the scenario lacks, or that this version does not implement it).
func Run(ctx context.Context, defs []Definition, env *Env, opts Options) *report.Report {
	if opts.Concurrency <= 0 {
		opts.Concurrency = 4
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 2 * time.Minute
	}
	if opts.Progress == nil {
		opts.Progress = io.Discard
	}
	start := time.Now()
	p := *env.Plan
	if len(opts.Paths) > 0 {
		p.Checks.Paths = paths.Select(opts.Paths, nil)
	}
	type job struct {
		idx int
		id  string
		run func(ctx context.Context, env *Env, t Target) report.Result
		t   Target
	}
	var results []report.Result
	var jobs []job
	for _, a := range Applies(defs, &p) {
		d, _ := Lookup(defs, a.Path)
		switch {
		case len(a.Targets) == 0:
			results = append(results, report.Result{Path: a.Path, Verdict: report.Skip, Reason: a.Reason})
		case d.Run == nil:
			results = append(results, report.Result{Path: a.Path, Verdict: report.Skip, Reason: "not implemented in this version of netlab"})
		default:
			for _, t := range a.Targets {
				results = append(results, report.Result{Path: a.Path, Cluster: t.String()})
				jobs = append(jobs, job{len(results) - 1, a.Path, d.Run, t})
			}
		}
	}
	var mu sync.Mutex
	sem := make(chan struct{}, opts.Concurrency)
	var wg sync.WaitGroup
	for _, j := range jobs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			cctx, cancel := context.WithTimeout(ctx, opts.Timeout)
			defer cancel()
			mu.Lock()
			fmt.Fprintf(opts.Progress, " • %s [%s] ...\n", j.id, j.t)
			mu.Unlock()
			t0 := time.Now()
			tctx, steps := WithTrace(cctx)
			res := runOne(tctx, j.run, env, j.t)
			res.Path, res.Cluster = j.id, j.t.String()
			res.Trace = steps()
			res.Duration = time.Since(t0)
			if res.Verdict == "" {
				res.Verdict, res.Reason = report.Error, "the check returned no verdict"
			}
			mu.Lock()
			results[j.idx] = res
			fmt.Fprintf(opts.Progress, " %s %s [%s] (%s)\n", mark(res.Verdict), j.id, j.t, res.Duration.Round(100*time.Millisecond))
			mu.Unlock()
		}()
	}
	wg.Wait()
	return &report.Report{Lab: env.Plan.Lab, Scenario: env.Plan.Source, Started: start, Seconds: time.Since(start).Seconds(), Results: results}
}

// runOne turns a panic inside a check into an error verdict, so one broken check cannot hide the
// others' results.
func runOne(ctx context.Context, run func(context.Context, *Env, Target) report.Result, env *Env, t Target) (res report.Result) {
	defer func() {
		if r := recover(); r != nil {
			res = report.Result{Verdict: report.Error, Reason: fmt.Sprintf("the check panicked: %v", r)}
		}
	}()
	return run(ctx, env, t)
}

func mark(v report.Verdict) string {
	switch v {
	case report.Pass:
		return "✓"
	case report.Fail:
		return "✗"
	case report.Skip:
		return "-"
	}
	return "!"
}

// AllowedTargets are the only networks a check may send traffic to: the lab's VPCs and subnets,
// its Pod and Service CIDRs, and loopback. Probes refuse anything else (see the probe's Guard).
func AllowedTargets(p *plan.Plan) []netip.Prefix {
	out := append(p.LabCIDRs(), netip.MustParsePrefix("127.0.0.0/8"))
	slices.SortFunc(out, plan.ComparePrefixes)
	return out
}
