package junit

import (
	"bytes"
	"strings"
	"testing"
)

func suite(name string, cases ...Case) Suite {
	s := Suite{Name: name, Time: "1.500", Cases: cases}
	s.Count()
	return s
}

func TestAddReplacesBySuiteNameAndSums(t *testing.T) {
	checks := suite("netlab.lab", Case{Name: "a"}, Case{Name: "b", Failure: &Message{Message: "x"}})
	conf := suite("conformance.lab.c1.sig-network", Case{Name: "s1"}, Case{Name: "s2", Skipped: &Message{Message: "excluded"}}, Case{Name: "s3", Error: &Message{}})
	d := New("netlab", checks, conf)
	if d.Tests != 5 || d.Failures != 1 || d.Skipped != 1 || d.Errors != 1 || d.Time != "3.000" {
		t.Fatalf("%+v", d)
	}
	// A re-run of the checks replaces their suite and keeps the conformance suite.
	d.Add(suite("netlab.lab", Case{Name: "a"}))
	if len(d.Suites) != 2 || d.Tests != 4 || d.Failures != 0 || d.Suites[0].Name != "netlab.lab" {
		t.Fatalf("%+v", d)
	}
}

func TestWriteReadRoundTrip(t *testing.T) {
	d := New("netlab", suite("netlab.lab", Case{Name: "a & b", SystemOut: "ok: <x>"}))
	var b bytes.Buffer
	if err := d.Write(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(b.String(), "<?xml") {
		t.Errorf("no XML header: %q", b.String())
	}
	back, err := Read(&b)
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Suites) != 1 || back.Suites[0].Cases[0].Name != "a & b" || back.Suites[0].Cases[0].SystemOut != "ok: <x>" || back.Tests != 1 {
		t.Fatalf("%+v", back)
	}
	if _, err := Read(strings.NewReader("<testsuite/>")); err == nil {
		t.Error("a lone <testsuite> read as a document")
	}
}
