// Package labimages is the images of a lab: which ones a plan needs (For, the one list that both
// 'netlab up' and 'netlab images' read), whether the host has them (Ensure, Inspect), and image
// bundles that carry them to a host without a registry (Save, Load).
package labimages

import (
	"fmt"
	"slices"

	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/provision/component"
	"github.com/netlab-dev/netlab/provision/istio"
)

// Role says what an image is for in a lab.
type Role string

// The roles.
const (
	// Node is a kind node image: a cluster's node containers run it (the Kubernetes component
	// images are inside it).
	Node Role = "node"
	// CNI is an image of a cluster's CNI, side-loaded into every node.
	CNI Role = "cni"
	// Addon is an image of an add-on (MetalLB), side-loaded into every node.
	Addon Role = "addon"
	// Mesh is an image of the Istio mesh (istiod, the agent), side-loaded into its members' nodes.
	Mesh Role = "mesh"
	// Self is netlab's own image (the probe, the TGW, the VPC clients): built on the host from the
	// netlab binary, never pulled, and not carried in bundles.
	Self Role = "self"
)

// Image is one image a lab needs.
type Image struct {
	Ref  string `json:"ref"`
	Role Role   `json:"role"`
	// Component names what runs it: "flannel", "MetalLB", "kind", "netlab".
	Component string `json:"component"`
	// Clusters are the clusters that need it, in plan order.
	Clusters []string `json:"clusters"`
}

// Pulled reports whether the image comes from a registry (or a bundle), rather than being built
// by netlab on the host.
func (im Image) Pulled() bool { return im.Role != Self }

// List is every image a lab needs, node images first, then each cluster's CNI and add-on images,
// then netlab's own; each reference once.
type List []Image

// For lists the images the lab of plan p needs. self is netlab's own image reference
// (images.EnsureSelfImage); "" leaves it out, for callers that only care about what can be pulled.
// A cluster whose CNI this netlab cannot install is an error, as it is for 'up'.
func For(p *plan.Plan, reg *component.Registry, self string) (List, error) {
	var l List
	add := func(ref string, role Role, comp, cluster string) {
		for i := range l {
			if l[i].Ref == ref {
				if !slices.Contains(l[i].Clusters, cluster) {
					l[i].Clusters = append(l[i].Clusters, cluster)
				}
				return
			}
		}
		l = append(l, Image{Ref: ref, Role: role, Component: comp, Clusters: []string{cluster}})
	}
	for _, c := range p.Clusters {
		add(c.NodeImage, Node, "kind", c.Name)
	}
	for _, c := range p.Clusters {
		cni, err := reg.CNI(c.CNI.Type)
		if err != nil {
			return nil, fmt.Errorf("cluster %s: %w", c.Name, err)
		}
		for _, ref := range cni.Images(c) {
			add(ref, CNI, cni.Name(), c.Name)
		}
		for _, a := range reg.Addons(c) {
			for _, ref := range a.Images(c) {
				add(ref, Addon, a.Name(), c.Name)
			}
		}
	}
	if p.Istio != nil {
		for _, m := range p.Istio.Clusters {
			for _, ref := range istio.ImagesFor(p.Istio).Refs() {
				add(ref, Mesh, "istio", m.Cluster)
			}
		}
	}
	if self != "" {
		for _, c := range p.Clusters {
			add(self, Self, "netlab", c.Name)
		}
	}
	return l, nil
}

// SideLoad are the images netlab puts into the nodes of cluster: every image it needs except its
// node image, which its nodes run.
func (l List) SideLoad(cluster string) []string {
	var out []string
	for _, im := range l {
		if im.Role != Node && slices.Contains(im.Clusters, cluster) {
			out = append(out, im.Ref)
		}
	}
	return out
}

// Refs are the references of the images for which keep is true (all of them when keep is nil).
func (l List) Refs(keep func(Image) bool) []string {
	var out []string
	for _, im := range l {
		if keep == nil || keep(im) {
			out = append(out, im.Ref)
		}
	}
	return out
}
