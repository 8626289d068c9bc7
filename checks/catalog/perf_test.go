package catalog

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/checks/report"
	"github.com/netlab-dev/netlab/probe"
)

// --perf with a host baseline: the path's stream lasts checks.PerfDuration like the baseline's,
// each figure is divided by the baseline's and records when the baseline was taken; a baseline
// without figures, or one whose stream ended at its byte bound, makes the check an error with no
// ratio, as a missing one does (TestPerfWithoutABaselineIsAnError).
func TestPerfBesideTheBaseline(t *testing.T) {
	taken := time.Date(2026, 12, 1, 20, 0, 0, 0, time.UTC)
	good := probe.BaselineResult{Server: "process", Taken: taken,
		Bulk: probe.BulkResult{Gbps: 40, SenderSeconds: 3, Stopped: "duration"}}
	good.RR.P50Us, good.RR.P99Us = 25, 45
	cases := []struct {
		name   string
		base   func() probe.BaselineResult
		want   report.Verdict
		reason string
	}{
		{name: "a baseline measured alike", base: func() probe.BaselineResult { return good }, want: report.Pass},
		{name: "no bulk figure", base: func() probe.BaselineResult { b := good; b.Bulk.Gbps = 0; return b },
			want: report.Error, reason: "no figure to compare with"},
		{name: "no latency figure", base: func() probe.BaselineResult { b := good; b.RR.P99Us = 0; return b },
			want: report.Error, reason: "no figure to compare with"},
		{name: "the stream ended at its byte bound", base: func() probe.BaselineResult {
			b := good
			b.Bulk.Stopped, b.Bulk.SenderSeconds = "bytes", 1.2
			return b
		}, want: report.Error, reason: "ended at its byte bound after 1.20 s, not after 3s"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := fakeC1(t)
			f.use(healthy())
			b := c.base()
			f.baseline = &b
			env := f.env()
			env.Perf = true
			d, _ := checks.Lookup(All(), "pod-to-pod/same-node")
			r := d.Run(context.Background(), env, checks.Target{Cluster: "c1"})
			if r.Verdict != c.want || !strings.Contains(r.Reason, c.reason) {
				t.Fatalf("verdict %s, want %s: %q, want it to say %q", r.Verdict, c.want, r.Reason, c.reason)
			}
			if f.bulkFor != checks.PerfDuration {
				t.Errorf("the path's stream lasted %v, the baseline's %v", f.bulkFor, checks.PerfDuration)
			}
			if len(r.Perf) != 3 {
				t.Fatalf("measurements %+v", r.Perf)
			}
			for _, m := range r.Perf {
				switch {
				case m.Baseline == 0 && (m.Ratio != 0 || m.BaselineTaken != ""):
					t.Errorf("a ratio or time without a baseline: %+v", m)
				case m.Baseline != 0 && (m.Ratio != m.Value/m.Baseline || m.BaselineTaken != "2026-12-01T20:00:00Z"):
					t.Errorf("figure %+v: want ratio %v and the baseline's time", m, m.Value/m.Baseline)
				}
			}
			if c.want == report.Pass && (r.Perf[0].Ratio != 10.0/40 || r.Perf[1].Ratio != 50.0/25 || r.Perf[2].Ratio != 90.0/45) {
				t.Errorf("ratios %+v", r.Perf)
			}
		})
	}
}
