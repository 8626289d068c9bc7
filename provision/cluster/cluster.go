// Package cluster creates and deletes a lab's kind clusters with sigs.k8s.io/kind/pkg/cluster.
//
// # Parallel creation and kind's network variable
//
// kind puts node containers on the Docker network named by KIND_EXPERIMENTAL_DOCKER_NETWORK, an
// environment variable and so process-wide. Each netlab cluster needs its own VPC network, so the
// variable must hold that cluster's value at the moment kind reads it, and no longer. kind reads it
// exactly once per Create, in the docker provider's Provision step, right after making sure the node
// image exists, and logs a warning about it in the same breath (kind v0.33.0,
// pkg/cluster/internal/providers/docker/provider.go). netlab therefore:
//
//  1. takes a process-wide lock and sets the variable to the cluster's network;
//  2. calls kind's Create with a logger that releases the lock when that warning arrives (or when
//     Create returns, whichever comes first);
//  3. lets the rest of Create (node containers, kubeadm init and join, which take most of the time)
//     run in parallel with the next cluster's Create.
//
// When every Create has released it, the variable is restored to what it was.
package cluster

import (
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/netlab-dev/netlab/internal/status"
	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/provision/kindconfig"
	kindcluster "sigs.k8s.io/kind/pkg/cluster"
	"sigs.k8s.io/kind/pkg/cluster/nodes"
	"sigs.k8s.io/kind/pkg/log"
)

// NetworkEnv is the variable kind reads to choose its Docker network.
const NetworkEnv = "KIND_EXPERIMENTAL_DOCKER_NETWORK"

var (
	envMu    sync.Mutex
	envSaved *string // the value before netlab touched it; nil when unset
)

// lockNetwork sets NetworkEnv under the process-wide lock and returns an idempotent release.
func lockNetwork(network string) func() {
	envMu.Lock()
	if v, ok := os.LookupEnv(NetworkEnv); ok {
		envSaved = &v
	} else {
		envSaved = nil
	}
	// os.Setenv fails only for a name or value holding '=' or NUL: NetworkEnv is a constant and
	// network a Docker network name, which can hold neither.
	_ = os.Setenv(NetworkEnv, network)
	var once sync.Once
	return func() {
		once.Do(func() {
			if envSaved != nil {
				_ = os.Setenv(NetworkEnv, *envSaved) // a value read from the environment: it cannot be refused
			} else {
				_ = os.Unsetenv(NetworkEnv) // cannot fail for a valid name
			}
			envMu.Unlock()
		})
	}
}

// Status receives the lines of image loading (LoadImages).
type Status func(line string)

// Provider wraps kind's provider for one lab.
type Provider struct {
	// KubeconfigPath is where kind merges the clusters' contexts; empty means kind's default
	// ($KUBECONFIG or ~/.kube/config).
	KubeconfigPath string

	// cgroupV1 makes kind's cgroup v1 warning, which it logs for every cluster it creates, one note
	// per Provider (one per 'netlab up').
	cgroupV1 sync.Once
}

func (p *Provider) kind(logger log.Logger) *kindcluster.Provider {
	return kindcluster.NewProvider(kindcluster.ProviderWithDocker(), kindcluster.ProviderWithLogger(logger))
}

// Create creates a planned cluster on its VPC network. It fails if kind nodes of that name exist;
// callers that reconcile delete a half-made cluster first (see Exists).
// kind's phase lines ("[a] Preparing nodes") are printed as st's detail lines at level 1 (-v), its
// warnings as plain lines.
func (p *Provider) Create(lab string, c plan.ClusterPlan, st *status.Status) error {
	release := lockNetwork(c.Network)
	defer release()
	logger := &kindLogger{status: status.Or(st), onNetworkRead: release, cluster: c.Name, cgroupV1: &p.cgroupV1}
	cfg := kindconfig.Config(lab, c)
	err := p.kind(logger).Create(c.KindName,
		kindcluster.CreateWithV1Alpha4Config(cfg),
		kindcluster.CreateWithKubeconfigPath(p.KubeconfigPath),
		kindcluster.CreateWithDisplayUsage(false),
		kindcluster.CreateWithDisplaySalutation(false),
	)
	if err != nil {
		return fmt.Errorf("kind could not create cluster %s: %w%s", c.KindName, err, logger.lastErrors())
	}
	return nil
}

