// Package mesh is the step of 'up' that installs the scenario's Istio multi-primary mesh
// (package provision/istio): the mesh's root of trust, istiod in every member cluster, and the
// remote secrets through which each istiod reads the other members' API servers.
package mesh

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"sync"
	"time"

	"github.com/netlab-dev/netlab/internal/names"
	"github.com/netlab-dev/netlab/labstate"
	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/provision/istio"
	"github.com/netlab-dev/netlab/provision/istio/meshca"
	"github.com/netlab-dev/netlab/provision/kube"
	"github.com/netlab-dev/netlab/provision/steps"
)

// Step installs the mesh when the plan has one.
func Step() steps.Step {
	return steps.Step{
		Name:    "mesh",
		Title:   "Istio multi-primary: one root of trust, istiod in each cluster, remote secrets",
		Applies: func(p *plan.Plan) bool { return p.Istio != nil },
		Run:     run,
	}
}

func run(ctx context.Context, sc *steps.StepContext) error {
	ip := sc.Plan.Istio
	members := map[string]plan.IstioClusterPlan{}
	var clusters []string
	for _, m := range ip.Clusters {
		members[m.Cluster] = m
		clusters = append(clusters, m.Cluster)
	}
	ca, err := LoadCA(sc.Plan.Lab, ip.MeshID, clusters, time.Now())
	if err != nil {
		return err
	}
	im := istio.ImagesFor(ip)
	var mu sync.Mutex
	targets := map[string]istio.Target{}
	err = sc.EachCluster(func(c plan.ClusterPlan, kc *kube.Client) error {
		m, ok := members[c.Name]
		if !ok {
			return nil
		}
		data, err := ca.SecretData(c.Name)
		if err != nil {
			return err
		}
		tgt, err := istio.Install(ctx, kc, istio.Member{Cluster: m, Values: istio.ValuesFor(ip, m, im), CACerts: data}, sc.ReadyTimeout)
		if err != nil {
			return err
		}
		sc.Status.Printf("   [%s] istiod ready (mesh %s, network %s, API server %s)", c.Name, ip.MeshID, m.Network, tgt.Server())
		mu.Lock()
		targets[c.Name] = tgt
		mu.Unlock()
		return nil
	})
	if err != nil {
		return err
	}
	return sc.EachCluster(func(c plan.ClusterPlan, kc *kube.Client) error {
		if _, ok := members[c.Name]; !ok {
			return nil
		}
		for _, other := range clusters {
			if other == c.Name {
				continue
			}
			s, err := istio.RemoteSecret(targets[other])
			if err != nil {
				return err
			}
			if err := istio.ApplyRemoteSecret(ctx, kc, s); err != nil {
				return fmt.Errorf("cluster %s: %w", c.Name, err)
			}
			sc.Status.Printf("   [%s] reads cluster %s's API server at %s (secret %s/%s)", c.Name, other, targets[other].Server(), s.Namespace, s.Name)
		}
		return nil
	})
}

// LoadCA returns the lab's mesh CA from its state directory, made (and saved) on first use, with an
// intermediate for every cluster of the mesh.
func LoadCA(lab, mesh string, clusters []string, now time.Time) (*meshca.CA, error) {
	data, err := labstate.ReadFile(lab, names.MeshCAFile)
	var ca *meshca.CA
	switch {
	case errors.Is(err, fs.ErrNotExist):
		ca, err = meshca.New(mesh, clusters, now, rand.Reader)
		if err != nil {
			return nil, err
		}
	case err != nil:
		return nil, fmt.Errorf("lab %s: the mesh CA: %w", lab, err)
	default:
		ca, err = meshca.Unmarshal(data)
		if err != nil {
			return nil, fmt.Errorf("lab %s: the mesh CA in %s (remove the file to make a new one; istiod then restarts with it): %w", lab, names.MeshCAFile, err)
		}
		if ca.Mesh != mesh {
			return nil, fmt.Errorf("lab %s: the mesh CA was made for mesh %q, the scenario now names %q; run 'netlab down' and 'up' again", lab, ca.Mesh, mesh)
		}
		if err := ca.Add(clusters, now, rand.Reader); err != nil {
			return nil, err
		}
	}
	out, err := ca.Marshal()
	if err != nil {
		return nil, err
	}
	if err := labstate.WriteFile(lab, names.MeshCAFile, out); err != nil {
		return nil, err
	}
	return ca, nil
}
