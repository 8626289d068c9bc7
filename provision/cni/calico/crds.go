package calico

import (
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/projectcalico/calico/libcalico-go/config"

	"github.com/netlab-dev/netlab/provision/kube"
)

// CRDs are the CustomResourceDefinitions of the pinned Calico release, as Calico's own Go package
// (libcalico-go/config) hands them out: the crd.projectcalico.org kinds calico-node and
// kube-controllers read and write (IP pools, blocks and affinities, Felix configuration, policies),
// and the policy.networking.k8s.io kinds Calico's RBAC watches.
func CRDs() ([]*unstructured.Unstructured, error) {
	crds, err := config.AllCRDs()
	if err != nil {
		return nil, fmt.Errorf("calico CRDs: %w", err)
	}
	objs := make([]runtime.Object, 0, len(crds))
	for _, crd := range crds {
		crd.APIVersion, crd.Kind = "apiextensions.k8s.io/v1", "CustomResourceDefinition"
		objs = append(objs, crd)
	}
	out, err := kube.Unstructured(objs)
	if err != nil {
		return nil, fmt.Errorf("calico CRDs: %w", err)
	}
	return out, nil
}
