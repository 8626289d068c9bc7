package provision

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"reflect"
	"strings"
	"sync"
	"syscall"

	"github.com/moby/moby/client"
	"github.com/netlab-dev/netlab/docker"
	"github.com/netlab-dev/netlab/labstate"
	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/provision/cluster"
	"github.com/netlab-dev/netlab/provision/kube"
	"github.com/netlab-dev/netlab/provision/metallb"
	"github.com/netlab-dev/netlab/provision/preflight"
)

// Measured costs on a 2-core host (shared/notes/offline-kind.md): a control plane uses about
// 450 MiB, a worker about 100 MiB, and each node about 1 GB of disk.
const (
	controlPlaneMiB = 450
	workerMiB       = 100
	nodeDiskMiB     = 1024
)

// Up builds the lab of plan p, or finishes a lab whose earlier 'up' stopped part-way.
// scenario names the source file for the record.
func Up(ctx context.Context, p *plan.Plan, scenario string, opts Options) error {
	opts.defaults()
	pr := &progress{out: opts.Out}
	pr.line("Creating lab %q (%d cluster%s) ...", p.Lab, len(p.Clusters), plural(len(p.Clusters)))

	var eng *docker.Engine
	if err := pr.run("Preflight: Docker, kernel features, memory, disk", func() error {
		var err error
		eng, err = Preflight(ctx, p)
		return err
	}); err != nil {
		return err
	}
	defer eng.Close()

	st, err := recordPlan(p, scenario)
	if err != nil {
		return err
	}
	r := &runner{p: p, st: st, eng: eng, opts: opts, pr: pr, kind: &cluster.Provider{KubeconfigPath: opts.KubeconfigPath}, clients: map[string]*kube.Client{}}
	type step struct {
		name, title string
		fn          func(context.Context) error
	}
	steps := []step{
		{"networks", "Creating VPC networks", r.networks},
		{"clusters", "Creating kind clusters", r.clusters},
		{"guard", "Keeping lab traffic on this machine (unreachable routes on the nodes)", r.guard},
		{"images", "Loading images into the nodes", r.images},
		{"cni", "Installing the CNI", r.cni},
		{"metallb", "Installing MetalLB", r.metallb},
	}
	if p.TransitGateway != nil {
		steps = append(steps, step{"tgw", "Starting the transit gateway and routing the VPCs through it", r.tgw})
	}
	steps = append(steps, step{"ready", "Waiting for every node to be Ready", r.ready})
	for _, s := range steps {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := st.Begin(s.name); err != nil {
			return err
		}
		err := pr.run(s.title, func() error { return s.fn(ctx) })
		if serr := st.End(s.name, err); serr != nil && err == nil {
			err = serr
		}
		if err != nil {
			return fmt.Errorf("%s: %w\nThe lab is left as it is; fix the cause and run 'netlab up' again to finish it, or 'netlab down %s' to remove it", s.title, err, p.Lab)
		}
	}
	if p.Istio != nil {
		pr.line(" - Istio mesh %s: not installed by this version of netlab", p.Istio.MeshID)
	}
	pr.line("Lab %q is up. Contexts: %s", p.Lab, strings.Join(contexts(p), ", "))
	return nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func contexts(p *plan.Plan) []string {
	var out []string
	for _, c := range p.Clusters {
		out = append(out, c.Context)
	}
	return out
}

// Preflight checks everything 'up' needs before it creates anything, and fails at once, naming
// what is missing. It returns a connected engine.
func Preflight(ctx context.Context, p *plan.Plan) (*docker.Engine, error) {
	var errs []error
	for _, c := range p.Clusters {
		if _, err := lookupCNI(c.CNI.Type); err != nil {
			errs = append(errs, fmt.Errorf("cluster %s: %w", c.Name, err))
		}
	}
	needs := map[string][]string{}
	for _, c := range p.Clusters {
		needs[c.Name] = c.KernelFeatures
	}
	if err := preflight.CheckKernel(needs); err != nil {
		errs = append(errs, err)
	}
	var cp, w int
	for _, c := range p.Clusters {
		for _, n := range c.Nodes {
			if n.Role == "control-plane" {
				cp++
			} else {
				w++
			}
		}
	}
	needMiB := int64(cp*controlPlaneMiB + w*workerMiB)
	if avail, ok := memAvailableMiB(); ok && avail < needMiB {
		errs = append(errs, fmt.Errorf("the lab needs about %d MiB of memory (%d control planes x %d MiB + %d workers x %d MiB) and %d MiB are available; free memory or use a smaller scenario", needMiB, cp, controlPlaneMiB, w, workerMiB, avail))
	}
	if err := inotifyCheck(cp+w, "/proc/sys/fs/inotify/max_user_instances"); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	eng, err := docker.Connect(ctx)
	if err != nil {
		return nil, err
	}
	info, err := eng.C.Info(ctx, client.InfoOptions{})
	if err == nil && info.Info.DockerRootDir != "" {
		needDisk := int64(cp+w) * nodeDiskMiB
		if free, ok := freeMiB(info.Info.DockerRootDir); ok && free < needDisk {
			eng.Close()
			return nil, fmt.Errorf("the lab needs about %d MiB of disk in %s (about 1 GB per node) and %d MiB are free; free disk space ('docker system prune') or use a smaller scenario", needDisk, info.Info.DockerRootDir, free)
		}
	}
	return eng, nil
}

func memAvailableMiB() (int64, bool) {
	data, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(data), "\n") {
		var kb int64
		if n, _ := fmt.Sscanf(line, "MemAvailable: %d kB", &kb); n == 1 {
			return kb / 1024, true
		}
	}
	return 0, false
}

