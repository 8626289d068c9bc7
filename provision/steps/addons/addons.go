// Package addons is the step of 'up' that installs each cluster's add-ons (component.Addon):
// MetalLB and the ingress controller (Traefik).
package addons

import (
	"context"
	"fmt"

	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/provision/kube"
	"github.com/netlab-dev/netlab/provision/steps"
)

// Step installs the add-ons each cluster's plan enables, cluster by cluster in parallel, add-on
// after add-on in the registry's order. Its state key stays "metallb", the name of the step that
// installed MetalLB alone, so that labs made before keep their recorded progress. Add-ons are
// installed in the registry's order: MetalLB first, so that the ingress controller's LoadBalancer
// Service gets its address.
func Step() steps.Step {
	return steps.Step{
		Name:  "metallb",
		Title: "Installing the add-ons (MetalLB, ingress)",
		Run: func(ctx context.Context, sc *steps.StepContext) error {
			return sc.EachCluster(func(c plan.ClusterPlan, kc *kube.Client) error {
				for _, a := range sc.Components.Addons(c) {
					if err := a.Install(ctx, kc, c, sc.ReadyTimeout); err != nil {
						return fmt.Errorf("%s: %w", a.Name(), err)
					}
				}
				return nil
			})
		},
	}
}
