package plan

import (
	"strings"
	"testing"
)

// TestRules checks every validation rule: each case changes the base scenario in one way and must
// produce exactly these diagnostics, in this order, with file:line:col, field and message.
func TestRules(t *testing.T) {
	if _, d := Build("s.yaml", []byte(base), Options{}); len(d) != 0 {
		t.Fatalf("the base scenario must be valid and quiet, got:\n%s", d.Error())
	}
	for _, c := range append(append([]ruleCase(nil), ruleCases...), safetyCases...) {
		t.Run(c.name, func(t *testing.T) {
			p, diags := Build("s.yaml", []byte(c.file), Options{})
			var got []string
			for _, d := range diags {
				got = append(got, d.String())
			}
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Fatalf("diagnostics differ\n got:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(c.want, "\n  "))
			}
			if len(diags.Errors()) > 0 && p != nil {
				t.Fatal("a scenario with errors must not produce a plan")
			}
			if len(diags.Errors()) == 0 && p == nil {
				t.Fatal("a scenario with only warnings must produce a plan")
			}
		})
	}
}
