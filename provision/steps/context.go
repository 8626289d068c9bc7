package steps

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"sigs.k8s.io/kind/pkg/cluster/nodes"

	"github.com/netlab-dev/netlab/docker"
	"github.com/netlab-dev/netlab/internal/names"
	"github.com/netlab-dev/netlab/internal/status"
	"github.com/netlab-dev/netlab/labstate"
	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/provision/component"
	"github.com/netlab-dev/netlab/provision/kube"
	"github.com/netlab-dev/netlab/provision/labimages"
	"github.com/netlab-dev/netlab/provision/nodeimage"
	tgwctr "github.com/netlab-dev/netlab/provision/tgw"
)

// Engine is what the steps need from the host's Docker engine. package provision implements it
// over package docker; tests use fakes.
type Engine interface {
	// EnsureNetwork creates the network unless it exists, and says whether it created it.
	EnsureNetwork(ctx context.Context, spec docker.NetworkSpec) (created bool, err error)
	// SelfImage makes sure netlab's own image (the probe and the TGW) is on the host and returns
	// its reference.
	SelfImage(ctx context.Context, st *status.Status) (string, error)
	// LoadImages makes every image of load present in every node of its kind cluster, reading
	// each from the host once.
	LoadImages(ctx context.Context, st *status.Status, load docker.KindImageLoad) error
	// EnsureTGW starts the transit gateway container unless it runs, and returns its EC2 API's
	// endpoint on the host.
	EnsureTGW(ctx context.Context, spec tgwctr.ContainerSpec) (endpoint string, err error)
	// EnsureContainer makes a container netlab runs itself run as spec says (the global load
	// balancer, the DMZ's WAF and load balancer).
	EnsureContainer(ctx context.Context, spec docker.ContainerSpec) error
	// Exec runs cmd in a running container; ContainerState is Docker's state of one.
	Exec(ctx context.Context, name string, cmd []string, stdin io.Reader) (docker.ExecResult, error)
	ContainerState(ctx context.Context, name string) (string, error)
	// InspectImage and BuildDerivedNodeImage make the derived node images (package nodeimage).
	nodeimage.Engine
}

// Kind is what the steps need from kind (package cluster's Provider).
type Kind interface {
	Exists(kindName string) (bool, int, error)
	Delete(kindName string) error
	Create(lab string, c plan.ClusterPlan, st *status.Status) error
	Nodes(kindName string) ([]nodes.Node, error)
	Kubeconfig(kindName string) (string, error)
}

// Config is what a StepContext is made from.
type Config struct {
	Plan       *plan.Plan
	State      *labstate.State
	Status     *status.Status
	Engine     Engine
	Kind       Kind
	Components *component.Registry
	// ReadyTimeout bounds each wait for readiness.
	ReadyTimeout time.Duration
	// DerivedImages creates new clusters from derived node images (package nodeimage) instead of
	// side-loading their images into every node.
	DerivedImages bool
	// ClusterParallelism is how many clusters are created at once; 0 or less: all of them.
	ClusterParallelism int
}

// StepContext is what the steps of one 'up' share. It is safe for concurrent use: a step may
// work on several clusters at once.
type StepContext struct {
	Plan         *plan.Plan
	Status       *status.Status
	Engine       Engine
	Kind         Kind
	Components   *component.Registry
	ReadyTimeout time.Duration
	// DerivedImages: see Config.
	DerivedImages bool
	// ClusterParallelism: see Config.
	ClusterParallelism int

	stateMu sync.Mutex
	state   *labstate.State

	self    memo[string]
	derived memos[string]
	clients memos[*kube.Client]
	nodes   memos[[]nodes.Node]
	// newClient builds a cluster's client from its kubeconfig (kube.New; a fake in tests).
	newClient func(cluster string, kubeconfig []byte) (*kube.Client, error)
}

// New returns the context of one run of 'up'.
func New(cfg Config) *StepContext {
	return &StepContext{
		Plan: cfg.Plan, Status: status.Or(cfg.Status), Engine: cfg.Engine, Kind: cfg.Kind, Components: cfg.Components,
		ReadyTimeout: cfg.ReadyTimeout, DerivedImages: cfg.DerivedImages,
		ClusterParallelism: cfg.ClusterParallelism, state: cfg.State, newClient: kube.New,
	}
}

// SelfImage is netlab's own image (the probe and the TGW), made sure of once per run.
func (sc *StepContext) SelfImage(ctx context.Context) (string, error) {
	return sc.self.get(func() (string, error) {
		ref, err := sc.Engine.SelfImage(ctx, sc.Status)
		if err != nil {
			return "", fmt.Errorf("netlab's own image: %w", err)
		}
		return ref, nil
	})
}

