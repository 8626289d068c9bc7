package conformance

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"
	"time"

	"github.com/netlab-dev/netlab/internal/golden"
	"github.com/netlab-dev/netlab/internal/nft"
)

func sampleReport(t *testing.T) *Report {
	t.Helper()
	sel := sigNetworkSelection(t)
	pass := Run{Selection: sel, Runner: Runner("v1.33.13"), ServerVersion: "v1.33.13", Seconds: 212, Specs: []Spec{
		{Name: "[sig-network] Services should serve a basic endpoint from pods  [Conformance]", State: Passed, Seconds: 12.25},
		{Name: "[sig-network] DNS should provide DNS for the cluster  [Conformance]", State: Failed, Reason: "[FAILED] Unable to read jessie_udp@kubernetes.default", Seconds: 31.5},
		{Name: "[sig-network] Services should have session affinity work for NodePort service [LinuxOnly] [Conformance]", State: Skipped, Reason: "Requires at least 2 nodes (not 1)"},
		{Name: "[sig-network] Networking should provide Internet connection for containers [Feature:Networking-IPv4] [Conformance]", State: Excluded, Reason: sel.Skips[0].Reason},
	}}
	pass.Cluster = "c1"
	pass.Judge()
	na := Run{Selection: Selection{Suite: NetPol, Cluster: "c1", Focus: NetPol.Focus, NotApplicable: "not applicable: flannel does not enforce NetworkPolicy"}}
	na.Judge()
	broken := Run{Selection: Selection{Suite: SigNetwork, Cluster: "c2", Focus: SigNetwork.Focus}, Verdict: Error, Reason: "the runner did not start: ErrImagePull", OutputTail: []string{"last line"}, Seconds: 300}
	return &Report{Lab: "flannel-basic", Started: time.Date(2026, 12, 2, 13, 0, 0, 0, time.UTC), Seconds: 515, Runs: []Run{pass, na, broken},
		Egress: &Egress{Guarded: true, Refused: nft.Count{Packets: 2, Bytes: 120}, DNS: nft.Count{Packets: 2, Bytes: 120}}}
}

func TestReportGoldens(t *testing.T) {
	r := sampleReport(t)
	for name, write := range map[string]func(*bytes.Buffer) error{
		"report.txt":       func(b *bytes.Buffer) error { return r.Table(b) },
		"report.md":        func(b *bytes.Buffer) error { return r.Markdown(b) },
		"report.json":      func(b *bytes.Buffer) error { return r.JSON(b) },
		"report.junit.xml": func(b *bytes.Buffer) error { return r.JUnit(b) },
	} {
		var b bytes.Buffer
		if err := write(&b); err != nil {
			t.Fatal(err)
		}
		golden.Check(t, "testdata/"+name, b.Bytes())
	}
	if r.OK() {
		t.Error("a report with a failed and an errored run is OK")
	}
}

func TestReportJUnitCounts(t *testing.T) {
	r := sampleReport(t)
	var b bytes.Buffer
	if err := r.JUnit(&b); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Errors   int `xml:"errors,attr"`
		Skipped  int `xml:"skipped,attr"`
		Suites   []struct {
			Name string `xml:"name,attr"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	// c1 sig-network: 4 specs (1 failed, 2 skipped); c1 netpol: 1 skipped case; c2: 1 error case.
	if doc.Tests != 6 || doc.Failures != 1 || doc.Errors != 1 || doc.Skipped != 3 || len(doc.Suites) != 3 ||
		doc.Suites[0].Name != "conformance.flannel-basic.c1.sig-network" {
		t.Errorf("%+v", doc)
	}
}

func TestReportOK(t *testing.T) {
	r := &Report{Runs: []Run{{Verdict: Pass}, {Verdict: NotApplicable}}, Egress: &Egress{Guarded: true, Refused: nft.Count{Packets: 3}}}
	if !r.OK() {
		t.Error("passed and not applicable, refused packets only: want OK")
	}
	r.Egress.Escaped.Packets = 1
	if r.OK() {
		t.Error("a packet got past the guard: want not OK")
	}
	if line := (Egress{Guarded: true}).Line(); !strings.Contains(line, "nothing tried to leave the machine") {
		t.Errorf("line %q", line)
	}
}
