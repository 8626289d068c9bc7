package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/scenarios"
)

// readScenario finds a scenario by argument: an existing file wins, then a built-in name.
// It returns the name to use in diagnostics and the file's bytes.
func readScenario(arg string) (string, []byte, error) {
	data, err := os.ReadFile(arg)
	if err == nil {
		return arg, data, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", nil, failf(exitFailed, "cannot read scenario %s: %v", arg, err)
	}
	if b, ok := scenarios.Lookup(arg); ok {
		return "builtin/" + arg + ".yaml", b, nil
	}
	return "", nil, failf(exitUsage, "%q is neither a file nor a built-in scenario; built-ins: %s (see 'netlab list')", arg, strings.Join(scenarios.Names(), ", "))
}

// buildPlan reads and plans a scenario, printing its diagnostics to stderr.
// On errors it returns an exitFailed error after printing them.
func buildPlan(arg string, opts plan.Options, stderr interface{ Write([]byte) (int, error) }) (*plan.Plan, plan.Diagnostics, error) {
	name, data, err := readScenario(arg)
	if err != nil {
		return nil, nil, err
	}
	p, diags := plan.Build(name, data, opts)
	for _, d := range diags {
		fmt.Fprintln(stderr, d.String())
	}
	if p == nil {
		n := len(diags.Errors())
		return nil, diags, failf(exitFailed, "%s: %d problem%s; nothing was planned", name, n, plural(n))
	}
	return p, diags, nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// outputFlag validates an -o value against the allowed formats.
func outputFlag(value string, allowed ...string) error {
	for _, a := range allowed {
		if value == a {
			return nil
		}
	}
	return failf(exitUsage, "unknown output format %q; use one of: %s", value, strings.Join(allowed, ", "))
}
