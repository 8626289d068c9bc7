// Package images is the step of 'up' that side-loads what the lab's Pods run into every node.
package images

import (
	"context"
	"fmt"

	"github.com/netlab-dev/netlab/docker"
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
				load := docker.KindImageLoad{KindCluster: c.KindName, Images: refs, Offline: sc.Offline, Label: "[" + c.Name + "]"}
				if err := sc.Engine.LoadImages(ctx, sc.Status, load); err != nil {
					return fmt.Errorf("cluster %s: %w", c.Name, err)
				}
			}
			return nil
		},
	}
}
