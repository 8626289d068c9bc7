// Package globallb is the step of 'up' that starts the global load balancer (seed pattern 1) in
// front of its member clusters' ingress controllers.
package globallb

import (
	"context"

	"github.com/netlab-dev/netlab/docker"
	"github.com/netlab-dev/netlab/plan"
	glb "github.com/netlab-dev/netlab/provision/globallb"
	"github.com/netlab-dev/netlab/provision/steps"
)

// Step starts (or keeps, or replaces when its configuration changed) the global load balancer's
// container. It runs after the add-ons: the members' ingress controllers are then installed at
// the addresses the plan fixed.
func Step() steps.Step {
	return steps.Step{
		Name:    "global-lb",
		Title:   "Starting the global load balancer in front of the clusters' ingress",
		Applies: func(p *plan.Plan) bool { return p.GlobalLB != nil },
		Run: func(ctx context.Context, sc *steps.StepContext) error {
			spec, err := glb.Container(sc.Plan.Lab, sc.Plan.GlobalLB, map[string]string{docker.LabelLab: sc.Plan.Lab, docker.LabelRole: glb.Role})
			if err != nil {
				return err
			}
			if err := sc.Engine.EnsureContainer(ctx, spec); err != nil {
				return err
			}
			for _, m := range sc.Plan.GlobalLB.Members {
				sc.Status.V(1).Printf("   %s: %s:%d -> cluster %s's ingress at %s", spec.Name, m.Address, glb.Port, m.Cluster, m.Ingress)
			}
			return nil
		},
	}
}
