package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"github.com/netlab-dev/netlab/internal/status"
	"strings"
	"testing"
	"time"

	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/checks/catalog"
	"github.com/netlab-dev/netlab/checks/live"
	"github.com/netlab-dev/netlab/checks/report"
	"github.com/netlab-dev/netlab/plan"
)

// runChecks deploys the probes into the lab and runs the scenario's whole catalogue, as
// 'netlab check LAB' does. Every applicable check must pass; the only skip allowed among the
// applicable ones is NetworkPolicy on a CNI that does not enforce it, which must say so. Every
// result that ran carries its evidence into the JSON report, and the negative controls the
// catalogue promises for the scenario ran and failed the path as they must.
func runChecks(t *testing.T, p *plan.Plan, wantNegatives ...string) *report.Report {
	t.Helper()
	return runChecksOn(t, p, nil, wantNegatives...)
}

// runChecksOn is runChecks for the paths selected (ids or globs; nil: the plan's selection).
func runChecksOn(t *testing.T, p *plan.Plan, paths []string, wantNegatives ...string) *report.Report {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	l, err := live.Open(ctx, p.Lab)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	t0 := time.Now()
	if err := l.Prepare(ctx, status.New(testLog{t}, 1, false)); err != nil {
		t.Fatalf("prepare the probes: %v", err)
	}
	prepared := time.Since(t0)
	rep := checks.Run(ctx, catalog.All(), &checks.Env{Plan: l.Plan, Lab: l}, checks.Options{Paths: paths, Concurrency: 4, Timeout: 3 * time.Minute, Progress: testLog{t}})
	var table, js bytes.Buffer
	if err := rep.Table(&table); err != nil {
		t.Fatal(err)
	}
	t.Logf("probes ready in %s, catalogue in %.1fs\n%s", prepared.Round(100*time.Millisecond), rep.Seconds, table.String())
	if err := rep.JSON(&js); err != nil {
		t.Fatal(err)
	}
	var decoded struct {
		Results []struct {
			Path     string            `json:"path"`
			Verdict  string            `json:"verdict"`
			Evidence []report.Evidence `json:"evidence"`
		} `json:"results"`
	}
	if err := json.Unmarshal(js.Bytes(), &decoded); err != nil {
		t.Fatal(err)
	}
	applicable := map[string]bool{}
	for _, a := range checks.Applies(catalog.All(), p) {
		applicable[a.Path] = len(a.Targets) > 0
	}
	for i, r := range rep.Results {
		if !applicable[r.Path] {
			continue
		}
		switch {
		case r.Verdict == report.Pass:
		case r.Verdict == report.Skip && r.Path == "netpol/egress-allowlist" && strings.Contains(r.Reason, "does not enforce NetworkPolicy"):
			t.Logf("%s [%s]: skipped as it must be: %s", r.Path, r.Cluster, r.Reason)
		default:
			t.Errorf("%s [%s]: %s: %s %s", r.Path, r.Cluster, r.Verdict, r.Reason, evidenceLine(r))
		}
		if r.Verdict != report.Skip && len(decoded.Results[i].Evidence) == 0 {
			t.Errorf("%s [%s]: no evidence in the JSON report", r.Path, r.Cluster)
		}
	}
	for _, id := range wantNegatives {
		found := false
		for _, r := range rep.Results {
			if r.Path == id {
				found = true
				if r.Negative == nil || r.Negative.Verdict != report.Pass {
					t.Errorf("%s [%s]: the negative control did not run or did not break the path: %+v", r.Path, r.Cluster, r.Negative)
				} else {
					t.Logf("%s [%s]: negative control %q: %s", r.Path, r.Cluster, r.Negative.Summary, r.Negative.Evidence[0].Observed)
				}
			}
		}
		if !found {
			t.Errorf("%s did not run", id)
		}
	}
	return rep
}

func evidenceLine(r report.Result) string {
	var s []string
	for _, e := range r.Evidence {
		if !e.OK {
			s = append(s, e.Name+": "+e.Observed+" (want "+e.Expected+")")
		}
	}
	return strings.Join(s, "; ")
}
