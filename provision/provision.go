// Package provision turns a plan into a running lab ('netlab up'), reports on it ('netlab status')
// and removes every trace of it ('netlab down').
//
// 'up' is a list of small steps run in order, in the manner of kind's create actions. Each prints
// one status line, records its progress in the lab's state (package lab), and is a reconcile: it
// looks at what exists and does only what is missing. Running 'up' again on a complete lab changes
// nothing; running it after an 'up' that was killed at any point finishes the job.
package provision

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/provision/kube"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// CNI installs a cluster's network plugin. Each CNI (flannel, and later calico and cilium)
// registers itself with RegisterCNI.
type CNI interface {
	// Images are the images the CNI's Pods run; netlab side-loads them into every node.
	Images(c plan.ClusterPlan) []string
	// Objects are the rendered Kubernetes objects, in apply order.
	Objects(c plan.ClusterPlan) ([]*unstructured.Unstructured, error)
	// Wait returns when the CNI is ready on every node.
	Wait(ctx context.Context, kc *kube.Client, c plan.ClusterPlan, timeout time.Duration) error
}

var (
	cniMu sync.Mutex
	cnis  = map[string]CNI{}
)

// RegisterCNI makes a CNI available under its scenario name (cni.type).
func RegisterCNI(name string, c CNI) {
	cniMu.Lock()
	defer cniMu.Unlock()
	cnis[name] = c
}

func lookupCNI(name string) (CNI, error) {
	cniMu.Lock()
	defer cniMu.Unlock()
	if c, ok := cnis[name]; ok {
		return c, nil
	}
	var have []string
	for n := range cnis {
		have = append(have, n)
	}
	sort.Strings(have)
	return nil, fmt.Errorf("CNI %q cannot be installed by this version of netlab (available: %s)", name, strings.Join(have, ", "))
}

// Options tune a run of 'up'.
type Options struct {
	// Offline never pulls an image; a missing one is an error that names it.
	Offline bool
	// KubeconfigPath is where kind merges the clusters' contexts; empty: $KUBECONFIG or ~/.kube/config.
	KubeconfigPath string
	// ReadyTimeout bounds each wait for readiness.
	ReadyTimeout time.Duration
	// Out receives the status lines.
	Out io.Writer
}

func (o *Options) defaults() {
	if o.ReadyTimeout == 0 {
		o.ReadyTimeout = 5 * time.Minute
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
}

// progress prints kind-style status lines.
type progress struct {
	mu  sync.Mutex
	out io.Writer
}

func (p *progress) line(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.out, format+"\n", args...)
}

// run executes one named step: a start line, then ✓ with its duration or ✗ with the error.
func (p *progress) run(title string, fn func() error) error {
	start := time.Now()
	p.line(" • %s ...", title)
	err := fn()
	d := time.Since(start).Round(100 * time.Millisecond)
	if err != nil {
		p.line(" ✗ %s (%s)", title, d)
		return err
	}
	p.line(" ✓ %s (%s)", title, d)
	return nil
}