func freeMiB(path string) (int64, bool) {
	var s syscall.Statfs_t
	if err := syscall.Statfs(path, &s); err != nil {
		return 0, false
	}
	return int64(s.Bavail) * int64(s.Bsize) / (1 << 20), true
}

// recordPlan saves the plan in the lab's state. For an existing lab, it refuses a plan whose
// changes cannot be applied in place, saying what would have to be recreated.
func recordPlan(p *plan.Plan, scenario string) (*labstate.State, error) {
	st, err := labstate.Load(p.Lab)
	switch {
	case errors.Is(err, labstate.ErrNoLab):
		st = &labstate.State{Lab: p.Lab}
	case err != nil:
		return nil, err
	default:
		if unsafe := UnsafeChanges(st.Plan, p); len(unsafe) > 0 {
			return nil, fmt.Errorf("lab %s exists and the scenario changed in ways that cannot be applied in place:\n  - %s\nRun 'netlab down %s' and then 'netlab up' to recreate it", p.Lab, strings.Join(unsafe, "\n  - "), p.Lab)
		}
	}
	st.Scenario, st.Plan = scenario, p
	return st, st.Save()
}

// UnsafeChanges lists the differences between two plans of one lab that need something recreated:
// a VPC's addressing, a cluster's nodes, ranges, CNI, kube-proxy mode or image, a removed cluster.
// Added clusters, MetalLB pools, policies and check selections are applied in place.
func UnsafeChanges(old, new *plan.Plan) []string {
	if old == nil {
		return nil
	}
	var out []string
	for _, ov := range old.VPCs {
		nv, ok := new.VPC(ov.Name)
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("VPC %s was removed", ov.Name))
		case ov.MTU != nv.MTU || !reflect.DeepEqual(ov.Subnets, nv.Subnets) && !subnetsEqualIgnoringTGW(ov.Subnets, nv.Subnets):
			out = append(out, fmt.Sprintf("VPC %s changed its subnets or MTU (its Docker networks and every cluster in it would be recreated)", ov.Name))
		}
	}
	for _, oc := range old.Clusters {
		nc, ok := new.Cluster(oc.Name)
		if !ok {
			out = append(out, fmt.Sprintf("cluster %s was removed from the scenario", oc.Name))
			continue
		}
		type field struct {
			name     string
			old, new any
		}
		for _, f := range []field{
			{"network", oc.Network, nc.Network},
			{"node image", oc.NodeImage, nc.NodeImage},
			{"nodes", oc.Nodes, nc.Nodes},
			{"podCIDR", oc.PodCIDR, nc.PodCIDR},
			{"serviceCIDR", oc.ServiceCIDR, nc.ServiceCIDR},
			{"CNI", oc.CNI.Type + "/" + oc.CNI.Mode, nc.CNI.Type + "/" + nc.CNI.Mode},
			{"kube-proxy mode", oc.KubeProxyMode, nc.KubeProxyMode},
		} {
			if !reflect.DeepEqual(f.old, f.new) {
				out = append(out, fmt.Sprintf("cluster %s: %s changed from %v to %v (the cluster would be recreated)", oc.Name, f.name, f.old, f.new))
			}
		}
	}
	return out
}

