package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netlab-dev/netlab/scenarios"
)

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestListShowsBuiltins(t *testing.T) {
	code, out, _ := runCLI(t, "list")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"flannel-basic (default)", "kube-proxy-modes", "tgw-two-vpc", "istio-multi-primary", "enterprise-hub-spoke", "cni-matrix"} {
		if !strings.Contains(out, want) {
			t.Errorf("list lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = runCLI(t, "list", "-o", "json")
	var entries []map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &entries) != nil || len(entries) != len(scenarios.Names()) {
		t.Fatalf("list -o json: exit %d, %s", code, out)
	}
}

func TestValidateAndPlanEveryBuiltin(t *testing.T) {
	for _, name := range scenarios.Names() {
		if code, _, errOut := runCLI(t, "validate", name); code != 0 {
			t.Errorf("validate %s: exit %d: %s", name, code, errOut)
		}
		code, out, _ := runCLI(t, "plan", name, "-o", "json")
		var v map[string]any
		if code != 0 || json.Unmarshal([]byte(out), &v) != nil || v["lab"] != name {
			t.Errorf("plan %s -o json: exit %d, not the plan's JSON", name, code)
		}
		if code, out, _ := runCLI(t, "plan", name, "-o", "yaml"); code != 0 || !strings.Contains(out, "lab: "+name) {
			t.Errorf("plan %s -o yaml: exit %d", name, code)
		}
		if code, out, _ := runCLI(t, "plan", name); code != 0 || !strings.Contains(out, "CLUSTERS") {
			t.Errorf("plan %s: exit %d", name, code)
		}
	}
}

// The bad inputs of the "done when": exit 1, a message with file:line:col naming the place
// and the fix, never a panic or a Go stack.
func TestBadInputsExitOneWithLocatedMessage(t *testing.T) {
	valid, _ := scenarios.Lookup("tgw-two-vpc")
	cases := []struct {
		name, content string
		want          []string
	}{
		{"empty", "", []string{"empty.yaml:1:1: the file is empty"}},
		{"not-yaml", "\x00\x01{{{ not: [yaml", []string{"not-yaml.yaml:1:1: not valid YAML"}},
		{"api", strings.Replace(string(valid), "netlab.dev/v1alpha1", "netlab.dev/v9", 1), []string{"api.yaml:", `apiVersion: "netlab.dev/v9" is not supported; use "netlab.dev/v1alpha1"`}},
		{"unknown", strings.Replace(string(valid), "    workers: 1\n", "    wrokers: 1\n", 1), []string{"unknown.yaml:", `clusters[0].wrokers: unknown field "wrokers" (did you mean "workers"?)`}},
		{"overlap", strings.Replace(string(valid), "podCIDR: 10.1.64.0/18", "podCIDR: 10.0.128.0/18", 1), []string{"overlap.yaml:", "clusters[1].podCIDR: 10.0.128.0/18 (Pod CIDR of cluster b) overlaps 10.0.0.0/16 (VPC vpc-a, vpcs[0].cidr)", "must not overlap"}},
		{"pool", strings.Replace(string(valid), "addresses: [10.0.1.200-10.0.1.220]", "addresses: [10.9.1.200-10.9.1.220]", 1), []string{"pool.yaml:", "clusters[0].metallb.addresses[0]: 10.9.1.200-10.9.1.220 is outside the cluster's subnet 10.0.1.0/24", "use addresses in 10.0.1.192-10.0.1.223"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := writeFile(t, c.name+".yaml", c.content)
			for _, cmd := range [][]string{{"validate", path}, {"plan", path}} {
				code, out, errOut := runCLI(t, cmd...)
				if code != 1 {
					t.Fatalf("%s: exit %d, want 1\nstderr: %s", cmd[0], code, errOut)
				}
				if strings.Contains(errOut, "goroutine") || strings.Contains(errOut, "panic") {
					t.Fatalf("%s printed a Go stack:\n%s", cmd[0], errOut)
				}
				for _, w := range c.want {
					if !strings.Contains(errOut, strings.Replace(w, c.name+".yaml:", path+":", 1)) {
						t.Fatalf("%s: stderr lacks %q:\n%s", cmd[0], w, errOut)
					}
				}
				if cmd[0] == "plan" && out != "" {
					t.Fatalf("plan printed a plan for an invalid scenario:\n%s", out)
				}
			}
		})
	}
}

func TestValidateJSON(t *testing.T) {
	path := writeFile(t, "bad.yaml", "apiVersion: nope\n")
	code, out, _ := runCLI(t, "validate", "-o", "json", path, "flannel-basic")
	if code != 1 {
		t.Fatalf("exit %d, want 1 (one scenario is invalid)", code)
	}
	var res []struct {
		Scenario    string
		Valid       bool
		Diagnostics []struct {
			Line, Column   int
			Field, Message string
		}
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || len(res) != 2 {
		t.Fatalf("not the expected JSON: %v\n%s", err, out)
	}
	if res[0].Valid || len(res[0].Diagnostics) == 0 || !res[1].Valid {
		t.Fatalf("validity wrong: %+v", res)
	}
}

func TestUsageErrorsExitTwo(t *testing.T) {
	for _, args := range [][]string{
		{"validate"},
		{"plan", "no-such-scenario"},
		{"plan", "flannel-basic", "-o", "xml"},
		{"list", "--bogus"},
		{"frobnicate"},
	} {
		if code, _, errOut := runCLI(t, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2 (%s)", args, code, errOut)
		}
	}
	_, _, errOut := runCLI(t, "plan", "no-such-scenario")
	if !strings.Contains(errOut, "neither a file nor a built-in scenario") || !strings.Contains(errOut, "flannel-basic") {
		t.Fatalf("unhelpful message: %s", errOut)
	}
}

func TestVersion(t *testing.T) {
	code, out, _ := runCLI(t, "version", "-o", "json")
	var v map[string]string
	if code != 0 || json.Unmarshal([]byte(out), &v) != nil || v["version"] == "" || v["scenarioAPI"] != "netlab.dev/v1alpha1" {
		t.Fatalf("version: exit %d %s", code, out)
	}
}
