// Package live connects the checks to a running lab: it deploys the probe workloads into every
// cluster (a Pod-network DaemonSet, a hostNetwork evidence DaemonSet, Service backends and
// Services), starts a client container on each VPC subnet, and runs the probe's clients inside
// them (Kubernetes exec, docker exec), returning what the servers reported.
//
// Every probe client runs with the lab's own CIDRs as its allowlist, so no check can send a packet
// anywhere else; Lab.Guard refuses such targets before a command is even issued.
package live

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sort"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/docker"
	"github.com/netlab-dev/netlab/internal/names"
	"github.com/netlab-dev/netlab/internal/status"
	"github.com/netlab-dev/netlab/labca"
	"github.com/netlab-dev/netlab/labstate"
	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/probe"
	"github.com/netlab-dev/netlab/provision/images"
	"github.com/netlab-dev/netlab/provision/kube"
)

// ErrUnreachable wraps every failure to reach the lab (no state, Docker or API server down), which
// the CLI maps to exit code 2.
var ErrUnreachable = errors.New("lab unreachable")

// Lab is a running lab, ready for checks after Prepare.
type Lab struct {
	Plan     *plan.Plan
	State    *labstate.State
	Clusters map[string]*Cluster
	// Clients are the VPC client containers by subnet network name.
	Clients map[string]*Client
	// Allow are the only CIDRs a check may target.
	Allow []netip.Prefix
	Image string

	eng   *docker.Engine
	guard *probe.Guard
	locks sync.Map // name -> *sync.RWMutex
	// ca is the lab's CA and tls each ingress cluster's leaf from it (prepareTLS).
	ca  *labca.CA
	tls map[string]labca.Leaf
}

// Cluster is one cluster's nodes and probe Pods (what the checks see) and its API client.
type Cluster struct {
	checks.Cluster
	Kube *kube.Client
}

// The lab's values are the checks' own types.
type (
	Node   = checks.Node
	Pod    = checks.Pod
	Client = checks.Client
	Where  = checks.Where
)

// Open finds the lab's state and connects to Docker and to every cluster's API server.
func Open(ctx context.Context, labName string) (*Lab, error) {
	st, err := labstate.Load(labName)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnreachable, err)
	}
	if st.Plan == nil {
		return nil, fmt.Errorf("%w: lab %s has no recorded plan; run 'netlab up' for it first", ErrUnreachable, labName)
	}
	eng, err := docker.Connect(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnreachable, err)
	}
	l := &Lab{Plan: st.Plan, State: st, Clusters: map[string]*Cluster{}, Clients: map[string]*Client{}, eng: eng}
	l.Allow = append(l.Allow, checks.AllowedTargets(st.Plan)...)
	l.guard = probe.NewGuardPrefixes(l.Allow...)
	for _, c := range st.Plan.Clusters {
		kc, err := labstate.ReadFile(labName, names.KubeconfigFile(c.Name))
		if err != nil {
			eng.Close()
			return nil, fmt.Errorf("%w: cluster %s: no kubeconfig in the lab's state (%v); run 'netlab up %s' to finish the lab", ErrUnreachable, c.Name, err, labName)
		}
		k, err := kube.New(c.Name, kc)
		if err != nil {
			eng.Close()
			return nil, fmt.Errorf("%w: cluster %s: %v", ErrUnreachable, c.Name, err)
		}
		l.Clusters[c.Name] = &Cluster{Cluster: checks.Cluster{Plan: c, Probe: map[string]Pod{}, Host: map[string]Pod{}}, Kube: k}
	}
	for _, c := range l.Clusters {
		pctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		nodes, err := c.Kube.Clientset.CoreV1().Nodes().List(pctx, metav1.ListOptions{})
		cancel()
		if err != nil {
			eng.Close()
			return nil, fmt.Errorf("%w: cluster %s: the API server does not answer: %v", ErrUnreachable, c.Plan.Name, err)
		}
		for _, n := range nodes.Items {
			nd := Node{Name: n.Name, PodCIDR: n.Spec.PodCIDR}
			for _, a := range n.Status.Addresses {
				if a.Type == corev1.NodeInternalIP {
					nd.IP = a.Address
				}
			}
			c.Nodes = append(c.Nodes, nd)
		}
		sort.Slice(c.Nodes, func(i, j int) bool { return c.Nodes[i].Name < c.Nodes[j].Name })
		if c.Plan.CNI.Type == "cilium" {
			rctx, cancel := context.WithTimeout(ctx, 20*time.Second)
			ranges, err := ciliumPodCIDRs(rctx, c)
			cancel()
			if err != nil {
				eng.Close()
				return nil, fmt.Errorf("%w: %v", ErrUnreachable, err)
			}
			for i := range c.Nodes {
				if r := ranges[c.Nodes[i].Name]; len(r) > 0 {
					c.Nodes[i].PodCIDR = r[0]
				}
			}
		}
	}
	return l, nil
}

