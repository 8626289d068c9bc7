package catalog

import (
	"context"
	"testing"

	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/checks/report"
	"github.com/netlab-dev/netlab/probe"
)

// cross-cluster/tgw-pod on tgw-two-vpc a->b: the TGW counter grows, the server sees the client Pod
// IP (a preserves it) with TTL 61, the blackhole stops the path and its repair brings it back.
func TestTGWPodThroughTheFakeLab(t *testing.T) {
	const srv = "10.1.65.5"
	cases := []struct {
		name    string
		answer  func(f *fakeLab, cli string) (probe.Result, error)
		leak    bool // the blackhole does not stop the path
		noTable bool
		expired bool // the check's context has ended before it runs
		want    report.Verdict
		bad     string
	}{
		{name: "pass", answer: func(f *fakeLab, cli string) (probe.Result, error) {
			return ans{pod: "probe-b", ip: srv, remote: cli, ttl: 61}.get()
		}, want: report.Pass},
		{name: "the server saw a node IP", answer: func(f *fakeLab, cli string) (probe.Result, error) {
			return ans{pod: "probe-b", ip: srv, remote: "10.0.1.10", ttl: 61}.get()
		}, want: report.Fail, bad: "server in b saw"},
		{name: "one hop too few", answer: func(f *fakeLab, cli string) (probe.Result, error) {
			return ans{pod: "probe-b", ip: srv, remote: cli, ttl: 62}.get()
		}, want: report.Fail, bad: "TTL at the server"},
		{name: "the blackhole does not stop the path", leak: true, answer: func(f *fakeLab, cli string) (probe.Result, error) {
			return ans{pod: "probe-b", ip: srv, remote: cli, ttl: 61}.get()
		}, want: report.Fail},
		{name: "no TGW route view", noTable: true, answer: func(f *fakeLab, cli string) (probe.Result, error) {
			return ans{pod: "probe-b", ip: srv, remote: cli, ttl: 61}.get()
		}, want: report.Error, bad: "TGW route counter"},
		{name: "no answer", answer: func(f *fakeLab, cli string) (probe.Result, error) { return tmo() }, want: report.Fail, bad: "probe-0"},
		{name: "expired context", expired: true, answer: func(f *fakeLab, cli string) (probe.Result, error) {
			return ans{pod: "probe-b", ip: srv, remote: cli, ttl: 61}.get()
		}, want: report.Error},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFake(t, "tgw-two-vpc")
			b := f.clusters["b"]
			last := b.Nodes[len(b.Nodes)-1].Name
			b.Probe[last] = checks.Pod{Name: "probe-b", Node: last, IP: srv}
			cli := f.clusters["a"].Probe[f.clusters["a"].Nodes[0].Name].IP
			if !c.noTable {
				f.tgwRoutes = []string{"10.1.64.0/18"}
			}
			f.call = func(w checks.Where, proto, target string) (probe.Result, error) {
				if target != srv+":7001" {
					return tmo()
				}
				if c.leak {
					return c.answer(f, cli)
				}
				return f.throughTGW(func() (probe.Result, error) { return c.answer(f, cli) })
			}
			ctx := context.Background()
			if c.expired {
				cctx, cancel := context.WithCancel(ctx)
				cancel()
				ctx = cctx
			}
			r := runDefOn(t, f, "cross-cluster/tgw-pod", "", ctx)
			if r.Verdict != c.want {
				t.Fatalf("verdict %s, want %s: %s %+v %+v", r.Verdict, c.want, r.Reason, r.Evidence, r.Negative)
			}
			if c.bad != "" {
				if e, ok := hasEvidence(r, c.bad); !ok || e.OK {
					t.Errorf("evidence %q: %+v (found %v)", c.bad, e, ok)
				}
			}
			if f.blackholed != "" {
				t.Errorf("the check left %s blackholed", f.blackholed)
			}
		})
	}
}
