package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/netlab-dev/netlab/internal/golden"
)

// sample has one result of each verdict, evidence, a negative control and a measurement.
func sample() *Report {
	return &Report{
		Lab: "tgw-two-vpc", Scenario: "builtin/tgw-two-vpc.yaml",
		Started: time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC), Seconds: 42.5,
		Results: []Result{
			{Path: "pod-to-pod/cross-node", Cluster: "a", Verdict: Pass, Summary: "server saw 10.0.65.4 (client Pod IP); 212 VXLAN packets on eth0:8472; Pod MTU 1450",
				Evidence: []Evidence{
					{Name: "source seen by server", Observed: "10.0.65.4", Expected: "10.0.65.4 (client Pod IP)", OK: true},
					{Name: "VXLAN packets on uplink (udp 8472)", Observed: "212", Expected: "> 0", OK: true},
					{Name: "Pod MTU", Observed: "1450", Expected: "1450 (1500 - 50)", OK: true},
				},
				Perf:     []Measurement{{Name: "bulk TCP", Unit: "Gbit/s", Value: 7.5, Baseline: 10, Ratio: 0.75}},
				Duration: 3200 * time.Millisecond},
			{Path: "service/clusterip", Cluster: "a", Verdict: Fail, Summary: "1 backend answered", Reason: "replies came from 1 backend, want more than 1",
				Evidence: []Evidence{{Name: "backends answering", Observed: "10.0.65.7", Expected: "2 or more of 10.0.65.7, 10.0.66.3", OK: false}},
				Negative: &Result{Verdict: Pass, Summary: "with 0 replicas the ClusterIP refused connections"},
				Duration: 5 * time.Second},
			{Path: "mesh/east-west", Verdict: Skip, Reason: "the scenario has no istio section"},
			{Path: "cross-cluster/tgw-pod", Cluster: "a", Verdict: Error, Reason: "cluster b's API server does not answer: connection refused <&>", Duration: 10 * time.Second},
		},
		Topology: "flowchart TB\n  c0[\"cluster a\"] <--> c1[\"cluster b\"]\n",
	}
}

func TestFormatsGolden(t *testing.T) {
	for _, f := range []struct {
		file  string
		write func(*Report, *bytes.Buffer) error
	}{
		{"report.txt", func(r *Report, b *bytes.Buffer) error { return r.Table(b) }},
		{"report.json", func(r *Report, b *bytes.Buffer) error { return r.JSON(b) }},
		{"report.junit.xml", func(r *Report, b *bytes.Buffer) error { return r.JUnit(b) }},
		{"report.md", func(r *Report, b *bytes.Buffer) error { return r.Markdown(b) }},
	} {
		var b bytes.Buffer
		if err := f.write(sample(), &b); err != nil {
			t.Fatal(err)
		}
		golden.Check(t, filepath.Join("testdata", f.file), b.Bytes())
	}
}

// JUnit must be well-formed and carry the counts CI systems read.
func TestJUnitIsWellFormed(t *testing.T) {
	var b bytes.Buffer
	if err := sample().JUnit(&b); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Errors   int `xml:"errors,attr"`
		Skipped  int `xml:"skipped,attr"`
		Suites   []struct {
			Cases []struct {
				Name    string    `xml:"name,attr"`
				Failure *struct{} `xml:"failure"`
				Skipped *struct{} `xml:"skipped"`
				Error   *struct{} `xml:"error"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("not XML: %v", err)
	}
	if doc.Tests != 4 || doc.Failures != 1 || doc.Errors != 1 || doc.Skipped != 1 {
		t.Fatalf("counts: %+v", doc)
	}
	cs := doc.Suites[0].Cases
	if cs[0].Failure != nil || cs[1].Failure == nil || cs[2].Skipped == nil || cs[3].Error == nil {
		t.Fatalf("per-case verdicts wrong: %+v", cs)
	}
	if !strings.Contains(b.String(), "&lt;&amp;&gt;") {
		t.Fatal("special characters must be escaped")
	}
}

func TestJSONCarriesEvidence(t *testing.T) {
	var b bytes.Buffer
	if err := sample().JSON(&b); err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(b.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Results[0].Evidence) != 3 || back.Results[0].Seconds != 3.2 || back.Results[1].Negative == nil {
		t.Fatalf("round trip lost data: %+v", back.Results[0])
	}
}

func TestOK(t *testing.T) {
	r := sample()
	if r.OK() {
		t.Fatal("a report with a failure is not OK")
	}
	r.Results = []Result{{Verdict: Pass}, {Verdict: Skip}}
	if !r.OK() {
		t.Fatal("passes and skips are OK")
	}
}

// A failed check's trace is printed under the table; a passed one's is not.
func TestTableShowsTheTraceOfFailedChecks(t *testing.T) {
	step := []Step{{Where: "c1/probe-0/probe", Command: "netlab probe tcp 10.96.0.10:7001", Error: "i/o timeout"}}
	r := &Report{Lab: "l", Results: []Result{
		{Path: "service/clusterip", Cluster: "c1", Verdict: Fail, Reason: "not as expected: x", Trace: step},
		{Path: "pod/localhost", Cluster: "c1", Verdict: Pass, Summary: "ok", Trace: []Step{{Where: "c1/probe-0/probe", Command: "netlab probe tcp 127.0.0.1:7101"}}},
	}}
	var b strings.Builder
	if err := r.Table(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if !strings.Contains(out, "service/clusterip [c1] ran:\n  c1/probe-0/probe: netlab probe tcp 10.96.0.10:7001 -> error: i/o timeout") {
		t.Errorf("no trace of the failed check:\n%s", out)
	}
	if strings.Contains(out, "127.0.0.1:7101") {
		t.Errorf("a passed check's trace is printed:\n%s", out)
	}
}

// The Markdown hand-out embeds the topology as a mermaid block only when the caller set one.
func TestMarkdownEmbedsTopologyWhenSet(t *testing.T) {
	var with, without strings.Builder
	if err := sample().Markdown(&with); err != nil {
		t.Fatal(err)
	}
	r := sample()
	r.Topology = ""
	if err := r.Markdown(&without); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(with.String(), "## Topology\n\n```mermaid\nflowchart TB\n  c0[\"cluster a\"] <--> c1[\"cluster b\"]\n```\n") {
		t.Errorf("no mermaid block:\n%s", with.String())
	}
	if strings.Contains(without.String(), "mermaid") || strings.Contains(without.String(), "## Topology") {
		t.Errorf("a topology section without a topology:\n%s", without.String())
	}
}
