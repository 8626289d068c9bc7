package plan_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/scenarios"
)

// FuzzBuild feeds arbitrary bytes to the loader and planner. Whatever the input: no panic; every
// diagnostic is located and says something; an error means no plan; a plan satisfies every
// invariant and marshals. CI runs the seed corpus; run it for real with
//
//	go test ./plan -run '^$' -fuzz FuzzBuild -fuzztime 10m
func FuzzBuild(f *testing.F) {
	for _, name := range scenarios.Names() {
		data, _ := scenarios.Lookup(name)
		f.Add(data)
	}
	for _, s := range plan.RuleCaseFiles() {
		f.Add([]byte(s))
	}
	f.Add([]byte("a: &x [*x]\n"))
	f.Add([]byte("apiVersion: netlab.dev/v1alpha1\nkind: Scenario\nmetadata: {name: x}\nclusters: [{name: c}]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, diags := plan.Build("f.yaml", data, plan.Options{})
		for _, d := range diags {
			if d.Line < 1 || d.Column < 1 || strings.TrimSpace(d.Message) == "" || d.File != "f.yaml" {
				t.Fatalf("malformed diagnostic %+v", d)
			}
		}
		if len(diags.Errors()) > 0 {
			if p != nil {
				t.Fatal("errors and a plan at once")
			}
			return
		}
		if p == nil {
			t.Fatal("no errors and no plan")
		}
		assertInvariants(t, p)
		if _, err := json.Marshal(p); err != nil {
			t.Fatalf("plan does not marshal: %v", err)
		}
	})
}
