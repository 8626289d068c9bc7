package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/netlab-dev/netlab/internal/testenv"
	"github.com/netlab-dev/netlab/labstate"
	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/provision"
)

// TestBenchImageLoading prints, for the default lab (1 cluster, 3 nodes) and a 3-cluster lab, the
// seconds 'up' spends getting the lab's images into its nodes, with the images loaded into every
// node (--no-derived-image) and with the derived node image (package provision/nodeimage), side by
// side as ratios. ci/bench-up.sh runs it (before TestBenchUpVersusKind, whose 'up' then finds the
// derived image built); it is not part of the e2e stage.
//
// Image loading is, per lab: without the derived image, the images step; with it, the images step
// plus what the clusters step took beyond the side-loading run's (kind copies each node's larger
// /var). The derived image is timed twice: first as this host has it (its build, once per host,
// shows as the "first" row's extra clusters seconds when it was not built yet), then cached.
func TestBenchImageLoading(t *testing.T) {
	testenv.RequireDocker(t)
	if os.Getenv("NETLAB_BENCH") != "1" {
		t.Skip("benchmark: set NETLAB_BENCH=1 (ci/bench-up.sh)")
	}
	labs := []*plan.Plan{
		planFor(t, "builtin/flannel-basic.yaml", builtinPlan(t, "flannel-basic")),
		planFor(t, "builtin/tgw-isolated-spokes.yaml", builtinPlan(t, "tgw-isolated-spokes")),
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n| lab | mode | up | clusters step | images step | image loading | ratio to side-loading |\n|---|---|---|---|---|---|---|\n")
	for _, p := range labs {
		nodes := 0
		for _, c := range p.Clusters {
			nodes += len(c.Nodes)
		}
		name := fmt.Sprintf("%s (%d clusters, %d nodes)", p.Lab, len(p.Clusters), nodes)
		side := timeUpSteps(t, p, true)
		first := timeUpSteps(t, p, false)
		cached := timeUpSteps(t, p, false)
		base := side.steps["images"]
		for _, r := range []struct {
			mode string
			run  upTimes
		}{{"side-loading (--no-derived-image)", side}, {"derived image, first run", first}, {"derived image, cached", cached}} {
			loading := r.run.steps["images"]
			if r.run.derived {
				loading += max(0, r.run.steps["clusters"]-side.steps["clusters"])
			}
			fmt.Fprintf(&b, "| %s | %s | %.1f s | %.1f s | %.1f s | %.1f s | %.2f |\n", name, r.mode, r.run.total.Seconds(),
				r.run.steps["clusters"].Seconds(), r.run.steps["images"].Seconds(), loading.Seconds(), loading.Seconds()/base.Seconds())
		}
	}
	t.Log(b.String())
	fmt.Println(b.String())
}

// upTimes is one timed 'up': the whole of it and each step (from the lab's state).
type upTimes struct {
	total   time.Duration
	steps   map[string]time.Duration
	derived bool
}

// timeUpSteps brings p up (offline, without the checks), reads each step's duration from the lab's
// state, and takes the lab down.
func timeUpSteps(t *testing.T, p *plan.Plan, noDerived bool) upTimes {
	t.Helper()
	t.Setenv("NETLAB_STATE_DIR", t.TempDir())
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	ctx := context.Background()
	start := time.Now()
	err := provision.Up(ctx, p, p.Source, provision.Options{Offline: true, KubeconfigPath: kubeconfig, NoDerivedImage: noDerived})
	out := upTimes{total: time.Since(start), steps: map[string]time.Duration{}, derived: !noDerived}
	if st, lerr := labstate.Load(p.Lab); lerr == nil {
		for _, s := range st.Steps {
			if !s.Finished.IsZero() {
				out.steps[s.Name] = s.Finished.Sub(s.Started)
			}
		}
		for c, img := range st.NodeImages {
			t.Logf("%s: cluster %s ran %s", p.Lab, c, img)
		}
	}
	if _, derr := provision.Down(ctx, p.Lab, kubeconfig); derr != nil {
		t.Errorf("down: %v", derr)
	}
	if err != nil {
		t.Fatalf("up %s (no derived image: %v): %v", p.Lab, noDerived, err)
	}
	return out
}
