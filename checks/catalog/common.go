// Package catalog declares the packet paths: one file per path id of PATHS.md, beside
// docs/paths/<id>.md, each holding the path's checks.Definition: where it applies in a plan (its
// Targets, or what the scenario lacks), its hops for 'netlab explain', and its check, which sets up
// its peers from the probe workloads that package live deploys, computes its expectations from the
// plan (checks/expect.go), asserts the path's defining evidence through a checks.Lab and, where the
// path can be broken on purpose, runs its negative control and requires it to fail.
//
// All (all.go) is the one list of them.
package catalog

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/checks/live"
	"github.com/netlab-dev/netlab/checks/report"
	"github.com/netlab-dev/netlab/probe"
)

// builder collects a check's evidence and decides its verdict: pass only when there is evidence
// and every item holds, and the negative control (when there is one) failed as it must.
type builder struct {
	ctx context.Context // the check's: once it has expired, the verdict is an error
	res report.Result
	// unsure are the probes whose silence proved nothing (see silent): the verdict is an error.
	unsure []string
}

func (b *builder) add(name, observed, expected string, ok bool) bool {
	b.res.Evidence = append(b.res.Evidence, report.Evidence{Name: name, Observed: observed, Expected: expected, OK: ok})
	return ok
}

// errorf ends the check with an error verdict: it could not run (setup failed, lab unreachable).
func (b *builder) errorf(format string, a ...any) report.Result {
	b.res.Verdict = report.Error
	b.res.Reason = fmt.Sprintf(format, a...)
	return b.res
}

// skip ends the check as skipped, keeping the evidence gathered so far.
func (b *builder) skip(reason string) report.Result {
	b.res.Verdict = report.Skip
	b.res.Reason = reason
	return b.res
}

// negative records the negative control: broke says what was broken on purpose, ok whether the
// path then behaved as a broken path must (no answer, or for a removed restriction, an answer).
func (b *builder) negative(broke string, ok bool, observed, expected string) {
	n := report.Result{Summary: broke, Evidence: []report.Evidence{{
		Name: "while broken", Observed: observed, Expected: expected, OK: ok,
	}}}
	n.Verdict = report.Pass
	if !ok {
		n.Verdict = report.Fail
	}
	b.res.Negative = &n
}

func (b *builder) done(summary string) report.Result {
	b.res.Summary = summary
	if b.ctx != nil && b.ctx.Err() != nil {
		return b.errorf("the check ran out of time (%v) before it could decide; %d evidence item(s) gathered; raise --check-timeout or see the trace", b.ctx.Err(), len(b.res.Evidence))
	}
	if len(b.unsure) > 0 {
		return b.errorf("%s", strings.Join(b.unsure, "; "))
	}
	ok := len(b.res.Evidence) > 0
	var bad []string
	for _, e := range b.res.Evidence {
		if !e.OK {
			ok = false
			bad = append(bad, e.Name)
		}
	}
	if b.res.Negative != nil && b.res.Negative.Verdict != report.Pass {
		ok = false
		bad = append(bad, "negative control: "+b.res.Negative.Summary)
	}
	if ok {
		b.res.Verdict = report.Pass
	} else {
		b.res.Verdict = report.Fail
		if b.res.Reason == "" {
			b.res.Reason = "not as expected: " + strings.Join(bad, "; ")
		}
	}
	return b.res
}

// labOf returns the live lab from the environment.
func labOf(env *checks.Env) (checks.Lab, error) {
	l := env.Lab
	if l == nil {
		return nil, fmt.Errorf("no live lab: this check runs against a lab made by 'netlab up'")
	}
	return l, nil
}

// runFunc is a definition's Run.
type runFunc = func(ctx context.Context, env *checks.Env, t checks.Target) report.Result

// run adapts a check of any target: it gets the lab and a fresh builder.
func run(f func(ctx context.Context, env *checks.Env, l checks.Lab, t checks.Target, b *builder) report.Result) runFunc {
	return func(ctx context.Context, env *checks.Env, t checks.Target) report.Result {
		b := &builder{ctx: ctx}
		l, err := labOf(env)
		if err != nil {
			return b.errorf("%v", err)
		}
		return f(ctx, env, l, t, b)
	}
}

// inCluster adapts an in-cluster check: the target's cluster is resolved for it.
func inCluster(f func(ctx context.Context, env *checks.Env, l checks.Lab, c *checks.Cluster, b *builder) report.Result) runFunc {
	return run(func(ctx context.Context, env *checks.Env, l checks.Lab, t checks.Target, b *builder) report.Result {
		c, err := cluster(l, t.Cluster)
		if err != nil {
			return b.errorf("%v", err)
		}
		return f(ctx, env, l, c, b)
	})
}

