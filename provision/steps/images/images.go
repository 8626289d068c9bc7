// Package images is the step of 'up' that side-loads what the lab's Pods run into every node.
package images

import (
	"context"
	"fmt"

	"github.com/netlab-dev/netlab/docker"
	"github.com/netlab-dev/netlab/provision/labimages"
	"github.com/netlab-dev/netlab/provision/steps"
)

// Step loads each cluster's CNI and add-on images and netlab's own image into its nodes, reading
// each image from the host once. The list is labimages.For's, the one 'netlab images' shows; 'up'
// made sure of every image on the host before it created anything, so nothing is pulled here.
func Step() steps.Step {
	return steps.Step{
		Name:  "images",
		Title: "Loading images into the nodes",
		Run: func(ctx context.Context, sc *steps.StepContext) error {
			self, err := sc.SelfImage(ctx)
			if err != nil {
				return err
			}
			list, err := labimages.For(sc.Plan, sc.Components, self)
			if err != nil {
				return err
			}
			for _, c := range sc.Plan.Clusters {
				load := docker.KindImageLoad{KindCluster: c.KindName, Images: list.SideLoad(c.Name), Label: "[" + c.Name + "]"}
				if err := sc.Engine.LoadImages(ctx, sc.Status, load); err != nil {
					return fmt.Errorf("cluster %s: %w", c.Name, err)
				}
			}
			return nil
		},
	}
}
