package steps

import (
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"sigs.k8s.io/kind/pkg/cluster/nodes"

	"github.com/netlab-dev/netlab/docker"
	"github.com/netlab-dev/netlab/internal/names"
	"github.com/netlab-dev/netlab/internal/status"
	"github.com/netlab-dev/netlab/internal/testplan"
	"github.com/netlab-dev/netlab/labstate"
	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/provision/component"
	"github.com/netlab-dev/netlab/provision/kube"
	"github.com/netlab-dev/netlab/provision/nodeimage"
	tgwctr "github.com/netlab-dev/netlab/provision/tgw"
)

// fakeEngine counts how often netlab's image is made, and derived node images built. Every image
// is on its host; derived ones once built.
type fakeEngine struct {
	selfCalls atomic.Int32
	mu        sync.Mutex
	derived   map[string]docker.DerivedNodeImage
	buildErr  error
}

func (f *fakeEngine) InspectImage(_ context.Context, ref string) (docker.ImageInfo, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if strings.HasPrefix(ref, nodeimage.Repo+":") {
		d, ok := f.derived[ref]
		return docker.ImageInfo{ID: "sha256:d", Labels: map[string]string{docker.LabelDerivedKey: d.Key}}, ok, nil
	}
	return docker.ImageInfo{ID: "sha256:" + ref}, true, nil
}
func (f *fakeEngine) Images(context.Context, string) ([]docker.Image, error) { return nil, nil }
func (f *fakeEngine) RemoveImage(context.Context, string) error              { return nil }
func (f *fakeEngine) BuildDerivedNodeImage(_ context.Context, _ *status.Status, d docker.DerivedNodeImage) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.buildErr != nil {
		return f.buildErr
	}
	if f.derived == nil {
		f.derived = map[string]docker.DerivedNodeImage{}
	}
	f.derived[d.Tag] = d
	return nil
}

func (f *fakeEngine) EnsureNetwork(context.Context, docker.NetworkSpec) (bool, error) {
	return false, nil
}
func (f *fakeEngine) SelfImage(context.Context, *status.Status) (string, error) {
	f.selfCalls.Add(1)
	return "netlab.local/netlab:self-1234", nil
}
func (f *fakeEngine) LoadImages(context.Context, *status.Status, docker.KindImageLoad) error {
	return nil
}
func (f *fakeEngine) EnsureTGW(context.Context, tgwctr.ContainerSpec) (string, error) {
	return "", nil
}
func (f *fakeEngine) EnsureContainer(context.Context, docker.ContainerSpec) error { return nil }
func (f *fakeEngine) Exec(context.Context, string, []string, io.Reader) (docker.ExecResult, error) {
	return docker.ExecResult{}, nil
}
func (f *fakeEngine) ContainerState(context.Context, string) (string, error) { return "running", nil }

// fakeKind counts kubeconfig and node lookups per cluster.
type fakeKind struct {
	mu          sync.Mutex
	kubeconfigs map[string]int
	lists       map[string]int
}

func (k *fakeKind) Exists(string) (bool, int, error)                      { return true, 1, nil }
func (k *fakeKind) Delete(string) error                                   { return nil }
func (k *fakeKind) Create(string, plan.ClusterPlan, *status.Status) error { return nil }
func (k *fakeKind) count(m map[string]int, name string)                   { k.mu.Lock(); m[name]++; k.mu.Unlock() }
func (k *fakeKind) Kubeconfig(name string) (string, error) {
	k.count(k.kubeconfigs, name)
	return "kubeconfig of " + name, nil
}
func (k *fakeKind) Nodes(name string) ([]nodes.Node, error) {
	k.count(k.lists, name)
	if name == "broken" {
		return nil, errors.New("kind: no such cluster")
	}
	return nil, nil
}

func newTestContext(t *testing.T) (*StepContext, *fakeEngine, *fakeKind) {
	t.Helper()
	t.Setenv("NETLAB_STATE_DIR", t.TempDir())
	p := testplan.Builtin(t, "tgw-two-vpc")
	eng, k := &fakeEngine{}, &fakeKind{kubeconfigs: map[string]int{}, lists: map[string]int{}}
	sc := New(Config{Plan: p, State: &labstate.State{Lab: p.Lab}, Engine: eng, Kind: k, Components: component.Builtin(component.Options{})})
	sc.newClient = func(name string, _ []byte) (*kube.Client, error) { return &kube.Client{Name: name}, nil }
	return sc, eng, k
}