// onTwoNodes adapts a check that needs two nodes of the target's cluster: the first is not the
// pinned backend's node, the second is (see twoNodes). The plan gave the cluster two nodes (its
// Targets say so), so a live cluster with fewer is an error, not a skip.
func onTwoNodes(f func(ctx context.Context, env *checks.Env, l checks.Lab, c *checks.Cluster, a, pinned checks.Node, b *builder) report.Result) runFunc {
	return inCluster(func(ctx context.Context, env *checks.Env, l checks.Lab, c *checks.Cluster, b *builder) report.Result {
		na, nb, ok := twoNodes(c)
		if !ok {
			return b.errorf("cluster %s: the lab shows %d node(s); the check needs two, one of them %s (the pinned backend's), as the plan's %d nodes promise; run 'netlab up %s' to finish the lab", c.Plan.Name, len(c.Nodes), live.PinnedNode(c.Plan), len(c.Plan.Nodes), env.Plan.Lab)
		}
		return f(ctx, env, l, c, na, nb, b)
	})
}

// kubeDNS is cluster c's kube-dns Service (CoreDNS), which the probe Pods ask.
func kubeDNS(ctx context.Context, l checks.Lab, c *checks.Cluster) (checks.Service, error) {
	return l.Service(ctx, c.Plan.Name, "kube-system", "kube-dns")
}

// cluster returns the target's cluster.
func cluster(l checks.Lab, name string) (*checks.Cluster, error) { return l.Cluster(name) }

// twoNodes returns two distinct nodes of c, the second one the pinned backend's node.
func twoNodes(c *checks.Cluster) (a, b checks.Node, ok bool) {
	if len(c.Nodes) < 2 {
		return checks.Node{}, checks.Node{}, false
	}
	pinned := live.PinnedNode(c.Plan)
	for _, n := range c.Nodes {
		if n.Name == pinned {
			b = n
		} else if a.Name == "" {
			a = n
		}
	}
	return a, b, a.Name != "" && b.Name != ""
}

// runningPods are the running Pods of app in cluster c; none is an error naming both.
func runningPods(ctx context.Context, l checks.Lab, c *checks.Cluster, app string) ([]checks.Pod, error) {
	pods, err := l.Pods(ctx, c.Plan.Name, app)
	if err != nil {
		return nil, fmt.Errorf("cluster %s: no running %s Pod: %w", c.Plan.Name, app, err)
	}
	if len(pods) == 0 {
		return nil, fmt.Errorf("cluster %s: no running %s Pod", c.Plan.Name, app)
	}
	return pods, nil
}

func hostPort(ip string, port int) string { return fmt.Sprintf("%s:%d", ip, port) }

// seen summarizes a probe result in one line of evidence.
func seen(r probe.Result, err error) string {
	if err != nil || !r.OK || r.Server == nil {
		msg := r.Error
		if msg == "" && err != nil {
			msg = err.Error()
		}
		return "no answer: " + truncate(msg, 160)
	}
	s := fmt.Sprintf("%s answered; saw source %s, TTL %d", r.Server.Server.PodName, r.Server.RemoteIP, r.Server.TTL)
	return s
}

