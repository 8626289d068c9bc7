// Package provision turns a plan into a running lab ('netlab up'), reports on it ('netlab status')
// and removes every trace of it ('netlab down').
//
// 'up' is the list of steps in Steps (one package each under provision/steps, in the manner of
// kind's create actions), run in order after a host preflight (package preflight). Each prints one
// status line, records its progress in the lab's state (package labstate), and is a reconcile: it
// looks at what exists and does only what is missing. Running 'up' again on a complete lab changes
// nothing; running it after an 'up' that was killed at any point finishes the job. What a cluster
// gets beside Kubernetes (its CNI and add-ons) comes from package component's registry.
package provision

import (
	"time"

	"github.com/netlab-dev/netlab/internal/status"
	"github.com/netlab-dev/netlab/provision/component"
	"github.com/netlab-dev/netlab/provision/helm"
)

// Options tune a run of 'up'.
type Options struct {
	// Offline never pulls an image; a missing one is an error that names it.
	Offline bool
	// KubeconfigPath is where kind merges the clusters' contexts; empty: $KUBECONFIG or ~/.kube/config.
	KubeconfigPath string
	// ReadyTimeout bounds each wait for readiness.
	ReadyTimeout time.Duration
	// Status receives the status lines; nil prints nothing.
	Status *status.Status
	// NoDerivedImage creates new clusters from the plan's node image and loads the images into
	// each node, instead of from a derived node image with the images baked in (package nodeimage).
	NoDerivedImage bool
	// ClusterParallelism is how many clusters are created at once; 0: all of them.
	ClusterParallelism int
	// ChartsDir is a directory of chart archives (--charts) read before netlab's chart cache and
	// the charts' pinned URLs; with Offline, a chart must be there or in the cache.
	ChartsDir string
	// RegistryMirror, when set, replaces quay.io in the names of Cilium's images.
	RegistryMirror string
}

// Components is the registry of what 'up' installs, set up from the options.
func (o Options) Components() *component.Registry {
	return component.Builtin(component.Options{
		Charts:         helm.Source{Dir: o.ChartsDir, Cache: helm.DefaultCache(), Offline: o.Offline},
		RegistryMirror: o.RegistryMirror,
	})
}

func (o *Options) defaults() {
	if o.ReadyTimeout == 0 {
		o.ReadyTimeout = 5 * time.Minute
	}
}
