package clusters

import (
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"sigs.k8s.io/kind/pkg/cluster/nodes"

	"github.com/netlab-dev/netlab/docker"
	"github.com/netlab-dev/netlab/internal/status"
	"github.com/netlab-dev/netlab/internal/testplan"
	"github.com/netlab-dev/netlab/labstate"
	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/provision/component"
	"github.com/netlab-dev/netlab/provision/nodeimage"
	"github.com/netlab-dev/netlab/provision/steps"
	tgwctr "github.com/netlab-dev/netlab/provision/tgw"
)

const kubeconfig = `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
contexts: [{name: c, context: {cluster: c, user: u}}]
users: [{name: u, user: {}}]
current-context: c
`

// fakeKind has the kind clusters of exists (name → nodes) and records the node image each cluster
// is created from.
type fakeKind struct {
	mu      sync.Mutex
	exists  map[string]int
	created map[string]string
	// active and peak count the creates under way, now and at most.
	active, peak int
}

func (k *fakeKind) Exists(name string) (bool, int, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	n, ok := k.exists[name]
	return ok, n, nil
}
func (k *fakeKind) Delete(string) error { return nil }
func (k *fakeKind) Create(_ string, c plan.ClusterPlan, _ *status.Status) error {
	k.mu.Lock()
	k.active++
	k.peak = max(k.peak, k.active)
	k.mu.Unlock()
	time.Sleep(30 * time.Millisecond) // long enough for the other creates to start, if allowed
	k.mu.Lock()
	defer k.mu.Unlock()
	k.active--
	k.created[c.KindName] = c.NodeImage
	k.exists[c.KindName] = len(c.Nodes)
	return nil
}
func (k *fakeKind) Nodes(string) ([]nodes.Node, error) { return nil, nil }
func (k *fakeKind) Kubeconfig(string) (string, error)  { return kubeconfig, nil }

// fakeEngine has every image and counts derived builds.
type fakeEngine struct {
	mu    sync.Mutex
	built map[string]docker.DerivedNodeImage
}

func (f *fakeEngine) EnsureNetwork(context.Context, docker.NetworkSpec) (bool, error) {
	return false, nil
}
func (f *fakeEngine) SelfImage(context.Context, *status.Status) (string, error) {
	return "netlab.local/netlab:t", nil
}
func (f *fakeEngine) LoadImages(context.Context, *status.Status, docker.KindImageLoad) error {
	return nil
}
func (f *fakeEngine) EnsureTGW(context.Context, tgwctr.ContainerSpec) (string, error) { return "", nil }
func (f *fakeEngine) EnsureContainer(context.Context, docker.ContainerSpec) error     { return nil }
func (f *fakeEngine) Exec(context.Context, string, []string, io.Reader) (docker.ExecResult, error) {
	return docker.ExecResult{}, nil
}
func (f *fakeEngine) ContainerState(context.Context, string) (string, error) { return "running", nil }
func (f *fakeEngine) InspectImage(_ context.Context, ref string) (docker.ImageInfo, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if d, ok := f.built[ref]; ok {
		return docker.ImageInfo{ID: "sha256:d", Labels: map[string]string{docker.LabelDerivedKey: d.Key}}, true, nil
	}
	return docker.ImageInfo{ID: "sha256:" + ref}, !strings.HasPrefix(ref, nodeimage.Repo), nil
}
func (f *fakeEngine) BuildDerivedNodeImage(_ context.Context, _ *status.Status, d docker.DerivedNodeImage) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.built[d.Tag] = d
	return nil
}
func (f *fakeEngine) Images(context.Context, string) ([]docker.Image, error) { return nil, nil }
func (f *fakeEngine) RemoveImage(context.Context, string) error              { return nil }

func run(t *testing.T, derived bool, existing ...string) (*fakeKind, *fakeEngine, *labstate.State, *plan.Plan) {
	t.Helper()
	return runIn(t, "tgw-two-vpc", derived, 0, existing...)
}

