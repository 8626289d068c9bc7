package checks

import (
	"bytes"
	"context"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/netlab-dev/netlab/checks/report"
	"github.com/netlab-dev/netlab/plan"
)

func TestRunnerSkipsRunsAndBoundsConcurrency(t *testing.T) {
	p := planOf(t, "tgw-two-vpc", nil)
	var running, peak atomic.Int32
	run := func(id string, f func(ctx context.Context, env *Env, tg Target) report.Result) Definition {
		return Definition{ID: id, Targets: func(p *plan.Plan) ([]Target, string) {
			return []Target{{Cluster: "a"}, {Cluster: "b"}}, ""
		}, Run: f}
	}
	defs := []Definition{
		run("pod/localhost", func(ctx context.Context, env *Env, tg Target) report.Result {
			n := running.Add(1)
			for {
				old := peak.Load()
				if n <= old || peak.CompareAndSwap(old, n) {
					break
				}
			}
			time.Sleep(30 * time.Millisecond)
			running.Add(-1)
			Record(ctx, "here", "probe tcp", "answered", nil)
			return report.Result{Verdict: report.Pass, Summary: "ran on " + tg.Cluster}
		}),
		run("pod-to-pod/same-node", func(ctx context.Context, env *Env, tg Target) report.Result {
			panic("boom")
		}),
		run("dns/cluster-local", func(ctx context.Context, env *Env, tg Target) report.Result {
			<-ctx.Done() // must be bounded by the runner's timeout
			return report.Result{Verdict: report.Fail, Reason: ctx.Err().Error()}
		}),
		{ID: "mesh/east-west", Targets: func(p *plan.Plan) ([]Target, string) { return nil, "the scenario has no istio section" }},
		{ID: "service/clusterip", Targets: func(p *plan.Plan) ([]Target, string) { return []Target{{}}, "" }},
	}
	var progress bytes.Buffer
	rep := Run(context.Background(), defs, &Env{Plan: p}, Options{
		Paths:       []string{"pod/*", "pod-to-pod/same-node", "dns/cluster-local", "mesh/east-west", "service/clusterip"},
		Concurrency: 1, Timeout: 200 * time.Millisecond, Progress: &progress,
	})
	byKey := map[string]report.Result{}
	for _, r := range rep.Results {
		byKey[r.Path+"@"+r.Cluster] = r
	}
	if r := byKey["pod/localhost@a"]; r.Verdict != report.Pass || r.Summary != "ran on a" {
		t.Errorf("pod/localhost on a: %+v", r)
	}
	if r := byKey["pod/localhost@a"]; len(r.Trace) != 1 || r.Trace[0].Command != "probe tcp" {
		t.Errorf("the check's trace: %+v", r.Trace)
	}
	if r := byKey["pod/localhost@b"]; r.Verdict != report.Pass {
		t.Errorf("pod/localhost on b: %+v", r)
	}
	if r := byKey["pod-to-pod/same-node@a"]; r.Verdict != report.Error || !strings.Contains(r.Reason, "panicked: boom") {
		t.Errorf("a panicking check: %+v", r)
	}
	if r := byKey["dns/cluster-local@a"]; r.Verdict != report.Fail || !strings.Contains(r.Reason, "deadline") {
		t.Errorf("a hanging check must be cut off: %+v", r)
	}
	if r := byKey["mesh/east-west@"]; r.Verdict != report.Skip || r.Reason != "the scenario has no istio section" {
		t.Errorf("mesh: %+v", r)
	}
	if r := byKey["service/clusterip@"]; r.Verdict != report.Skip || r.Reason != "not implemented in this version of netlab" {
		t.Errorf("unimplemented: %+v", r)
	}
	if peak.Load() != 1 {
		t.Errorf("concurrency 1 but %d checks ran at once", peak.Load())
	}
	if !strings.Contains(progress.String(), "✓ pod/localhost [a]") {
		t.Errorf("progress:\n%s", progress.String())
	}
	if rep.OK() {
		t.Error("a run with a failure is not OK")
	}
}

func TestAllowedTargetsAreTheLabsOwn(t *testing.T) {
	p := planOf(t, "tgw-two-vpc", nil)
	var got []string
	for _, pf := range AllowedTargets(p) {
		got = append(got, pf.String())
	}
	want := "10.0.0.0/16 10.0.1.0/24 10.0.64.0/18 10.1.0.0/16 10.1.1.0/24 10.1.64.0/18 127.0.0.0/8 172.20.0.0/16 172.21.0.0/16"
	if strings.Join(got, " ") != want {
		t.Fatalf("got  %s\nwant %s", strings.Join(got, " "), want)
	}
	in := func(a string) bool {
		for _, pf := range AllowedTargets(p) {
			if pf.Contains(netip.MustParseAddr(a)) {
				return true
			}
		}
		return false
	}
	for _, a := range []string{"8.8.8.8", "192.168.1.1", "10.2.0.1", "172.17.0.1"} {
		if in(a) {
			t.Errorf("%s is not the lab's and must not be allowed", a)
		}
	}
}