// Delete removes the kind cluster (its node containers and their volumes) and its kubeconfig context.
// Deleting a cluster that does not exist is not an error.
func (p *Provider) Delete(kindName string) error {
	return p.kind(log.NoopLogger{}).Delete(kindName, p.KubeconfigPath)
}

// Exists reports whether kind knows the cluster, and how many node containers it has.
func (p *Provider) Exists(kindName string) (bool, int, error) {
	names, err := p.kind(log.NoopLogger{}).List()
	if err != nil {
		return false, 0, err
	}
	for _, n := range names {
		if n == kindName {
			ns, err := p.Nodes(kindName)
			return true, len(ns), err
		}
	}
	return false, 0, nil
}

// Nodes lists the cluster's node containers.
func (p *Provider) Nodes(kindName string) ([]nodes.Node, error) {
	return p.kind(log.NoopLogger{}).ListNodes(kindName)
}

// Kubeconfig returns the cluster's kubeconfig for use from the host.
func (p *Provider) Kubeconfig(kindName string) (string, error) {
	return p.kind(log.NoopLogger{}).KubeConfig(kindName, false)
}

// cgroupV1Note is kind's cgroup v1 warning in netlab's words, shown once per 'netlab up'.
const cgroupV1Note = "note: this host runs cgroup v1, which Kubernetes has deprecated and a future kind release will refuse; labs work on it today, and booting the host with cgroup v2 (systemd.unified_cgroup_hierarchy=1) is the lasting fix"

// kindLogger turns kind's log into status lines, and notices the moment kind has read NetworkEnv.
type kindLogger struct {
	status        *status.Status
	onNetworkRead func()
	cluster       string
	// cgroupV1 is shared by the loggers of one Provider, so kind's cgroup v1 warning shows once.
	cgroupV1 *sync.Once
	mu       sync.Mutex
	errs     []string
}

func (l *kindLogger) Warn(m string) {
	if strings.Contains(m, NetworkEnv) {
		l.onNetworkRead()
		return
	}
	if strings.Contains(m, "Here be dragons") {
		return
	}
	if strings.Contains(m, "cgroup v1") && l.cgroupV1 != nil {
		l.cgroupV1.Do(func() { l.status.Printf("   %s", cgroupV1Note) })
		return
	}
	l.status.Printf("   [%s] warning: %s", l.cluster, m)
}
func (l *kindLogger) Warnf(f string, a ...interface{}) { l.Warn(fmt.Sprintf(f, a...)) }
func (l *kindLogger) Error(m string) {
	l.mu.Lock()
	l.errs = append(l.errs, m)
	l.mu.Unlock()
}
func (l *kindLogger) Errorf(f string, a ...interface{}) { l.Error(fmt.Sprintf(f, a...)) }
func (l *kindLogger) V(level log.Level) log.InfoLogger {
	if level > 0 {
		return log.NoopInfoLogger{}
	}
	return infoLogger{l}
}

// info prints one of kind's info lines as a detail line at level 1 (-v). kind prints each phase
// twice: " • X  ..." when it starts and " ✓ X" when it ends. The start line is the news; netlab's
// own step line reports success, so the echo is dropped. A failed phase (" ✗ X") is kept.
func (l *kindLogger) info(m string) {
	if strings.HasPrefix(strings.TrimSpace(m), "✓") {
		return
	}
	m = strings.TrimSpace(strings.Trim(m, " \u2022\u2713\u2717"))
	if m != "" {
		l.status.V(1).Printf("   [%s] %s", l.cluster, m)
	}
}

func (l *kindLogger) lastErrors() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.errs) == 0 {
		return ""
	}
	return "\n" + strings.Join(l.errs, "\n")
}

type infoLogger struct{ l *kindLogger }

func (i infoLogger) Info(m string)                    { i.l.info(m) }
func (i infoLogger) Infof(f string, a ...interface{}) { i.l.info(fmt.Sprintf(f, a...)) }
func (i infoLogger) Enabled() bool                    { return i.l.status.Verbosity() >= 1 }