// NodeImage is the image to create cluster c's nodes from: with DerivedImages, the derived node
// image of c's node image and the images c side-loads (built once per host and kept; see package
// nodeimage), else c.NodeImage. Clusters that share both share the image, built once. A derived
// image that cannot be built is a warning: the nodes are created from c.NodeImage, and the images
// step loads the images into each node as without derived images. The plan keeps c.NodeImage
// either way, so switching between the two never asks for a lab to be recreated.
func (sc *StepContext) NodeImage(ctx context.Context, c plan.ClusterPlan) string {
	if !sc.DerivedImages {
		return c.NodeImage
	}
	ref, err := func() (string, error) {
		self, err := sc.SelfImage(ctx)
		if err != nil {
			return "", err
		}
		list, err := labimages.For(sc.Plan, sc.Components, self)
		if err != nil {
			return "", err
		}
		load := list.SideLoad(c.Name)
		return sc.derived.get(c.NodeImage+"\x00"+strings.Join(load, "\x00"), func() (string, error) {
			d, err := nodeimage.Ensure(ctx, sc.Engine, sc.Status, true, c.NodeImage, load)
			return d.Image, err
		})
	}()
	if err != nil {
		if ctx.Err() == nil {
			sc.Status.Printf("   warning: cluster %s: no derived node image (%v); its nodes run %s and the images are loaded into each (--no-derived-image skips the attempt)", c.Name, err, c.NodeImage)
		}
		return c.NodeImage
	}
	return ref
}

// SetNodeImage records in the lab's state the image cluster's nodes were created from.
func (sc *StepContext) SetNodeImage(cluster, ref string) error {
	sc.stateMu.Lock()
	defer sc.stateMu.Unlock()
	if sc.state.NodeImages == nil {
		sc.state.NodeImages = map[string]string{}
	}
	sc.state.NodeImages[cluster] = ref
	return sc.state.Save()
}

// Client is cluster c's API client, built once from kind's kubeconfig, which is also saved in the
// lab's state (for 'netlab check' and 'netlab status'). Ask for it only once the cluster exists.
func (sc *StepContext) Client(c plan.ClusterPlan) (*kube.Client, error) {
	return sc.clients.get(c.Name, func() (*kube.Client, error) {
		kc, err := sc.Kind.Kubeconfig(c.KindName)
		if err != nil {
			return nil, fmt.Errorf("cluster %s: kubeconfig: %w", c.Name, err)
		}
		if err := labstate.WriteFile(sc.Plan.Lab, names.KubeconfigFile(c.Name), []byte(kc)); err != nil {
			return nil, err
		}
		return sc.newClient(c.Name, []byte(kc))
	})
}

// Nodes are cluster c's node containers, listed once. Ask for them only once the cluster exists.
func (sc *StepContext) Nodes(c plan.ClusterPlan) ([]nodes.Node, error) {
	return sc.nodes.get(c.Name, func() ([]nodes.Node, error) {
		ns, err := sc.Kind.Nodes(c.KindName)
		if err != nil {
			return nil, fmt.Errorf("cluster %s: list nodes: %w", c.Name, err)
		}
		return ns, nil
	})
}

// Done reports whether the lab's state records name as done.
func (sc *StepContext) Done(name string) bool {
	sc.stateMu.Lock()
	defer sc.stateMu.Unlock()
	return sc.state.Done(name)
}

// Begin records that name started.
func (sc *StepContext) Begin(name string) error {
	sc.stateMu.Lock()
	defer sc.stateMu.Unlock()
	return sc.state.Begin(name)
}

// End records how name ended.
func (sc *StepContext) End(name string, err error) error {
	sc.stateMu.Lock()
	defer sc.stateMu.Unlock()
	return sc.state.End(name, err)
}

// SetTGWEndpoint records the transit gateway's EC2 API endpoint in the lab's state.
func (sc *StepContext) SetTGWEndpoint(ep string) error {
	sc.stateMu.Lock()
	defer sc.stateMu.Unlock()
	sc.state.TGWEndpoint = ep
	return sc.state.Save()
}

// TGWCredentials are the lab's credentials for its transit gateway's API, generated the first time
// and kept in the lab's state (saved with the endpoint by SetTGWEndpoint).
func (sc *StepContext) TGWCredentials() labstate.Credentials {
	sc.stateMu.Lock()
	defer sc.stateMu.Unlock()
	return tgwctr.EnsureCredentials(sc.state)
}

// EachCluster runs fn for every cluster in parallel, with the cluster's client, and joins the errors.
func (sc *StepContext) EachCluster(fn func(plan.ClusterPlan, *kube.Client) error) error {
	var wg sync.WaitGroup
	errs := make([]error, len(sc.Plan.Clusters))
	for i, c := range sc.Plan.Clusters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			kc, err := sc.Client(c)
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

// memo is a value computed once; concurrent callers wait for the first.
type memo[V any] struct {
	once sync.Once
	v    V
	err  error
}

func (m *memo[V]) get(f func() (V, error)) (V, error) {
	m.once.Do(func() { m.v, m.err = f() })
	return m.v, m.err
}

// memos is one memo per key.
type memos[V any] struct {
	mu sync.Mutex
	m  map[string]*memo[V]
}

func (ms *memos[V]) get(key string, f func() (V, error)) (V, error) {
	ms.mu.Lock()
	if ms.m == nil {
		ms.m = map[string]*memo[V]{}
	}
	m, ok := ms.m[key]
	if !ok {
		m = &memo[V]{}
		ms.m[key] = m
	}
	ms.mu.Unlock()
	return m.get(f)
}
