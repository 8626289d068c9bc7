package mesh

import (
	"strings"
	"testing"
	"time"

	"github.com/netlab-dev/netlab/internal/names"
	"github.com/netlab-dev/netlab/labstate"
)

// The CA is made once and kept: a second 'up' gets the same root, and a cluster added later
// gets an intermediate under it.
func TestCAKeptAcrossRuns(t *testing.T) {
	t.Setenv("NETLAB_STATE_DIR", t.TempDir())
	now := time.Now()
	first, err := LoadCA("lab", "mesh1", []string{"east", "west"}, now)
	if err != nil {
		t.Fatal(err)
	}
	again, err := LoadCA("lab", "mesh1", []string{"east", "west", "north"}, now)
	if err != nil {
		t.Fatal(err)
	}
	if again.RootCert != first.RootCert || again.Intermediates["east"] != first.Intermediates["east"] {
		t.Fatal("a second run rotated the mesh's CA")
	}
	if _, ok := again.Intermediates["north"]; !ok {
		t.Fatal("no intermediate for the added cluster")
	}
	if _, err := LoadCA("lab", "mesh2", []string{"east"}, now); err == nil || !strings.Contains(err.Error(), "mesh2") {
		t.Errorf("another mesh name: %v", err)
	}
	if err := labstate.WriteFile("lab", names.MeshCAFile, []byte(`{"mesh":"mesh1","rootCert":"x"}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadCA("lab", "mesh1", []string{"east"}, now); err == nil || !strings.Contains(err.Error(), names.MeshCAFile) {
		t.Errorf("a damaged CA file: %v", err)
	}
}
