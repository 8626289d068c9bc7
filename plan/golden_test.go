package plan_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/netlab-dev/netlab/internal/golden"
	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/scenarios"
)

// TestGoldenPlans pins the resolved plan (JSON and table) of every built-in scenario. A change to
// planning shows up as a diff here; rewrite with: go test ./plan -run TestGoldenPlans -update
func TestGoldenPlans(t *testing.T) {
	names := scenarios.Names()
	if len(names) < 6 {
		t.Fatalf("expected at least six built-in scenarios, found %v", names)
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			data, _ := scenarios.Lookup(name)
			p, diags := plan.Build("builtin/"+name+".yaml", data, plan.Options{})
			if p == nil {
				t.Fatalf("built-in scenario is invalid:\n%s", diags.Error())
			}
			js, err := json.MarshalIndent(p, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			var table bytes.Buffer
			if err := p.WriteTable(&table); err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join("testdata", "golden", name+".json"), append(js, '\n'))
			golden.Check(t, filepath.Join("testdata", "golden", name+".txt"), table.Bytes())
			assertInvariants(t, p)
		})
	}
}

// TestGoldenPlansLoad reads every golden plan back (as a lab state written by an earlier version
// holds it: addresses and prefixes as JSON strings) and expects the same bytes when written again,
// and the same plan as planning the scenario now.
func TestGoldenPlansLoad(t *testing.T) {
	for _, name := range scenarios.Names() {
		want, err := os.ReadFile(filepath.Join("testdata", "golden", name+".json"))
		if err != nil {
			t.Fatal(err)
		}
		var p plan.Plan
		if err := json.Unmarshal(want, &p); err != nil {
			t.Fatalf("%s: the golden plan does not load: %v", name, err)
		}
		got, err := json.MarshalIndent(&p, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(append(got, '\n'), want) {
			t.Fatalf("%s: a loaded plan writes different JSON:\n%s", name, got)
		}
		data, _ := scenarios.Lookup(name)
		fresh, _ := plan.Build("builtin/"+name+".yaml", data, plan.Options{})
		if !reflect.DeepEqual(&p, fresh) {
			t.Fatalf("%s: the loaded plan differs from planning the scenario now", name)
		}
	}
}

// TestPlanIsDeterministic plans every built-in twice and expects identical bytes.
func TestPlanIsDeterministic(t *testing.T) {
	for _, name := range scenarios.Names() {
		data, _ := scenarios.Lookup(name)
		a, _ := plan.Build(name, data, plan.Options{})
		b, _ := plan.Build(name, data, plan.Options{})
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		if !bytes.Equal(ja, jb) {
			t.Fatalf("%s: two plans of the same file differ", name)
		}
	}
}

func TestNodeImageOverride(t *testing.T) {
	data, _ := scenarios.Lookup("tgw-two-vpc")
	p, _ := plan.Build("x", data, plan.Options{NodeImage: "netlab.local/node:v1.33.13"})
	for _, c := range p.Clusters {
		if c.NodeImage != "netlab.local/node:v1.33.13" {
			t.Fatalf("cluster %s: node image %q, want the override", c.Name, c.NodeImage)
		}
	}
}
