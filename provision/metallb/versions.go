package metallb

import "github.com/netlab-dev/netlab/provision/images"

// Version is the MetalLB release netlab installs. The API types (and so the generated CRDs) come
// from the Go module go.universe.tf/metallb at this version; go.mod pins it.
const Version = images.MetalLBVersion

// Image references, with the exact upstream names, from package images (the one place where every
// pinned image is named). netlab never pulls them on a host without a registry: they are
// side-loaded into the nodes (on this project's build machine they are built locally).
const (
	ControllerImage = images.MetalLBController
	SpeakerImage    = images.MetalLBSpeaker
)

// Images are the images a MetalLB install needs on every node.
func Images() []string { return []string{ControllerImage, SpeakerImage} }
