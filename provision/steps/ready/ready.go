// Package ready is the last step of 'up': it waits until every node of every cluster is Ready.
package ready

import (
	"context"

	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/provision/kube"
	"github.com/netlab-dev/netlab/provision/steps"
)

// Step waits for every cluster's nodes, in parallel.
func Step() steps.Step {
	return steps.Step{
		Name:  "ready",
		Title: "Waiting for every node to be Ready",
		Run: func(ctx context.Context, sc *steps.StepContext) error {
			return sc.EachCluster(func(c plan.ClusterPlan, kc *kube.Client) error {
				return kc.WaitNodesReady(ctx, len(c.Nodes), sc.ReadyTimeout)
			})
		},
	}
}
