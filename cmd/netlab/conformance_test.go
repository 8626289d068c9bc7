package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netlab-dev/netlab/internal/junit"
)

func TestConformanceUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"conformance", "lab", "--suite", "sig-storage"}, `--suite "sig-storage": no such suite`},
		{[]string{"conformance", "lab", "-o", "yaml"}, "unknown output format"},
		{[]string{"conformance", "lab", "--timeout", "1m"}, "--timeout 1m0s: want 5m to 6h"},
		{[]string{"conformance", "lab", "--focus", "("}, "--focus/--skip"},
		{[]string{"conformance"}, "accepts 1 arg"},
	} {
		code, _, errOut := runCLI(t, tc.args...)
		if code != exitUsage || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, %q; want exit 2 and %q", tc.args, code, errOut, tc.want)
		}
	}
}

func TestConformanceUnknownLab(t *testing.T) {
	t.Setenv("NETLAB_STATE_DIR", t.TempDir())
	code, _, errOut := runCLI(t, "conformance", "no-such-lab-here")
	if code != exitUsage || !strings.Contains(errOut, "no such lab") {
		t.Errorf("exit %d: %s", code, errOut)
	}
}

// --junit merges: netlab check's suite and netlab conformance's land in one file, and a re-run
// replaces its own suite.
func TestWriteJUnitFileMerges(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ci.xml")
	checks := junit.Suite{Name: "netlab.lab", Cases: []junit.Case{{Name: "service/clusterip"}}}
	checks.Count()
	if err := writeJUnitFile(path, checks); err != nil {
		t.Fatal(err)
	}
	conf := junit.Suite{Name: "conformance.lab.c1.sig-network", Cases: []junit.Case{{Name: "spec 1"}, {Name: "spec 2", Failure: &junit.Message{Message: "x"}}}}
	conf.Count()
	if err := writeJUnitFile(path, conf); err != nil {
		t.Fatal(err)
	}
	if err := writeJUnitFile(path, checks); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := junit.Read(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Suites) != 2 || doc.Tests != 3 || doc.Failures != 1 || doc.Suites[0].Name != "netlab.lab" {
		t.Fatalf("%+v", doc)
	}
	other := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(other, []byte("my notes"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := writeJUnitFile(other, checks); err == nil || !strings.Contains(err.Error(), "name another file") {
		t.Errorf("a non-JUnit file: %v", err)
	}
	if b, _ := os.ReadFile(other); string(b) != "my notes" {
		t.Errorf("the non-JUnit file was changed: %q", b)
	}
}
