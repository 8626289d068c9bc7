package metallb

// Version is the MetalLB release netlab installs. The API types (and so the generated CRDs) come
// from the Go module go.universe.tf/metallb at this version; go.mod pins it.
const Version = "v0.16.2"

// Image references, with the exact upstream names. netlab never pulls them: they are side-loaded
// into the nodes (on this project's build machine they are built locally under these names).
//
// TODO(images): when provision/images gains one place for every pinned image, take these from it.
const (
	ControllerImage = "quay.io/metallb/controller:" + Version
	SpeakerImage    = "quay.io/metallb/speaker:" + Version
)

// Images are the images a MetalLB install needs on every node.
func Images() []string { return []string{ControllerImage, SpeakerImage} }
