// Package cni is the step of 'up' that installs each cluster's CNI (component.CNI).
package cni

import (
	"context"

	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/provision/kube"
	"github.com/netlab-dev/netlab/provision/steps"
)

// Step installs every cluster's CNI, in parallel, and waits until it is ready on every node.
func Step() steps.Step {
	return steps.Step{
		Name:  "cni",
		Title: "Installing the CNI",
		Run: func(ctx context.Context, sc *steps.StepContext) error {
			return sc.EachCluster(func(c plan.ClusterPlan, kc *kube.Client) error {
				cni, err := sc.Components.CNI(c.CNI.Type)
				if err != nil {
					return err
				}
				return cni.Install(ctx, kc, c, sc.ReadyTimeout)
			})
		},
	}
}
