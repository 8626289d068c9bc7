package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/netlab-dev/netlab/docker"
	"github.com/netlab-dev/netlab/internal/testenv"
	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/provision"
	"github.com/netlab-dev/netlab/provision/kindconfig"
	kindcluster "sigs.k8s.io/kind/pkg/cluster"
	"sigs.k8s.io/kind/pkg/log"
)

// TestBenchUpVersusKind prints how 'netlab up' compares with kind's own create on the same
// configuration, node image and network, in one run on one machine (ci/bench-up.sh runs it; it is
// not part of the e2e stage). netlab's figure includes what kind alone does not do: the CNI,
// MetalLB and waiting until every node is Ready.
func TestBenchUpVersusKind(t *testing.T) {
	testenv.RequireDocker(t)
	if os.Getenv("NETLAB_BENCH") != "1" {
		t.Skip("benchmark: set NETLAB_BENCH=1 (ci/bench-up.sh)")
	}
	type row struct {
		name        string
		netlab, ref time.Duration
		refName     string
	}
	var rows []row

	one := planFor(t, "bench-one", []byte(strings.Replace(flannelTwoNodes, "e2e-flannel", "bench-one", 1)))
	rows = append(rows, row{"1 cluster, 2 nodes", timeUp(t, one), timeKind(t, one, false), "kind create, same config"})

	two := planFor(t, "builtin/kube-proxy-modes.yaml", builtinPlan(t, "kube-proxy-modes"))
	rows = append(rows, row{"2 clusters, 2 nodes each", timeUp(t, two), timeKind(t, two, true), "two sequential kind creates"})

	var b strings.Builder
	fmt.Fprintf(&b, "\n| lab | netlab up | %s | ratio |\n|---|---|---|---|\n", "reference")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %.1f s | %.1f s (%s) | %.2f |\n", r.name, r.netlab.Seconds(), r.ref.Seconds(), r.refName, r.netlab.Seconds()/r.ref.Seconds())
	}
	t.Log(b.String())
	fmt.Println(b.String())
}

func timeUp(t *testing.T, p *plan.Plan) time.Duration {
	t.Helper()
	t.Setenv("NETLAB_STATE_DIR", t.TempDir())
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	ctx := context.Background()
	start := time.Now()
	err := provision.Up(ctx, p, p.Source, provision.Options{Offline: true, KubeconfigPath: kubeconfig})
	d := time.Since(start)
	if _, derr := provision.Down(ctx, p.Lab, kubeconfig); derr != nil {
		t.Errorf("down: %v", derr)
	}
	if err != nil {
		t.Fatalf("up: %v", err)
	}
	return d
}

// timeKind creates the plan's clusters with kind's provider alone (same v1alpha4 config, node image
// and VPC network), sequentially, and deletes them.
func timeKind(t *testing.T, p *plan.Plan, sequential bool) time.Duration {
	t.Helper()
	ctx := context.Background()
	eng, err := docker.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	t.Setenv("NETLAB_STATE_DIR", t.TempDir())
	// Networks first (outside the timing), as netlab's own step does them in well under a second.
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	provider := kindcluster.NewProvider(kindcluster.ProviderWithDocker(), kindcluster.ProviderWithLogger(log.NoopLogger{}))
	defer func() {
		for _, c := range p.Clusters {
			if err := provider.Delete(c.KindName+"-kind", kubeconfig); err != nil {
				t.Logf("cleanup: delete kind cluster %s-kind: %v", c.KindName, err)
			}
		}
		if _, err := provision.Down(ctx, p.Lab, kubeconfig); err != nil {
			t.Logf("cleanup: netlab down %s: %v", p.Lab, err)
		}
	}()
	if err := provision.EnsureNetworks(ctx, eng, p); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for _, c := range p.Clusters {
		cfg := kindconfig.Config(p.Lab, c)
		cfg.Name = c.KindName + "-kind"
		t.Setenv("KIND_EXPERIMENTAL_DOCKER_NETWORK", c.Network)
		if err := provider.Create(cfg.Name, kindcluster.CreateWithV1Alpha4Config(cfg), kindcluster.CreateWithKubeconfigPath(kubeconfig)); err != nil {
			t.Fatalf("kind create: %v", err)
		}
	}
	return time.Since(start)
}
