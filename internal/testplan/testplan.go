// Package testplan builds the plans of built-in scenarios for tests.
package testplan

import (
	"testing"

	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/scenarios"
)

// Builtin returns the plan of the built-in scenario name, failing the test when it does not build.
func Builtin(tb testing.TB, name string) *plan.Plan {
	tb.Helper()
	data, ok := scenarios.Lookup(name)
	if !ok {
		tb.Fatalf("no built-in scenario %s", name)
	}
	p, d := plan.Build(name, data, plan.Options{})
	if p == nil {
		tb.Fatalf("built-in %s: %s", name, d.Error())
	}
	return p
}