func runIn(t *testing.T, scenario string, derived bool, parallelism int, existing ...string) (*fakeKind, *fakeEngine, *labstate.State, *plan.Plan) {
	t.Helper()
	t.Setenv("NETLAB_STATE_DIR", t.TempDir())
	p := testplan.Builtin(t, scenario)
	st := &labstate.State{Lab: p.Lab}
	k := &fakeKind{exists: map[string]int{}, created: map[string]string{}}
	for _, c := range p.Clusters {
		for _, e := range existing {
			if c.Name == e {
				k.exists[c.KindName] = len(c.Nodes)
				if err := st.Begin("cluster/" + c.Name); err != nil {
					t.Fatal(err)
				}
				if err := st.End("cluster/"+c.Name, nil); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	eng := &fakeEngine{built: map[string]docker.DerivedNodeImage{}}
	sc := steps.New(steps.Config{Plan: p, State: st, Engine: eng, Kind: k, Components: component.Builtin(component.Options{}), DerivedImages: derived, ClusterParallelism: parallelism})
	if err := Step().Run(context.Background(), sc); err != nil {
		t.Fatal(err)
	}
	return k, eng, st, p
}

// New clusters are created from the derived node image (one build for clusters with the same
// images), recorded in the lab's state; the plan keeps its node image.
func TestNewClustersRunTheDerivedImage(t *testing.T) {
	k, eng, st, p := run(t, true)
	if len(eng.built) != 1 || len(k.created) != len(p.Clusters) {
		t.Fatalf("%d builds, %d clusters created; want 1 and %d", len(eng.built), len(k.created), len(p.Clusters))
	}
	for _, c := range p.Clusters {
		img := k.created[c.KindName]
		if _, ok := eng.built[img]; !ok {
			t.Errorf("cluster %s created from %s, want the derived image", c.Name, img)
		}
		if st.NodeImages[c.Name] != img {
			t.Errorf("state records %q for %s, want %s", st.NodeImages[c.Name], c.Name, img)
		}
		if c.NodeImage == img {
			t.Errorf("the plan's node image of %s was replaced", c.Name)
		}
	}
}

// An existing cluster is kept whatever it runs, and builds nothing; off, new clusters run the
// plan's node image.
func TestExistingClustersAndTheWayBack(t *testing.T) {
	p := testplan.Builtin(t, "tgw-two-vpc")
	k, eng, _, _ := run(t, true, p.Clusters[0].Name, p.Clusters[1].Name)
	if len(eng.built) != 0 || len(k.created) != 0 {
		t.Fatalf("existing clusters: %d builds, created %v; want none", len(eng.built), k.created)
	}
	k, eng, st, p := run(t, false)
	for _, c := range p.Clusters {
		if k.created[c.KindName] != c.NodeImage || st.NodeImages[c.Name] != c.NodeImage {
			t.Errorf("--no-derived-image: %s created from %s (recorded %s), want %s", c.Name, k.created[c.KindName], st.NodeImages[c.Name], c.NodeImage)
		}
	}
	if len(eng.built) != 0 {
		t.Fatalf("--no-derived-image built %d images", len(eng.built))
	}
}

// ClusterParallelism bounds the creates under way at once; 0 creates every cluster at once.
func TestClusterParallelism(t *testing.T) {
	for _, c := range []struct{ limit, want int }{{0, 3}, {1, 1}, {2, 2}, {5, 3}} {
		k, _, _, p := runIn(t, "tgw-isolated-spokes", false, c.limit)
		if len(p.Clusters) != 3 || len(k.created) != 3 {
			t.Fatalf("limit %d: %d clusters planned, %d created; want 3 and 3", c.limit, len(p.Clusters), len(k.created))
		}
		if k.peak != c.want {
			t.Errorf("limit %d: %d creates at once, want %d", c.limit, k.peak, c.want)
		}
	}
}

// An expired context stops the creates that wait for a slot.
func TestClusterParallelismStopsWaitingOnCancel(t *testing.T) {
	t.Setenv("NETLAB_STATE_DIR", t.TempDir())
	p := testplan.Builtin(t, "tgw-isolated-spokes")
	k := &fakeKind{exists: map[string]int{}, created: map[string]string{}}
	sc := steps.New(steps.Config{Plan: p, State: &labstate.State{Lab: p.Lab}, Engine: &fakeEngine{built: map[string]docker.DerivedNodeImage{}},
		Kind: k, Components: component.Builtin(component.Options{}), ClusterParallelism: 1})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Step().Run(ctx, sc); err == nil || len(k.created) != 0 {
		t.Fatalf("cancelled: err %v, created %v; want an error and nothing created", err, k.created)
	}
}
