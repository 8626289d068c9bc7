package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netlab-dev/netlab/checks/report"
	"github.com/netlab-dev/netlab/labstate"
	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/scenarios"
)

// A built-in scenario is drawn from its plan alone, in each format.
func TestGraphScenario(t *testing.T) {
	t.Setenv("NETLAB_STATE_DIR", t.TempDir())
	for format, want := range map[string]string{
		"mermaid": "flowchart TB\n",
		"dot":     "digraph netlab {\n",
		"svg":     `<svg xmlns="http://www.w3.org/2000/svg"`,
	} {
		code, out, errOut := runCLI(t, "graph", "tgw-isolated-spokes", "-o", format)
		if code != 0 || !strings.HasPrefix(out, want) {
			t.Fatalf("graph -o %s: exit %d, stderr %s\n%.200s", format, code, errOut, out)
		}
		if strings.Contains(out, "PASS") {
			t.Errorf("-o %s: a scenario has no verdicts:\n%s", format, out)
		}
	}
	// The default is Mermaid, and a scenario file is read too.
	data, _ := scenarios.Lookup("flannel-basic")
	file := writeFile(t, "lab.yaml", string(data))
	if code, out, _ := runCLI(t, "graph", file); code != 0 || !strings.HasPrefix(out, "flowchart TB\n") {
		t.Fatalf("graph FILE: exit %d\n%s", code, out)
	}
}

func TestGraphUsageErrors(t *testing.T) {
	t.Setenv("NETLAB_STATE_DIR", t.TempDir())
	code, _, errOut := runCLI(t, "graph", "no-such-thing")
	if code != exitUsage || !strings.Contains(errOut, `"no-such-thing" is neither a scenario file, a lab on this host nor a built-in scenario`) || !strings.Contains(errOut, "hint: 'netlab status' lists the labs") {
		t.Fatalf("unknown argument: exit %d\n%s", code, errOut)
	}
	if code, _, errOut := runCLI(t, "graph", "flannel-basic", "-o", "png"); code != exitUsage || !strings.Contains(errOut, "mermaid, dot, svg") {
		t.Fatalf("unknown format: exit %d\n%s", code, errOut)
	}
}

// A lab on this host is drawn from its recorded plan, with its last check's verdicts.
func TestGraphLabWithLastReport(t *testing.T) {
	t.Setenv("NETLAB_STATE_DIR", t.TempDir())
	data, _ := scenarios.Lookup("tgw-isolated-spokes")
	p, d := plan.Build("builtin/tgw-isolated-spokes.yaml", data, plan.Options{})
	if p == nil {
		t.Fatal(d.Error())
	}
	st := &labstate.State{Lab: p.Lab, Scenario: "tgw-isolated-spokes", Plan: p}
	if err := st.Save(); err != nil {
		t.Fatal(err)
	}
	// Not checked yet: the plan, no verdicts.
	if code, out, errOut := runCLI(t, "graph", p.Lab); code != 0 || strings.Contains(out, "verdict_") {
		t.Fatalf("unchecked lab: exit %d %s\n%s", code, errOut, out)
	}
	rep := &report.Report{Lab: p.Lab, Results: []report.Result{
		{Path: "service/clusterip", Cluster: "hub", Verdict: report.Pass},
		{Path: "cross-cluster/tgw-pod", Cluster: "spoke-a", Verdict: report.Fail},
	}}
	if err := saveLastReport(p.Lab, rep); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "graph", p.Lab)
	if code != 0 || !strings.Contains(out, `["service/clusterip<br/>PASS"]`) || !strings.Contains(out, "classDef verdict_fail fill:#ffebee,stroke:#c62828") {
		t.Fatalf("checked lab: exit %d %s\n%s", code, errOut, out)
	}
	// A damaged report is an error that says how to replace it.
	if err := os.WriteFile(filepath.Join(labstate.Dir(p.Lab), lastReportFile), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = runCLI(t, "graph", p.Lab)
	if code != exitFailed || !strings.Contains(errOut, "is damaged") || !strings.Contains(errOut, "hint: run 'netlab check tgw-isolated-spokes' again") {
		t.Fatalf("damaged report: exit %d\n%s", code, errOut)
	}
}

// The topology the Markdown report embeds carries the verdicts.
func TestTopologyForTheReport(t *testing.T) {
	data, _ := scenarios.Lookup("tgw-two-vpc")
	p, _ := plan.Build("builtin/tgw-two-vpc.yaml", data, plan.Options{})
	got := topology(p, &report.Report{Results: []report.Result{{Path: "pod/localhost", Cluster: "a", Verdict: report.Skip}}})
	if !strings.HasPrefix(got, "flowchart TB\n") || !strings.Contains(got, `["pod/localhost<br/>SKIP"]`) {
		t.Fatalf("topology:\n%s", got)
	}
}
