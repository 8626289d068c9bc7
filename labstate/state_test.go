package labstate

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netlab-dev/netlab/plan"
)

func TestStateRoundTripAndSteps(t *testing.T) {
	t.Setenv("NETLAB_STATE_DIR", t.TempDir())
	if _, err := Load("x"); !errors.Is(err, ErrNoLab) {
		t.Fatalf("missing lab: %v", err)
	}
	s := &State{Lab: "x", Scenario: "builtin/flannel-basic.yaml", Plan: &plan.Plan{Lab: "x"}}
	if err := s.Begin("networks"); err != nil {
		t.Fatal(err)
	}
	if s.Done("networks") {
		t.Fatal("a begun step is not done")
	}
	if err := s.End("networks", nil); err != nil {
		t.Fatal(err)
	}
	if err := s.Begin("clusters"); err != nil {
		t.Fatal(err)
	}
	if err := s.End("clusters", errors.New("kind failed")); err != nil {
		t.Fatal(err)
	}
	got, err := Load("x")
	if err != nil {
		t.Fatal(err)
	}
	if !got.Done("networks") || got.Done("clusters") || got.Steps[1].Error != "kind failed" || got.Plan.Lab != "x" {
		t.Fatalf("state after reload: %+v", got)
	}
	// Begin again resets a failed step.
	if err := got.Begin("clusters"); err != nil {
		t.Fatal(err)
	}
	if got.Steps[1].Error != "" || len(got.Steps) != 2 {
		t.Fatalf("restart of a step: %+v", got.Steps)
	}
	labs, _ := List()
	if len(labs) != 1 || labs[0] != "x" {
		t.Fatalf("List = %v", labs)
	}
	// No temporary files are left behind.
	entries, _ := os.ReadDir(Dir("x"))
	if len(entries) != 1 {
		t.Fatalf("lab dir holds %d entries, want only state.json", len(entries))
	}
	if err := Remove("x"); err != nil {
		t.Fatal(err)
	}
	if labs, _ := List(); len(labs) != 0 {
		t.Fatalf("after Remove: %v", labs)
	}
}

func TestDamagedStateSaysWhere(t *testing.T) {
	t.Setenv("NETLAB_STATE_DIR", t.TempDir())
	if err := os.MkdirAll(Dir("y"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(Dir("y"), "state.json"), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load("y"); err == nil || !strings.Contains(err.Error(), "damaged") || !strings.Contains(err.Error(), "state.json") {
		t.Fatalf("err = %v", err)
	}
}

// A second holder of a lab's lock is refused at once, told who holds it; released, it is free;
// another lab's lock is another lock.
func TestLock(t *testing.T) {
	t.Setenv("NETLAB_STATE_DIR", t.TempDir())
	unlock, err := Lock("a", "netlab up")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Lock("a", "netlab down"); err == nil || !strings.Contains(err.Error(), "being changed by another netlab (netlab up, pid ") {
		t.Fatalf("a second lock: %v", err)
	}
	other, err := Lock("b", "netlab up")
	if err != nil {
		t.Fatalf("another lab: %v", err)
	}
	other()
	unlock()
	again, err := Lock("a", "netlab down")
	if err != nil {
		t.Fatalf("after unlock: %v", err)
	}
	again()
}