// subnetsEqualIgnoringTGW compares subnets without the TGW address, which follows attachments.
func subnetsEqualIgnoringTGW(a, b []plan.SubnetPlan) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		x.TGWAddress, y.TGWAddress = netip.Addr{}, netip.Addr{}
		if x != y {
			return false
		}
	}
	return true
}

// runner holds what the steps share.
type runner struct {
	p       *plan.Plan
	st      *labstate.State
	eng     *docker.Engine
	kind    *cluster.Provider
	opts    Options
	pr      *progress
	mu      sync.Mutex
	clients map[string]*kube.Client
	// self is netlab's own image (probe, TGW), built by the images step.
	self string
}

func (r *runner) networks(ctx context.Context) error {
	return ensureNetworks(ctx, r.eng, r.p, r.pr)
}

// EnsureNetworks creates the plan's VPC networks that do not exist yet (for tools and benchmarks
// that need the lab's networks without the rest of 'up').
func EnsureNetworks(ctx context.Context, eng *docker.Engine, p *plan.Plan) error {
	return ensureNetworks(ctx, eng, p, &progress{out: io.Discard})
}

func ensureNetworks(ctx context.Context, eng *docker.Engine, p *plan.Plan, pr *progress) error {
	for _, v := range p.VPCs {
		for _, s := range v.Subnets {
			spec := docker.NetworkSpec{
				Name: s.Network, Subnet: s.CIDR, Gateway: s.Gateway,
				IPRange: s.NodeRange, MTU: v.MTU, Lab: p.Lab, VPC: v.Name, SubnetTag: s.Name,
			}
			created, err := eng.EnsureNetwork(ctx, spec)
			if err != nil {
				return err
			}
			verb := "exists"
			if created {
				verb = "created"
			}
			pr.line("   network %s (%s) %s", s.Network, s.CIDR, verb)
		}
	}
	return nil
}

