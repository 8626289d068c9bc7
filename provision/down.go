package provision

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/netlab-dev/netlab/docker"
	"github.com/netlab-dev/netlab/egress"
	"github.com/netlab-dev/netlab/internal/hint"
	"github.com/netlab-dev/netlab/labstate"
	"github.com/netlab-dev/netlab/provision/cluster"
	"sigs.k8s.io/kind/pkg/log"

	kindcluster "sigs.k8s.io/kind/pkg/cluster"
)

// Removed reports what 'down' removed.
type Removed struct {
	Lab        string   `json:"lab"`
	Clusters   []string `json:"clusters"`
	Containers []string `json:"containers"`
	Networks   []string `json:"networks"`
	Volumes    []string `json:"volumes"`
	// EgressGuard: the host's nftables table of the lab (package provision/egress) was removed.
	EgressGuard bool `json:"egressGuard"`
	State       bool `json:"state"`
}

// Down removes every trace of a lab: its kind clusters and their kubeconfig contexts, netlab's own
// containers, its networks and volumes, and its recorded state. It works on a half-built lab, and
// on a lab whose state was lost (then kind clusters named <lab>-* are taken as the lab's). It
// checks at the end that nothing labelled with the lab is left.
func Down(ctx context.Context, labName string, kubeconfigPath string) (*Removed, error) {
	unlock, err := labstate.Lock(labName, "netlab down")
	if err != nil {
		return &Removed{Lab: labName}, err
	}
	defer unlock()
	st, err := labstate.Load(labName)
	if err != nil && !errors.Is(err, labstate.ErrNoLab) {
		return &Removed{Lab: labName}, err
	}
	eng, err := connect(ctx)
	if err != nil {
		return &Removed{Lab: labName}, err
	}
	defer eng.Close()
	return down(ctx, labName, st, kindOnHost{&cluster.Provider{KubeconfigPath: kubeconfigPath}}, eng, egress.Remove)
}

// kindClusters is what 'down' needs from kind.
type kindClusters interface {
	// List names every kind cluster on the host.
	List() ([]string, error)
	Exists(kindName string) (bool, int, error)
	// Delete removes the cluster and its kubeconfig context; a missing one is not an error.
	Delete(kindName string) error
}

// labObjects is what 'down' needs from the Docker engine.
type labObjects interface {
	LabObjects(ctx context.Context, lab string, kindClusters []string) (docker.Objects, error)
	RemoveContainers(ctx context.Context, names []string) error
	RemoveVolumes(ctx context.Context, names []string) error
	RemoveNetworks(ctx context.Context, names []string) error
}

// kindOnHost is kind's provider with the listing of the host's clusters.
type kindOnHost struct{ *cluster.Provider }

func (kindOnHost) List() ([]string, error) {
	return kindcluster.NewProvider(kindcluster.ProviderWithDocker(), kindcluster.ProviderWithLogger(log.NoopLogger{})).List()
}

// down removes the lab st (nil when its state is lost) through kind and the engine, and last, once
// everything else is gone, the host's egress guard through removeGuard (a lab that is still half
// there stays guarded).
func down(ctx context.Context, labName string, st *labstate.State, kind kindClusters, eng labObjects, removeGuard func(lab string) (bool, error)) (*Removed, error) {
	rm := &Removed{Lab: labName}
	kindNames, err := labKindClusters(labName, st, kind)
	if err != nil {
		return rm, err
	}
	var errs []error
	for _, k := range kindNames {
		exists, _, err := kind.Exists(k)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		// Delete also when kind does not list it: it removes a leftover kubeconfig context.
		if err := kind.Delete(k); err != nil {
			errs = append(errs, fmt.Errorf("delete cluster %s: %w", k, err))
			continue
		}
		if exists {
			rm.Clusters = append(rm.Clusters, k)
		}
	}
	objs, err := eng.LabObjects(ctx, labName, kindNames)
	if err != nil {
		return rm, errors.Join(append(errs, err)...)
	}
	if err := eng.RemoveContainers(ctx, objs.Containers); err != nil {
		errs = append(errs, err)
	}
	rm.Containers = objs.Containers
	if err := eng.RemoveVolumes(ctx, objs.Volumes); err != nil {
		errs = append(errs, err)
	}
	rm.Volumes = objs.Volumes
	if err := eng.RemoveNetworks(ctx, objs.Networks); err != nil {
		errs = append(errs, err)
	}
	rm.Networks = objs.Networks
	left, err := eng.LabObjects(ctx, labName, kindNames)
	if err != nil {
		errs = append(errs, err)
	} else if !left.Empty() {
		errs = append(errs, fmt.Errorf("lab %s still has Docker objects after down: containers %v, networks %v, volumes %v", labName, left.Containers, left.Networks, left.Volumes))
	}
	if len(errs) == 0 {
		if rm.EgressGuard, err = removeGuard(labName); err != nil {
			errs = append(errs, fmt.Errorf("remove the egress guard: %w", err))
		}
	}
	if len(errs) > 0 {
		return rm, hint.Wrap(errors.Join(errs...), fmt.Sprintf("the lab's state is kept, so 'netlab down %s' can be run again", labName))
	}
	if st != nil || dirExists(labName) {
		if err := labstate.Remove(labName); err != nil {
			return rm, err
		}
		rm.State = true
	}
	if st == nil && len(rm.Clusters)+len(rm.Containers)+len(rm.Networks)+len(rm.Volumes) == 0 && !rm.EgressGuard {
		return rm, fmt.Errorf("%w: %s: nothing on this host belongs to it", labstate.ErrNoLab, labName)
	}
	return rm, nil
}

// labKindClusters returns the lab's kind cluster names: from its plan, plus any kind cluster named
// <lab>-<cluster> that the plan does not list (left by an older scenario or a lost state).
func labKindClusters(labName string, st *labstate.State, kind kindClusters) ([]string, error) {
	set := map[string]bool{}
	if st != nil && st.Plan != nil {
		for _, c := range st.Plan.Clusters {
			set[c.KindName] = true
		}
	}
	all, err := kind.List()
	if err != nil {
		return nil, fmt.Errorf("ask kind for its clusters: %w", err)
	}
	if st == nil {
		for _, k := range all {
			if strings.HasPrefix(k, labName+"-") {
				set[k] = true
			}
		}
	}
	var out []string
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out, nil
}

func dirExists(labName string) bool {
	_, err := labstate.ReadFile(labName, "state.json")
	return err == nil
}
