package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/netlab-dev/netlab/docker"
	"github.com/netlab-dev/netlab/internal/testenv"
	"github.com/netlab-dev/netlab/provision"
	"github.com/netlab-dev/netlab/provision/images"
)

// The fault test (issue 4): 'netlab up' is killed (SIGKILL, no clean-up) right after each step
// boundary in turn, and run again each time. Every run after a kill must resume and, at the end,
// the lab must be complete, with exactly the planned nodes and networks: nothing duplicated.
func TestE2EUpConvergesAfterKillAtEachStep(t *testing.T) {
	testenv.RequireFullMatrix(t)
	p := planFor(t, "e2e-fault", []byte(strings.Replace(flannelTwoNodes, "e2e-flannel", "e2e-fault", 1)))
	dir := t.TempDir()
	bin := filepath.Join(dir, "netlab")
	build := exec.Command("go", "build", "-o", bin, "./cmd/netlab")
	build.Dir = repoRoot()
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build netlab: %v\n%s", err, out)
	}
	scenario := filepath.Join(dir, "e2e-fault.yaml")
	if err := os.WriteFile(scenario, []byte(strings.Replace(flannelTwoNodes, "e2e-flannel", "e2e-fault", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "NETLAB_STATE_DIR="+filepath.Join(dir, "state"), "KUBECONFIG="+filepath.Join(dir, "kubeconfig"))
	t.Cleanup(func() {
		cmd := exec.Command(bin, "down", p.Lab)
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("down: %v\n%s", err, out)
		}
		t.Setenv("NETLAB_STATE_DIR", filepath.Join(dir, "state"))
		assertNothingLeft(t, p)
	})
	upArgs := []string{"up", scenario, "--node-image", images.HermeticNodeImage, "--offline", "--check=false"}
	steps := []string{"Preflight", "Creating VPC networks", "Creating kind clusters", "Loading images", "Installing the CNI", "Installing the add-ons (MetalLB, ingress)"}
	for i, step := range steps {
		cmd := exec.Command(bin, upArgs...)
		cmd.Env = env
		stdout, _ := cmd.StdoutPipe()
		cmd.Stderr = cmd.Stdout
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		killed := false
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			if strings.HasPrefix(strings.TrimSpace(line), "✓ "+step) {
				if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
					t.Fatalf("run %d: kill 'up': %v", i+1, err)
				}
				killed = true
				t.Logf("run %d: killed after %q", i+1, line)
				break
			}
		}
		go func() {
			for sc.Scan() {
			}
		}()
		_ = cmd.Wait() // killed on purpose: its exit status says so
		if !killed {
			t.Fatalf("run %d: 'up' never completed step %q", i+1, step)
		}
	}
	cmd := exec.Command(bin, upArgs...)
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("final 'up' after the kills did not converge: %v\n%s", err, out)
	} else {
		t.Logf("final up:\n%s", out)
	}
	st := exec.Command(bin, "status", p.Lab, "-o", "json")
	st.Env = env
	out, err := st.Output()
	if err != nil {
		t.Fatalf("status: %v", err)
	}
	var s provision.LabStatus
	if err := json.Unmarshal(out, &s); err != nil || !s.Complete {
		t.Fatalf("status after convergence is not complete: %v\n%s", err, out)
	}
	// Nothing duplicated: exactly the planned node containers and networks.
	eng, err := docker.Connect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	objs, err := eng.LabObjects(context.Background(), p.Lab, []string{p.Clusters[0].KindName})
	if err != nil {
		t.Fatal(err)
	}
	if len(objs.Containers) != len(p.Clusters[0].Nodes) || len(objs.Networks) != 1 {
		t.Fatalf("after the kills the lab has containers %v and networks %v; want %d nodes and 1 network", objs.Containers, objs.Networks, len(p.Clusters[0].Nodes))
	}
	_ = time.Second
}
