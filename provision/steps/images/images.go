// Package images is the step of 'up' that side-loads what the lab's Pods run into every node.
package images

import (
	"context"
	"fmt"

	"github.com/netlab-dev/netlab/provision/steps"
)

// Step loads each cluster's CNI and add-on images and netlab's own image into its nodes, reading
// each image from the host once.
func Step() steps.Step {
	return steps.Step{
		Name:  "images",
		Title: "Loading images into the nodes",
		Run: func(ctx context.Context, sc *steps.StepContext) error {
			self, err := sc.SelfImage(ctx)
			if err != nil {
				return err
			}
			for _, c := range sc.Plan.Clusters {
				refs, err := sc.Components.Images(c)
				if err != nil {
					return fmt.Errorf("cluster %s: %w", c.Name, err)
				}
				refs = append(refs, self)
				ns, err := sc.Nodes(c)
				if err != nil {
					return err
				}
				say := func(s string) { sc.Status.Printf("   [%s] %s", c.Name, s) }
				if err := sc.Engine.LoadImages(ctx, ns, refs, sc.Offline, say); err != nil {
					return fmt.Errorf("cluster %s: %w", c.Name, err)
				}
			}
			return nil
		},
	}
}