// clusters creates the clusters in parallel (see package cluster for how kind's network variable
// is serialised). A cluster whose creation did not finish in an earlier run is deleted first.
func (r *runner) clusters(ctx context.Context) error {
	var wg sync.WaitGroup
	errs := make([]error, len(r.p.Clusters))
	for i, c := range r.p.Clusters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = r.cluster(ctx, c)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

func (r *runner) cluster(ctx context.Context, c plan.ClusterPlan) error {
	step := "cluster/" + c.Name
	exists, n, err := r.kind.Exists(c.KindName)
	if err != nil {
		return fmt.Errorf("cluster %s: ask kind: %w", c.Name, err)
	}
	r.mu.Lock()
	done := r.st.Done(step)
	r.mu.Unlock()
	if exists && done && n == len(c.Nodes) {
		r.pr.line("   cluster %s exists (%d nodes)", c.KindName, n)
		return r.saveKubeconfig(c)
	}
	if exists {
		r.pr.line("   cluster %s is half-made (%d of %d nodes, creation did not finish): deleting it", c.KindName, n, len(c.Nodes))
		if err := r.kind.Delete(c.KindName); err != nil {
			return fmt.Errorf("cluster %s: delete the half-made cluster: %w", c.Name, err)
		}
	}
	r.mu.Lock()
	r.st.Begin(step)
	r.mu.Unlock()
	err = r.kind.Create(r.p.Lab, c, func(s string) { r.pr.line("   %s", s) })
	if err == nil {
		err = r.saveKubeconfig(c)
	}
	r.mu.Lock()
	r.st.End(step, err)
	r.mu.Unlock()
	return err
}

func (r *runner) saveKubeconfig(c plan.ClusterPlan) error {
	kc, err := r.kind.Kubeconfig(c.KindName)
	if err != nil {
		return fmt.Errorf("cluster %s: kubeconfig: %w", c.Name, err)
	}
	if err := labstate.WriteFile(r.p.Lab, "kubeconfig-"+c.Name, []byte(kc)); err != nil {
		return err
	}
	client, err := kube.New(c.Name, []byte(kc))
	if err != nil {
		return err
	}
	r.mu.Lock()
	r.clients[c.Name] = client
	r.mu.Unlock()
	return nil
}

// client returns the cluster's client, building it from the saved kubeconfig when needed.
func (r *runner) client(c plan.ClusterPlan) (*kube.Client, error) {
	r.mu.Lock()
	kc, ok := r.clients[c.Name]
	r.mu.Unlock()
	if ok {
		return kc, nil
	}
	if err := r.saveKubeconfig(c); err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.clients[c.Name], nil
}

// images side-loads what the lab's Pods run into every node, reading each image from the host once.
func (r *runner) images(ctx context.Context) error {
	self, err := EnsureSelfImage(ctx, r.eng, func(s string) { r.pr.line("   %s", s) })
	if err != nil {
		return fmt.Errorf("netlab's own image: %w", err)
	}
	r.self = self
	for _, c := range r.p.Clusters {
		refs, err := clusterImages(c)
		if err != nil {
			return err
		}
		refs = append(refs, self)
		ns, err := r.kind.Nodes(c.KindName)
		if err != nil {
			return fmt.Errorf("cluster %s: list nodes: %w", c.Name, err)
		}
		if err := cluster.LoadImages(ctx, r.eng.C, ns, refs, r.opts.Offline, func(s string) { r.pr.line("   [%s] %s", c.Name, s) }); err != nil {
			return fmt.Errorf("cluster %s: %w", c.Name, err)
		}
	}
	return nil
}

func clusterImages(c plan.ClusterPlan) ([]string, error) {
	cni, err := lookupCNI(c.CNI.Type)
	if err != nil {
		return nil, err
	}
	refs := cni.Images(c)
	if c.MetalLB != nil {
		refs = append(refs, metallb.Images()...)
	}
	return refs, nil
}

func (r *runner) cni(ctx context.Context) error {
	return r.eachCluster(func(c plan.ClusterPlan, kc *kube.Client) error {
		cni, err := lookupCNI(c.CNI.Type)
		if err != nil {
			return err
		}
		objs, err := cni.Objects(c)
		if err != nil {
			return fmt.Errorf("cluster %s: render %s: %w", c.Name, c.CNI.Type, err)
		}
		if err := kc.Apply(ctx, objs); err != nil {
			return err
		}
		return cni.Wait(ctx, kc, c, r.opts.ReadyTimeout)
	})
}

func (r *runner) ready(ctx context.Context) error {
	return r.eachCluster(func(c plan.ClusterPlan, kc *kube.Client) error {
		return kc.WaitNodesReady(ctx, len(c.Nodes), r.opts.ReadyTimeout)
	})
}

// eachCluster runs fn for every cluster in parallel and joins the errors.
func (r *runner) eachCluster(fn func(plan.ClusterPlan, *kube.Client) error) error {
	var wg sync.WaitGroup
	errs := make([]error, len(r.p.Clusters))
	for i, c := range r.p.Clusters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			kc, err := r.client(c)
			if err != nil {
				errs[i] = err
				return
			}
			errs[i] = fn(c, kc)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// inotifyCheck refuses a lab of more than four nodes on a host whose inotify instance limit is
// below 512: measured here, eight kind nodes fail in kubeadm at the default 128 (kubelet and
// containerd in every node take their instances from the host's one per-user budget).
func inotifyCheck(nodes int, path string) error {
	data, err := os.ReadFile(path)
	if err != nil || nodes <= 4 {
		return nil
	}
	var limit int
	if _, err := fmt.Sscan(strings.TrimSpace(string(data)), &limit); err != nil || limit >= 512 {
		return nil
	}
	return fmt.Errorf("the lab has %d nodes and fs.inotify.max_user_instances is %d: kind nodes fail to start above four nodes at this limit; raise it with 'sysctl -w fs.inotify.max_user_instances=512' (ci/setup.d/20-docker.sh does) or use a smaller scenario", nodes, limit)
}
