package conformance

import (
	"os"
	"strings"
	"testing"

	"github.com/netlab-dev/netlab/internal/testplan"
)

func sigNetworkSelection(t *testing.T) Selection {
	t.Helper()
	p := testplan.Builtin(t, "flannel-basic")
	return Select(p, p.Clusters[0], SigNetwork, Host{NoSCTP: "no"}, "", "")
}

func TestParseJUnit(t *testing.T) {
	f, err := os.Open("testdata/junit_01.xml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	specs, err := ParseJUnit(f, sigNetworkSelection(t))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		name   string
		state  State
		reason string
	}{
		{"[sig-network] Services should serve a basic endpoint from pods  [Conformance]", Passed, ""},
		{"[sig-network] DNS should provide DNS for the cluster  [Conformance]", Failed, "[FAILED] Unable to read jessie_udp@kubernetes.default"},
		{"[sig-network] Services should have session affinity work for NodePort service [LinuxOnly] [Conformance]", Skipped, "Requires at least 2 nodes (not 1)"},
		{"[sig-network] Networking should provide Internet connection for containers [Feature:Networking-IPv4] [Conformance]", Excluded, "connects to 8.8.8.8"},
	}
	if len(specs) != len(want) {
		t.Fatalf("got %d specs, want %d (outside the focus and passed suite nodes dropped): %+v", len(specs), len(want), specs)
	}
	for i, w := range want {
		s := specs[i]
		if s.Name != w.name || s.State != w.state || !strings.HasPrefix(s.Reason, w.reason) {
			t.Errorf("spec %d: %+v, want %s %s %q…", i, s, w.name, w.state, w.reason)
		}
	}
	if specs[0].Seconds != 12.25 {
		t.Errorf("seconds %v", specs[0].Seconds)
	}
}

// A suite-level node that failed is a failed spec: nothing after it can be trusted.
func TestParseJUnitFailedBeforeSuite(t *testing.T) {
	doc := `<testsuites><testsuite name="Kubernetes e2e suite">
<testcase name="[SynchronizedBeforeSuite]" status="failed" time="600"><failure type="failed">&#xA;  Timed out waiting for all nodes to be schedulable</failure></testcase>
<testcase name="[It] [sig-network] Services should serve a basic endpoint from pods  [Conformance]" status="skipped" time="0"><skipped message="skipped"></skipped></testcase>
</testsuite></testsuites>`
	specs, err := ParseJUnit(strings.NewReader(doc), sigNetworkSelection(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(specs) != 2 || specs[0].State != Failed || specs[0].Name != "[SynchronizedBeforeSuite]" || specs[0].Reason != "Timed out waiting for all nodes to be schedulable" {
		t.Fatalf("%+v", specs)
	}
	run := Run{Selection: sigNetworkSelection(t), Specs: specs}
	run.Judge()
	if run.Verdict != Fail {
		t.Errorf("verdict %s", run.Verdict)
	}
}

func TestParseJUnitRefusesOtherFiles(t *testing.T) {
	if _, err := ParseJUnit(strings.NewReader("I0102 not xml"), sigNetworkSelection(t)); err == nil {
		t.Fatal("want an error")
	}
}

func TestProgressFollowsGinkgoOutput(t *testing.T) {
	f, err := os.Open("testdata/e2e.log")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var p Progress
	var seen []Progress
	tail, err := p.Follow(f, 3, func(pr Progress) { seen = append(seen, pr) })
	if err != nil {
		t.Fatal(err)
	}
	want := []Progress{{Total: 3}, {Total: 3, Done: 1}, {Total: 3, Done: 2, Failed: 1}}
	if len(seen) != len(want) {
		t.Fatalf("progress %+v, want %+v", seen, want)
	}
	for i := range want {
		if seen[i] != want[i] {
			t.Errorf("progress %d: %+v, want %+v", i, seen[i], want[i])
		}
	}
	if len(tail) != 3 || !strings.HasPrefix(tail[2], "FAIL!") {
		t.Errorf("tail %q", tail)
	}
}

func TestJudge(t *testing.T) {
	for _, tc := range []struct {
		name  string
		run   Run
		want  Verdict
		cause string
	}{
		{"passed", Run{Specs: []Spec{{State: Passed}, {State: Excluded}}}, Pass, ""},
		{"one failed", Run{Specs: []Spec{{State: Passed}, {State: Failed}}}, Fail, "1 of 2 specs failed"},
		{"nothing ran", Run{Selection: Selection{Focus: "x"}, Specs: []Spec{{State: Excluded}, {State: Skipped}}}, Error, "no selected spec ran"},
		{"none selected", Run{Selection: Selection{Focus: "x"}}, Error, "no selected spec ran (focus x)"},
		{"not applicable", Run{Selection: Selection{NotApplicable: "not applicable: flannel does not enforce NetworkPolicy"}}, NotApplicable, "flannel"},
		{"error stays", Run{Verdict: Error, Reason: "the runner did not start"}, Error, "did not start"},
	} {
		tc.run.Judge()
		if tc.run.Verdict != tc.want || !strings.Contains(tc.run.Reason, tc.cause) {
			t.Errorf("%s: %s %q, want %s %q", tc.name, tc.run.Verdict, tc.run.Reason, tc.want, tc.cause)
		}
	}
}