func truncate(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func answered(r probe.Result, err error) bool { return err == nil && r.OK && r.Server != nil }

// outcome is what a probe call showed.
type outcome int

const (
	gotAnswer outcome = iota
	// noAnswer: the probe ran and the call was refused or timed out, as a broken or denied path's is.
	noAnswer
	// unclear: the probe did not run, printed no result, or failed some other way (the guard, a
	// garbled reply): its silence proves nothing.
	unclear
)

// silences are the errors of a call that the network refused or dropped.
var silences = []string{"connection refused", "i/o timeout", "timeout", "timed out", "deadline exceeded",
	"no route to host", "host is unreachable", "network is unreachable", "connection reset by peer", "no udp reply"}

func classify(r probe.Result, err error) outcome {
	if answered(r, err) {
		return gotAnswer
	}
	if r.Proto == "" { // the probe printed no result: exec failed, it crashed, or the lab refused the target
		return unclear
	}
	msg := strings.ToLower(r.Error)
	for _, s := range silences {
		if strings.Contains(msg, s) {
			return noAnswer
		}
	}
	return unclear
}

// silent reports whether a call that must not be answered was refused or timed out. When the
// probe could not tell, it records why and the check ends as an error, not a pass.
func (b *builder) silent(what string, r probe.Result, err error) bool {
	switch classify(r, err) {
	case noAnswer:
		return true
	case gotAnswer:
		return false
	}
	msg := r.Error
	if msg == "" && err != nil {
		msg = err.Error()
	}
	b.unsure = append(b.unsure, fmt.Sprintf("%s: the probe gave neither an answer nor a refusal or timeout (%s)", what, truncate(orText(msg, "no result"), 160)))
	return false
}

// ttlEvidence asserts the TTL the server saw, or reports it when the datapath promises no number.
func ttlEvidence(b *builder, r probe.Result, want int, why string) {
	if r.Server == nil {
		b.add("TTL at the server", "no answer", fmt.Sprint(want), false)
		return
	}
	if want < 0 {
		b.add("TTL at the server ("+why+")", fmt.Sprint(r.Server.TTL), "reported, not asserted", true)
		return
	}
	b.add("TTL at the server ("+why+")", fmt.Sprint(r.Server.TTL), fmt.Sprint(want), r.Server.TTL == want)
}

// poll retries f every interval until it returns true or the time is up.
func poll(ctx context.Context, d, every time.Duration, f func() bool) bool {
	deadline := time.Now().Add(d)
	for {
		if f() {
			return true
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return false
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(every):
		}
	}
}

// measure adds throughput and latency between from and target, each beside the host baseline,
// which is measured alike (checks.PerfDuration, bounded by time only; see Lab.Baseline) once per
// run: each figure records when its baseline was taken. Without a usable baseline the figures are
// kept without a ratio and the check is an error, never a pass. Measurements run one at a time, so
// that they do not compete for the CPUs.
func measure(ctx context.Context, l checks.Lab, b *builder, from checks.Where, target string) {
	measureWith(ctx, l, b, "TCP", "latency",
		func() (probe.BulkResult, error) { return l.Bulk(ctx, from, target, checks.PerfDuration) },
		func() (probe.RRResult, error) { return l.RR(ctx, from, target, checks.PerfRRCount) })
}

// measureHTTP is measure through HTTP proxies (an ingress controller): the HTTP echo's bulk answer
// at url (with host) and GET round trips, beside the same host baseline.
func measureHTTP(ctx context.Context, l checks.Lab, b *builder, from checks.Where, url, host string) {
	measureWith(ctx, l, b, "HTTP", "HTTP latency",
		func() (probe.BulkResult, error) { return l.HTTPBulk(ctx, from, url, host, checks.PerfDuration) },
		func() (probe.RRResult, error) { return l.HTTPRR(ctx, from, url, host, checks.PerfRRCount) })
}

// measureWith runs bulk and rr alone on the lab, with the host baseline, and adds their figures
// ("bulk <proto>", "<latency> p50" and "p99") with their ratios to the baseline.
func measureWith(ctx context.Context, l checks.Lab, b *builder, proto, latency string, bulkFn func() (probe.BulkResult, error), rrFn func() (probe.RRResult, error)) {
	unlock := l.Lock("perf", true)
	defer unlock()
	base, baseErr := l.Baseline(ctx)
	bulk, berr := bulkFn()
	rr, rerr := rrFn()
	switch {
	case baseErr != nil:
		b.unsure = append(b.unsure, "--perf: the host baseline (two namespaces on the host, needs root): "+truncate(baseErr.Error(), 160))
		base = probe.BaselineResult{}
	case base.Bulk.Gbps <= 0 || base.RR.P50Us <= 0 || base.RR.P99Us <= 0:
		b.unsure = append(b.unsure, fmt.Sprintf("--perf: the host baseline has no figure to compare with (bulk %.3g Gbit/s, latency p50 %.3g µs, p99 %.3g µs)", base.Bulk.Gbps, base.RR.P50Us, base.RR.P99Us))
	case base.Bulk.Stopped == "bytes":
		b.unsure = append(b.unsure, fmt.Sprintf("--perf: the host baseline's bulk stream ended at its byte bound after %.2f s, not after %v as the paths' do", base.Bulk.SenderSeconds, checks.PerfDuration))
	}
	taken := ""
	if baseErr == nil && !base.Taken.IsZero() {
		taken = base.Taken.UTC().Format(time.RFC3339)
	}
	fig := func(name, unit string, v, bv float64) report.Measurement {
		m := report.Measurement{Name: name, Unit: unit, Value: v}
		if bv > 0 {
			m.Baseline, m.Ratio, m.BaselineTaken = bv, v/bv, taken
		}
		return m
	}
	if berr == nil {
		b.res.Perf = append(b.res.Perf, fig("bulk "+proto, "Gbit/s", bulk.Gbps, base.Bulk.Gbps))
	} else {
		b.add("bulk "+proto+" measurement", truncate(berr.Error(), 160), "a figure", false)
	}
	if rerr == nil {
		b.res.Perf = append(b.res.Perf, fig(latency+" p50", "µs", rr.P50Us, base.RR.P50Us), fig(latency+" p99", "µs", rr.P99Us, base.RR.P99Us))
	} else {
		b.add(latency+" measurement", truncate(rerr.Error(), 160), "a figure", false)
	}
}

// settle is how long tcpSettled waits for an answer (a variable for the tests).
var settle = 15 * time.Second

// tcpSettled calls target from w until it answers or 15 s pass: right after the probes were
// (re)deployed, Service rules and endpoints may still be catching up. Checks that assert the
// absence of an answer call l.TCP once instead.
func tcpSettled(ctx context.Context, l checks.Lab, w checks.Where, target string) (probe.Result, error) {
	var r probe.Result
	var err error
	poll(ctx, settle, settle/15, func() bool { r, err = l.TCP(ctx, w, target); return answered(r, err) })
	return r, err
}
