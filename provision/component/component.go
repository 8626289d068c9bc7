// Package component is what 'up' installs into a cluster beside Kubernetes itself: its CNI (one per
// cluster, chosen by the scenario's cni.type) and its add-ons (MetalLB and the ingress controller).
// Each component is a value implementing CNI or Addon; Builtin lists them explicitly, in one place,
// and the steps ask the Registry for them.
package component

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/provision/cni/calico"
	"github.com/netlab-dev/netlab/provision/cni/cilium"
	"github.com/netlab-dev/netlab/provision/cni/flannel"
	"github.com/netlab-dev/netlab/provision/helm"
	"github.com/netlab-dev/netlab/provision/images"
	"github.com/netlab-dev/netlab/provision/kube"
	"github.com/netlab-dev/netlab/provision/metallb"
	"github.com/netlab-dev/netlab/provision/traefik"
)

// CNI installs a cluster's network plugin.
type CNI interface {
	// Name is the scenario's cni.type that selects it.
	Name() string
	// Images are the images its Pods run; 'up' side-loads them into every node.
	Images(c plan.ClusterPlan) []string
	// Supports returns why this build cannot install cluster c's mode of the plug-in, or nil. It
	// is asked at preflight, before anything is created.
	Supports(c plan.ClusterPlan) error
	// DataPlane names what moves cluster c's Pod packets, for 'netlab status'.
	DataPlane(c plan.ClusterPlan) string
	// Install applies the plugin to cluster c and returns when it is ready on every node, or
	// when timeout has passed on one of its waits. It is a reconcile: running it again on an
	// installed cluster changes nothing.
	Install(ctx context.Context, kc *kube.Client, c plan.ClusterPlan, timeout time.Duration) error
}

// ImageChecker is a CNI whose modes depend on what the host's copy of its images holds: the
// hermetic build of an image may lack a daemon upstream's has. 'up' asks it once the lab's images
// are on the host, before anything of the lab is created.
type ImageChecker interface {
	// CheckImages returns why cluster c cannot run on the host's copies of its images, or nil.
	CheckImages(c plan.ClusterPlan, host images.Host) error
}

// PodRanger is a CNI whose IPAM does not hand out each node's Node.spec.podCIDR: it says which
// Pod ranges each node holds, for the routes to them (the transit gateway's per-node routes).
type PodRanger interface {
	// PodRanges maps each node's name to the Pod ranges it holds, read from cluster c.
	PodRanges(ctx context.Context, kc *kube.Client, c plan.ClusterPlan) (map[string][]string, error)
}

// Healther is a CNI that can say how its agents are, as its users check them (Cilium's
// 'cilium-dbg status'), for 'netlab status'.
type Healther interface {
	// Health is one line: "" when it cannot tell, else what the agents report.
	Health(ctx context.Context, kc *kube.Client, c plan.ClusterPlan) string
}

// Fetcher is a CNI that needs something from outside the cluster to install (a chart archive).
// 'up' asks it once, with the images, before anything of the lab is created.
type Fetcher interface {
	Fetch(ctx context.Context) error
}

// Unbuildable is a CNI whose images netlab's local image builder cannot make: on a host without
// them (and offline), the refusal says why and the ways out.
type Unbuildable interface {
	WhyNotBuilt() string
}

// Addon installs something a cluster may have beside its CNI.
type Addon interface {
	// Name names it in messages ("MetalLB").
	Name() string
	// Enabled says whether cluster c's plan asks for it.
	Enabled(c plan.ClusterPlan) bool
	// Images are the images its Pods run in cluster c.
	Images(c plan.ClusterPlan) []string
	// Install applies it to cluster c and waits until it works, each wait bounded by timeout.
	// It is a reconcile, like CNI.Install.
	Install(ctx context.Context, kc *kube.Client, c plan.ClusterPlan, timeout time.Duration) error
	// Status is its line for 'netlab status' in cluster c ("MetalLB pool 10.0.1.200-10.0.1.220").
	Status(c plan.ClusterPlan) string
}

// Registry holds the components this netlab can install.
type Registry struct {
	cnis   []CNI
	addons []Addon
}

// Options are what the components need from the command line.
type Options struct {
	// Charts finds the chart archives of chart-installed components (Cilium).
	Charts helm.Source
	// RegistryMirror, when set, replaces quay.io in Cilium's image names.
	RegistryMirror string
}

// Builtin is every component of this version of netlab, in install order.
func Builtin(opts Options) *Registry {
	reg := &Registry{}
	reg.AddCNI(flannel.CNI{})
	reg.AddCNI(calico.CNI{})
	reg.AddCNI(cilium.CNI{Charts: opts.Charts, Mirror: opts.RegistryMirror})
	reg.AddAddon(metallb.Addon{})
	reg.AddAddon(traefik.Addon{}) // after MetalLB: its Service takes an address from the pool
	return reg
}