// Every accessor computes its value once, however many steps (and goroutines) ask at once.
func TestAccessorsComputeOnceUnderConcurrency(t *testing.T) {
	sc, eng, k := newTestContext(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	clients := make([]*kube.Client, 64)
	for i := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := sc.Plan.Clusters[i%len(sc.Plan.Clusters)]
			if _, err := sc.SelfImage(ctx); err != nil {
				t.Error(err)
			}
			kc, err := sc.Client(c)
			if err != nil {
				t.Error(err)
			}
			clients[i] = kc
			if _, err := sc.Nodes(c); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := eng.selfCalls.Load(); n != 1 {
		t.Errorf("netlab's image was made %d times, want once", n)
	}
	for _, c := range sc.Plan.Clusters {
		if k.kubeconfigs[c.KindName] != 1 || k.lists[c.KindName] != 1 {
			t.Errorf("cluster %s: %d kubeconfig reads, %d node lists; want one each", c.Name, k.kubeconfigs[c.KindName], k.lists[c.KindName])
		}
	}
	for i, kc := range clients {
		if want := sc.Plan.Clusters[i%len(sc.Plan.Clusters)].Name; kc == nil || kc.Name != want || kc != clients[i%len(sc.Plan.Clusters)] {
			t.Fatalf("caller %d got client %v, want the one client of cluster %s", i, kc, want)
		}
	}
	// The client's kubeconfig is saved for 'netlab check' and 'netlab status'.
	a := sc.Plan.Clusters[0]
	if b, err := labstate.ReadFile(sc.Plan.Lab, names.KubeconfigFile(a.Name)); err != nil || string(b) != "kubeconfig of "+a.KindName {
		t.Errorf("saved kubeconfig: %q, %v", b, err)
	}
}

func TestNodesErrorNamesTheCluster(t *testing.T) {
	sc, _, _ := newTestContext(t)
	c := sc.Plan.Clusters[0]
	c.Name, c.KindName = "x", "broken"
	_, err := sc.Nodes(c)
	if err == nil || err.Error() != "cluster x: list nodes: kind: no such cluster" {
		t.Errorf("err = %v", err)
	}
}

func TestStateAccessorsAreSafeForConcurrentSteps(t *testing.T) {
	sc, _, _ := newTestContext(t)
	var wg sync.WaitGroup
	for _, c := range sc.Plan.Clusters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sub := "cluster/" + c.Name
			if err := sc.Begin(sub); err != nil {
				t.Error(err)
			}
			if err := sc.End(sub, nil); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	for _, c := range sc.Plan.Clusters {
		if !sc.Done("cluster/" + c.Name) {
			t.Errorf("cluster/%s not recorded as done", c.Name)
		}
	}
	if err := sc.SetTGWEndpoint("http://127.0.0.1:4566"); err != nil {
		t.Fatal(err)
	}
	st, err := labstate.Load(sc.Plan.Lab)
	if err != nil || st.TGWEndpoint != "http://127.0.0.1:4566" || !st.Done("cluster/a") {
		t.Errorf("saved state: %+v, %v", st, err)
	}
}

// With derived images, clusters with the same node image and side-loaded images share one derived
// image, built once however many ask at once, with netlab's own image among the baked ones; a
// second ask reuses it. Off, or when the build fails (a warning), the nodes run the plan's image.
func TestNodeImage(t *testing.T) {
	ctx := context.Background()
	sc, eng, _ := newTestContext(t)
	c := sc.Plan.Clusters[0]
	if got := sc.NodeImage(ctx, c); got != c.NodeImage || len(eng.derived) != 0 {
		t.Fatalf("off: %s, %d built", got, len(eng.derived))
	}
	sc.DerivedImages = true
	got := make([]string, 8)
	var wg sync.WaitGroup
	for i := range got {
		wg.Add(1)
		go func() { defer wg.Done(); got[i] = sc.NodeImage(ctx, sc.Plan.Clusters[i%len(sc.Plan.Clusters)]) }()
	}
	wg.Wait()
	if len(eng.derived) != 1 {
		t.Fatalf("%d derived images built, want one shared by the clusters", len(eng.derived))
	}
	for _, d := range eng.derived {
		if d.Base != c.NodeImage || !slices.Contains(d.Images, "netlab.local/netlab:self-1234") || !slices.Contains(d.Images, "ghcr.io/flannel-io/flannel:v0.28.10") {
			t.Fatalf("derived %+v: want the plan's node image with flannel and netlab's own image", d)
		}
		for _, g := range got {
			if g != d.Tag {
				t.Fatalf("a cluster got %s, want %s", g, d.Tag)
			}
		}
	}
	if sc.Plan.Clusters[0].NodeImage != c.NodeImage {
		t.Fatal("the plan must keep its node image (plan.Diff compares it)")
	}
	if err := sc.SetNodeImage(c.Name, got[0]); err != nil || sc.state.NodeImages[c.Name] != got[0] {
		t.Fatalf("recorded %v, %v", sc.state.NodeImages, err)
	}

	sc2, eng2, _ := newTestContext(t)
	sc2.DerivedImages = true
	eng2.buildErr = errors.New("no space left on device")
	var out strings.Builder
	sc2.Status = status.New(&out, 0, false)
	if got := sc2.NodeImage(ctx, c); got != c.NodeImage {
		t.Fatalf("failed build: nodes run %s, want %s", got, c.NodeImage)
	}
	if !strings.Contains(out.String(), "warning: cluster "+c.Name+": no derived node image") || !strings.Contains(out.String(), "no space left on device") {
		t.Fatalf("warning: %q", out.String())
	}
}