// Close releases the Docker connection.
func (l *Lab) Close() error { return l.eng.Close() }

func (l *Lab) allowList() []string {
	var out []string
	for _, pf := range l.Allow {
		if !pf.Addr().IsLoopback() {
			out = append(out, pf.String())
		}
	}
	return out
}

// CheckTarget refuses an address outside the lab's own ranges (host:port, ip, or URL host).
func (l *Lab) CheckTarget(target string) error {
	host := target
	if i := strings.Index(host, "://"); i >= 0 {
		host = host[i+3:]
		if j := strings.IndexAny(host, "/?"); j >= 0 {
			host = host[:j]
		}
	}
	if ap, err := netip.ParseAddrPort(host); err == nil {
		return l.guard.CheckAddr(ap.Addr())
	}
	if a, err := netip.ParseAddr(host); err == nil {
		return l.guard.CheckAddr(a)
	}
	return fmt.Errorf("target %q is not an IP address of the lab; the checks only target addresses", target)
}

// Prepare makes netlab's image available in every node, applies the check workloads, waits for them,
// starts the VPC clients and records where every probe Pod runs. It is idempotent.
func (l *Lab) Prepare(ctx context.Context, progress *status.Status) error {
	progress = status.Or(progress)
	img, err := images.EnsureSelfImage(ctx, l.eng, progress)
	if err != nil {
		return fmt.Errorf("netlab's own image: %w", err)
	}
	l.Image = img
	if err := l.prepareTLS(); err != nil {
		return err
	}
	var wg sync.WaitGroup
	errs := make([]error, len(l.Plan.Clusters))
	for i, cp := range l.Plan.Clusters {
		c := l.Clusters[cp.Name]
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = l.prepareCluster(ctx, c)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	return l.startClients(ctx)
}

func (l *Lab) prepareCluster(ctx context.Context, c *Cluster) error {
	load := docker.KindImageLoad{KindCluster: c.Plan.KindName, Images: []string{l.Image}}
	if err := l.eng.LoadKindImages(ctx, nil, load); err != nil {
		return fmt.Errorf("cluster %s: load %s: %w", c.Plan.Name, l.Image, err)
	}
	var leaf *labca.Leaf
	if t, ok := l.tls[c.Plan.Name]; ok {
		leaf = &t
	}
	objs, err := Objects(l.Plan, c.Plan, l.Image, l.allowList(), leaf)
	if err != nil {
		return err
	}
	if err := c.Kube.Apply(ctx, objs); err != nil {
		return fmt.Errorf("cluster %s: apply the check workloads: %w", c.Plan.Name, err)
	}
	const wait = 3 * time.Minute
	for _, ds := range []string{DSProbe, DSHost} {
		if err := c.Kube.WaitDaemonSet(ctx, Namespace, ds, wait); err != nil {
			return fmt.Errorf("cluster %s: %w", c.Plan.Name, err)
		}
	}
	deploys := []string{DeployEcho, DeployPinned, PodNetpol}
	if meshMember(l.Plan, c.Plan) {
		deploys = append(deploys, DeployMesh, DeployMeshCall)
	}
	for _, d := range deploys {
		if err := c.Kube.WaitDeployment(ctx, Namespace, d, wait); err != nil {
			return fmt.Errorf("cluster %s: %w", c.Plan.Name, err)
		}
	}
	return c.refreshPods(ctx)
}

func (c *Cluster) refreshPods(ctx context.Context) error {
	for ds, into := range map[string]map[string]Pod{DSProbe: c.Probe, DSHost: c.Host} {
		pods, err := c.Kube.Clientset.CoreV1().Pods(Namespace).List(ctx, metav1.ListOptions{LabelSelector: "app=" + ds})
		if err != nil {
			return err
		}
		for _, p := range pods.Items {
			if p.DeletionTimestamp != nil || p.Status.Phase != corev1.PodRunning || p.Spec.NodeName == "" {
				continue
			}
			into[p.Spec.NodeName] = Pod{Name: p.Name, Node: p.Spec.NodeName, IP: p.Status.PodIP}
		}
		for _, n := range c.Nodes {
			if _, ok := into[n.Name]; !ok {
				return fmt.Errorf("cluster %s: no running %s Pod on node %s", c.Plan.Name, ds, n.Name)
			}
		}
	}
	return nil
}

// ClientOn returns the VPC client on a network (a cluster's subnet, the DMZ's).
func (l *Lab) ClientOn(network string) (*Client, error) {
	if cl, ok := l.Clients[network]; ok {
		return cl, nil
	}
	return nil, fmt.Errorf("no VPC client on network %s", network)
}

// startClients runs one client container per cluster subnet, at the plan's ClientAddress, labelled
// with the lab so that 'netlab down' removes it.
func (l *Lab) startClients(ctx context.Context) error {
	for _, c := range l.Plan.Clusters {
		if _, ok := l.Clients[c.Network]; ok {
			continue
		}
		v, ok := l.Plan.VPC(c.VPC)
		if !ok {
			return fmt.Errorf("cluster %s: VPC %s is not in the plan", c.Name, c.VPC)
		}
		sub, _ := l.Plan.SubnetOf(c)
		if !sub.ClientAddress.IsValid() {
			return fmt.Errorf("cluster %s: network %s has no client address in the plan", c.Name, c.Network)
		}
		cl := &Client{Name: c.Network + "-client", Network: c.Network, IP: sub.ClientAddress.String(), VPC: v.Name, CIDR: sub.CIDR.String()}
		if err := l.ensureClient(ctx, cl, ClientRoutes(l.Plan, c)); err != nil {
			return err
		}
		l.Clients[c.Network] = cl
	}
	if d := l.Plan.DMZ; d != nil {
		if _, ok := l.Clients[d.Network]; !ok {
			cl := &Client{Name: d.Network + "-client", Network: d.Network, IP: d.Client.String(), VPC: d.VPC, CIDR: d.CIDR.String()}
			if err := l.ensureClient(ctx, cl, DMZClientRoutes(l.Plan)); err != nil {
				return err
			}
			l.Clients[d.Network] = cl
		}
	}
	return nil
}

// DMZClientRoutes are the arguments of 'probe routes' for the DMZ's VPC client, the user
// stand-in of seed pattern 4: it reaches the WAF on its own subnet and nothing else of the lab (an
// unreachable route for every lab range but its subnet), as the outside reaches only the DMZ.
func DMZClientRoutes(p *plan.Plan) []string {
	args := []string{"probe", "routes"}
	for _, pf := range p.LabCIDRs() {
		if pf != p.DMZ.CIDR.Masked() {
			args = append(args, "--unreachable", pf.String())
		}
	}
	return args
}

// ClientRoutes are the arguments of 'probe routes' for the VPC client on cluster c's subnet: its
// VPC route table's routes (to the TGW's leg, which forwards other VPCs and plays the VPC router
// for the VPC's other subnets), and an unreachable route for every lab range outside them
// (plan.Unrouted, Service ranges included: a client outside the cluster has no kube-proxy), so that
// nothing it sends follows its default route to the Docker host and from there off the machine.
func ClientRoutes(p *plan.Plan, c plan.ClusterPlan) []string {
	args := []string{"probe", "routes"}
	for _, r := range c.HostRoutes() {
		args = append(args, "--via", r.CIDR.String()+"="+r.Via.String())
	}
	for _, pf := range p.Unrouted(c) {
		args = append(args, "--unreachable", pf.String())
	}
	return args
}

// ensureClient runs the VPC client container, with NET_ADMIN for its routes: kept when it runs
// netlab's current image with the same routes, started when stopped, re-created otherwise; then
// it sets the routes (again: a restarted container has lost them; 'probe routes' is idempotent).
func (l *Lab) ensureClient(ctx context.Context, cl *Client, routes []string) error {
	ip, err := netip.ParseAddr(cl.IP)
	if err != nil {
		return fmt.Errorf("the VPC client %s on %s: address %q: %w", cl.Name, cl.Network, cl.IP, err)
	}
	err = l.eng.EnsureContainer(ctx, docker.ContainerSpec{
		Name:  cl.Name,
		Image: l.Image,
		Cmd:   []string{"probe", "serve"},
		Env: map[string]string{"POD_NAME": cl.Name, "POD_IP": cl.IP, "NETLAB_PROBE_ALLOW": strings.Join(l.allowList(), ","),
			"NETLAB_CLIENT_ROUTES": strings.Join(routes[2:], " ")}, // re-created when its routes change
		Labels:   map[string]string{docker.LabelLab: l.Plan.Lab, docker.LabelRole: "client"},
		Networks: []docker.Attachment{{Network: cl.Network, IP: ip}},
		CapAdd:   []string{"NET_ADMIN"},
	})
	if err != nil {
		return fmt.Errorf("start the VPC client %s on %s at %s: %w", cl.Name, cl.Network, cl.IP, err)
	}
	r, err := l.eng.Exec(ctx, cl.Name, append([]string{"/netlab"}, routes...), nil)
	if err == nil && r.ExitCode != 0 {
		err = fmt.Errorf("exit %d: %s", r.ExitCode, strings.TrimSpace(string(r.Stderr)))
	}
	if err != nil {
		return fmt.Errorf("the VPC client %s: set its routes (/netlab %s): %w", cl.Name, strings.Join(routes, " "), err)
	}
	return nil
}

// Lock serializes checks that change shared workloads (a negative control scaling a backend to 0,
// a TGW route blackholed) against checks that use them: exclusive for the changer, shared for users.
func (l *Lab) Lock(name string, exclusive bool) (unlock func()) {
	v, _ := l.locks.LoadOrStore(name, &sync.RWMutex{})
	mu := v.(*sync.RWMutex)
	if exclusive {
		mu.Lock()
		return mu.Unlock
	}
	mu.RLock()
	return mu.RUnlock
}