// AddCNI makes c available under its name. Two CNIs of one name are a programming error.
func (r *Registry) AddCNI(c CNI) {
	if _, err := r.CNI(c.Name()); err == nil {
		panic("component: CNI " + c.Name() + " added twice")
	}
	r.cnis = append(r.cnis, c)
}

// AddAddon appends an add-on; add-ons are installed in the order they are added.
func (r *Registry) AddAddon(a Addon) { r.addons = append(r.addons, a) }

// CNI returns the CNI of that name, or an error naming the available ones.
func (r *Registry) CNI(name string) (CNI, error) {
	for _, c := range r.cnis {
		if c.Name() == name {
			return c, nil
		}
	}
	return nil, fmt.Errorf("CNI %q cannot be installed by this version of netlab (available: %s)", name, strings.Join(r.CNINames(), ", "))
}

// Check says why cluster c's CNI cannot be installed: no such CNI in this build, or a mode it
// does not support; nil when it can be.
func (r *Registry) Check(c plan.ClusterPlan) error {
	cni, err := r.CNI(c.CNI.Type)
	if err != nil {
		return err
	}
	return cni.Supports(c)
}

// CheckImages asks cluster c's CNI about the host's images, when it is an ImageChecker.
func (r *Registry) CheckImages(c plan.ClusterPlan, host images.Host) error {
	cni, err := r.CNI(c.CNI.Type)
	if err != nil {
		return err
	}
	if ic, ok := cni.(ImageChecker); ok {
		return ic.CheckImages(c, host)
	}
	return nil
}

// PodRanges asks cluster c's CNI which Pod ranges each node holds. ok is false when the CNI
// allocates from Node.spec.podCIDR (it is no PodRanger): read that instead.
func (r *Registry) PodRanges(ctx context.Context, kc *kube.Client, c plan.ClusterPlan) (ranges map[string][]string, ok bool, err error) {
	cni, err := r.CNI(c.CNI.Type)
	if err != nil {
		return nil, false, err
	}
	pr, ok := cni.(PodRanger)
	if !ok {
		return nil, false, nil
	}
	ranges, err = pr.PodRanges(ctx, kc, c)
	return ranges, true, err
}

// DataPlane is cluster c's CNI's data plane line, or "" for a CNI this build does not have.
func (r *Registry) DataPlane(c plan.ClusterPlan) string {
	cni, err := r.CNI(c.CNI.Type)
	if err != nil {
		return ""
	}
	return cni.DataPlane(c)
}

// CNINames lists the CNIs' names, sorted.
func (r *Registry) CNINames() []string {
	var out []string
	for _, c := range r.cnis {
		out = append(out, c.Name())
	}
	sort.Strings(out)
	return out
}

// Addons lists the add-ons enabled in cluster c, in install order.
func (r *Registry) Addons(c plan.ClusterPlan) []Addon {
	var out []Addon
	for _, a := range r.addons {
		if a.Enabled(c) {
			out = append(out, a)
		}
	}
	return out
}

// Images lists what cluster c's CNI and enabled add-ons run.
func (r *Registry) Images(c plan.ClusterPlan) ([]string, error) {
	cni, err := r.CNI(c.CNI.Type)
	if err != nil {
		return nil, err
	}
	refs := cni.Images(c)
	for _, a := range r.Addons(c) {
		refs = append(refs, a.Images(c)...)
	}
	return refs, nil
}

// Status lists the status lines of cluster c's enabled add-ons.
func (r *Registry) Status(c plan.ClusterPlan) []string {
	var out []string
	for _, a := range r.Addons(c) {
		out = append(out, a.Status(c))
	}
	return out
}

// Fetch asks cluster c's CNI for what it needs from outside the cluster, when it is a Fetcher.
func (r *Registry) Fetch(ctx context.Context, c plan.ClusterPlan) error {
	cni, err := r.CNI(c.CNI.Type)
	if err != nil {
		return err
	}
	if f, ok := cni.(Fetcher); ok {
		return f.Fetch(ctx)
	}
	return nil
}

// WhyNotBuilt says why some of refs, images of cluster c's CNI, cannot be built locally; "" when
// the CNI's images can be (or refs holds none of them).
func (r *Registry) WhyNotBuilt(c plan.ClusterPlan, refs []string) string {
	cni, err := r.CNI(c.CNI.Type)
	if err != nil {
		return ""
	}
	u, ok := cni.(Unbuildable)
	if !ok {
		return ""
	}
	for _, own := range cni.Images(c) {
		for _, ref := range refs {
			if ref == own {
				return u.WhyNotBuilt()
			}
		}
	}
	return ""
}

// Health asks cluster c's CNI how its agents are, when it is a Healther; "" otherwise.
func (r *Registry) Health(ctx context.Context, kc *kube.Client, c plan.ClusterPlan) string {
	cni, err := r.CNI(c.CNI.Type)
	if err != nil {
		return ""
	}
	if h, ok := cni.(Healther); ok {
		return h.Health(ctx, kc, c)
	}
	return ""
}
