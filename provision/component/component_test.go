package component

import (
	"context"
	"github.com/netlab-dev/netlab/provision/cni/cilium"
	"github.com/netlab-dev/netlab/provision/helm"
	"github.com/netlab-dev/netlab/provision/images"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/netlab-dev/netlab/internal/testplan"
	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/provision/cni/flannel"
	"github.com/netlab-dev/netlab/provision/kube"
	"github.com/netlab-dev/netlab/provision/metallb"
)

type fakeCNI struct{ name string }

func (f fakeCNI) Name() string                    { return f.name }
func (fakeCNI) Images(plan.ClusterPlan) []string  { return []string{"fake:1"} }
func (fakeCNI) Supports(plan.ClusterPlan) error   { return nil }
func (fakeCNI) DataPlane(plan.ClusterPlan) string { return "fake" }
func (fakeCNI) Install(context.Context, *kube.Client, plan.ClusterPlan, time.Duration) error {
	return nil
}

func TestBuiltinHasFlannelCalicoCiliumAndMetalLB(t *testing.T) {
	reg := Builtin(Options{})
	if got := reg.CNINames(); !slices.Equal(got, []string{"calico", "cilium", "flannel"}) {
		t.Errorf("CNIs = %q", got)
	}
	p := testplan.Builtin(t, "tgw-two-vpc")
	a, _ := p.Cluster("a")
	refs, err := reg.Images(*a)
	if err != nil {
		t.Fatal(err)
	}
	want := append(flannel.Images(), metallb.Images()...)
	if !slices.Equal(refs, want) {
		t.Errorf("images of cluster a = %q, want flannel's then MetalLB's %q", refs, want)
	}
	if got := reg.Status(*a); len(got) != 1 || got[0] != "MetalLB pool "+strings.Join(a.MetalLB.Addresses, ",") {
		t.Errorf("status of cluster a = %q", got)
	}
	noLB := *a
	noLB.MetalLB = nil
	if got := reg.Addons(noLB); len(got) != 0 {
		t.Errorf("a cluster without a pool has no MetalLB, got %d add-ons", len(got))
	}
	if refs, _ := reg.Images(noLB); !slices.Equal(refs, flannel.Images()) {
		t.Errorf("images without MetalLB = %q", refs)
	}
}

func TestUnknownCNINamesTheAvailableOnes(t *testing.T) {
	reg := &Registry{}
	reg.AddCNI(fakeCNI{"flannel"})
	reg.AddCNI(fakeCNI{"calico"})
	_, err := reg.CNI("cilium")
	if err == nil || !strings.Contains(err.Error(), `CNI "cilium" cannot be installed by this version of netlab (available: calico, flannel)`) {
		t.Errorf("err = %v", err)
	}
	if c, err := reg.CNI("calico"); err != nil || c.Name() != "calico" {
		t.Errorf("calico: %v, %v", c, err)
	}
	p := testplan.Builtin(t, "flannel-basic")
	c := p.Clusters[0]
	c.CNI.Type = "cilium"
	if _, err := reg.Images(c); err == nil {
		t.Error("the images of an unknown CNI must be an error")
	}
}

func TestCheckAsksTheCNIForTheMode(t *testing.T) {
	reg := Builtin(Options{})
	c, ok := testplan.Builtin(t, "cni-matrix").Cluster("calico")
	if !ok {
		t.Fatal("cni-matrix has no calico cluster")
	}
	hermetic := images.StaticHost{Built: true}
	for _, mode := range []string{"vxlan", "ipip", "bgp"} {
		m := *c
		m.CNI.Mode = mode
		if err := reg.Check(m); err != nil {
			t.Errorf("calico %s: %v", mode, err)
		}
		err := reg.CheckImages(m, hermetic)
		if (mode == "vxlan") != (err == nil) {
			t.Errorf("calico %s on the hermetic images: %v", mode, err)
		}
	}
	unknown := *c
	unknown.CNI.Type = "weave"
	if err := reg.Check(unknown); err == nil || !strings.Contains(err.Error(), "available: calico, cilium, flannel") {
		t.Errorf("weave: %v", err)
	}
	fl, _ := testplan.Builtin(t, "cni-matrix").Cluster("flannel")
	if err := reg.CheckImages(*fl, hermetic); err != nil {
		t.Errorf("flannel checks no images: %v", err)
	}
}

func TestAddCNITwicePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("adding a CNI name twice must panic")
		}
	}()
	reg := &Registry{}
	reg.AddCNI(fakeCNI{"flannel"})
	reg.AddCNI(fakeCNI{"flannel"})
}

// Flannel allocates from spec.podCIDR (no PodRanger); Calico says its own ranges.
func TestPodRangesOnlyFromAPodRanger(t *testing.T) {
	reg := Builtin(Options{})
	cm := testplan.Builtin(t, "cni-matrix")
	fl, _ := cm.Cluster("flannel")
	if _, ok, err := reg.PodRanges(context.Background(), nil, *fl); ok || err != nil {
		t.Errorf("flannel: ok %v err %v; want spec.podCIDR to be read instead", ok, err)
	}
	ca, _ := cm.Cluster("calico")
	cni, _ := reg.CNI(ca.CNI.Type)
	if _, ok := cni.(PodRanger); !ok {
		t.Error("calico must say its Pod ranges (its IPAM blocks are not spec.podCIDR)")
	}
}

// Cilium's images are not built by netlab's image builder: the registry says why for them, and
// for no other CNI's; Cilium fetches its chart before anything is created, and an offline host
// without it is refused naming --charts.
func TestCiliumIsUnbuildableAndFetchesItsChart(t *testing.T) {
	cm := testplan.Builtin(t, "cni-matrix")
	ci, _ := cm.Cluster("cilium")
	ca, _ := cm.Cluster("calico")
	reg := Builtin(Options{Charts: helm.Source{Dir: t.TempDir(), Offline: true}})
	refs, _ := reg.Images(*ci)
	if why := reg.WhyNotBuilt(*ci, refs[:1]); !strings.Contains(why, "cannot be built locally") || !strings.Contains(why, "--charts DIR") {
		t.Errorf("Cilium's agent image: %q", why)
	}
	if why := reg.WhyNotBuilt(*ci, []string{"registry.k8s.io/pause:3.10"}); why != "" {
		t.Errorf("an image that is not Cilium's: %q", why)
	}
	calicoRefs, _ := reg.Images(*ca)
	if why := reg.WhyNotBuilt(*ca, calicoRefs); why != "" {
		t.Errorf("Calico's images: %q", why)
	}
	err := reg.Fetch(context.Background(), *ci)
	if err == nil || !strings.Contains(err.Error(), "--offline") || !strings.Contains(err.Error(), "--charts DIR") {
		t.Errorf("offline without the chart: %v", err)
	}
	if err := reg.Fetch(context.Background(), *ca); err != nil {
		t.Errorf("Calico fetches nothing: %v", err)
	}
}

// Cilium answers every optional question 'up' and 'status' ask of a CNI.
var (
	_ PodRanger    = cilium.CNI{}
	_ ImageChecker = cilium.CNI{}
	_ Fetcher      = cilium.CNI{}
	_ Unbuildable  = cilium.CNI{}
	_ Healther     = cilium.CNI{}
)
