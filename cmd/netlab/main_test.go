package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/netlab-dev/netlab/internal/hint"
)

// The in-lab commands stay callable but are not offered to people; 'tgw routes' is.
func TestHelpHidesTheInLabCommands(t *testing.T) {
	code, out, _ := runCLI(t, "--help")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	if strings.Contains(out, "probe") {
		t.Errorf("'netlab --help' lists probe:\n%s", out)
	}
	for _, want := range []string{"up", "down", "status", "check", "tgw", "-v, --verbose"} {
		if !strings.Contains(out, want) {
			t.Errorf("'netlab --help' lacks %q:\n%s", want, out)
		}
	}
	_, out, _ = runCLI(t, "tgw", "--help")
	_, cmds, _ := strings.Cut(out, "Available Commands:")
	cmds, _, _ = strings.Cut(cmds, "\n\n")
	if strings.Contains(cmds, "serve") || !strings.Contains(cmds, "routes") {
		t.Errorf("'netlab tgw --help' must list routes and not serve:\n%s", out)
	}
	if code, _, _ := runCLI(t, "probe", "--help"); code != 0 {
		t.Errorf("probe must stay callable, exit %d", code)
	}
}

// One error path: the message, then each hint as a "hint:" line; the code from the exitError or
// the hint's kind.
func TestExitCodePrintsHints(t *testing.T) {
	cause := hint.Wrap(errors.New("Creating kind clusters: boom"), "fix the cause and run 'netlab up' again")
	for _, c := range []struct {
		err  error
		code int
		want string
	}{
		{nil, exitOK, ""},
		{fail(exitFailed, cause), exitFailed, "netlab: Creating kind clusters: boom\nhint: fix the cause and run 'netlab up' again\n"},
		{fail(exitUsage, cause), exitUsage, "hint: fix the cause"},
		{hint.Unreachable(errors.New("lab x cannot be reached"), "run 'netlab up x'"), exitUsage, "netlab: lab x cannot be reached\nhint: run 'netlab up x'\n"},
		{hint.Wrap(errors.New("step failed"), "look"), exitFailed, "hint: look"},
		{failf(exitFailed, "plain %d", 1), exitFailed, "netlab: plain 1\n"},
		{silentExit(exitFailed), exitFailed, ""},
		{errors.New(`unknown command "x"`), exitUsage, "netlab: unknown command"},
	} {
		var b bytes.Buffer
		if got := exitCode(c.err, &b); got != c.code || !strings.Contains(b.String(), c.want) || c.want == "" && b.Len() != 0 {
			t.Errorf("exitCode(%v) = %d, printed %q; want %d and %q", c.err, got, b.String(), c.code, c.want)
		}
	}
}

// A negative --parallel-clusters is a usage error, before any scenario is read or Docker asked.
func TestUpRefusesANegativeParallelism(t *testing.T) {
	code, _, stderr := runCLI(t, "up", "--parallel-clusters", "-1")
	if code != exitUsage || !strings.Contains(stderr, "--parallel-clusters -1") {
		t.Fatalf("exit %d, stderr %q; want %d naming the flag", code, stderr, exitUsage)
	}
}
