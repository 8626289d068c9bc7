// Package clusters is the step of 'up' that creates the lab's kind clusters, each on its VPC
// network, StepContext.ClusterParallelism at a time (all at once by default; see package cluster
// for how kind's network variable is serialised).
package clusters

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/provision/steps"
)

// Step creates the clusters that do not exist, each from the image StepContext.NodeImage picks (a
// derived node image with its images baked in, unless they are off); a cluster that exists is
// left as it is, whatever image it runs. A cluster whose creation did not finish in an
// earlier run (its sub-step "cluster/<name>" is not recorded as done, or it lacks nodes) is
// deleted first.
func Step() steps.Step {
	return steps.Step{
		Name:  "clusters",
		Title: "Creating kind clusters",
		Run: func(ctx context.Context, sc *steps.StepContext) error {
			var wg sync.WaitGroup
			errs := make([]error, len(sc.Plan.Clusters))
			slots := make(chan struct{}, parallelism(sc.ClusterParallelism, len(sc.Plan.Clusters)))
			for i, c := range sc.Plan.Clusters {
				wg.Add(1)
				go func() {
					defer wg.Done()
					select {
					case slots <- struct{}{}:
						defer func() { <-slots }()
					case <-ctx.Done():
						errs[i] = ctx.Err()
						return
					}
					errs[i] = ensure(ctx, sc, c)
				}()
			}
			wg.Wait()
			return errors.Join(errs...)
		},
	}
}

// parallelism is how many of n clusters are created at once when at most limit are asked for:
// limit, or all n when limit is 0 or less or more than n.
func parallelism(limit, n int) int {
	if limit <= 0 || limit > n {
		return max(n, 1)
	}
	return limit
}

func ensure(ctx context.Context, sc *steps.StepContext, c plan.ClusterPlan) error {
	sub := "cluster/" + c.Name
	exists, n, err := sc.Kind.Exists(c.KindName)
	if err != nil {
		return fmt.Errorf("cluster %s: ask kind: %w", c.Name, err)
	}
	if exists && sc.Done(sub) && n == len(c.Nodes) {
		sc.Status.Printf("   cluster %s exists (%d nodes)", c.KindName, n)
		_, err := sc.Client(c) // saves the kubeconfig
		return err
	}
	if exists {
		sc.Status.Printf("   cluster %s is half-made (%d of %d nodes, creation did not finish): deleting it", c.KindName, n, len(c.Nodes))
		if err := sc.Kind.Delete(c.KindName); err != nil {
			return fmt.Errorf("cluster %s: delete the half-made cluster: %w", c.Name, err)
		}
	}
	// The nodes may run a derived node image; the plan keeps the node image it was derived from.
	create := c
	create.NodeImage = sc.NodeImage(ctx, c)
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := sc.Begin(sub); err != nil {
		return err
	}
	if err := sc.SetNodeImage(c.Name, create.NodeImage); err != nil {
		return err
	}
	err = sc.Kind.Create(sc.Plan.Lab, create, sc.Status)
	if err == nil {
		_, err = sc.Client(c)
	}
	if serr := sc.End(sub, err); err == nil {
		err = serr
	}
	return err
}
