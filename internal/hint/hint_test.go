package hint

import (
	"errors"
	"fmt"
	"testing"
)

func TestKindsAndCodes(t *testing.T) {
	base := errors.New("no such lab")
	for _, tc := range []struct {
		err  error
		code int
	}{
		{nil, 0},
		{base, 1},
		{Wrap(base, "run 'netlab up'"), 1},
		{Unreachable(base, "start dockerd"), 2},
		{fmt.Errorf("open: %w", Unreachable(base, "start dockerd")), 2},
		{Wrap(Unreachable(base, "start dockerd"), "then retry"), 2},
		{Usagef("see 'netlab list'", "unknown scenario %q", "x"), 2},
	} {
		if got := Code(tc.err); got != tc.code {
			t.Errorf("Code(%v) = %d, want %d", tc.err, got, tc.code)
		}
	}
	if Wrap(nil, "x") != nil || Unreachable(nil, "x") != nil {
		t.Fatal("nil must stay nil")
	}
}

func TestHintsAlongTheChainAndJoins(t *testing.T) {
	a := Wrap(errors.New("a failed"), "fix a")
	b := Wrap(errors.New("b failed"), "fix b")
	err := Wrap(fmt.Errorf("step: %w", errors.Join(a, b, Wrap(errors.New("again"), "fix a"))), "run up again")
	got := Hints(err)
	want := []string{"run up again", "fix a", "fix b"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("Hints = %q, want %q", got, want)
	}
	if f := Format(Wrap(errors.New("boom"), "do this")); f != "boom\nhint: do this" {
		t.Fatalf("Format = %q", f)
	}
	if f := Usagef("h", "plain"); f.Error() != "plain" {
		t.Fatalf("Usagef = %q", f)
	}
}
