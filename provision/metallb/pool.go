package metallb

import (
	"fmt"

	"github.com/netlab-dev/netlab/plan"
	"go.universe.tf/metallb/api/v1beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

// Pool returns the IPAddressPool for the cluster's planned addresses and the L2Advertisement that
// announces it, as MetalLB's Go types.
func Pool(c plan.ClusterPlan) (*v1beta1.IPAddressPool, *v1beta1.L2Advertisement, error) {
	if c.MetalLB == nil {
		return nil, nil, fmt.Errorf("metallb: cluster %s has no metallb in its plan", c.Name)
	}
	if len(c.MetalLB.Addresses) == 0 {
		return nil, nil, fmt.Errorf("metallb: cluster %s: the plan gives the pool no addresses", c.Name)
	}
	pool := &v1beta1.IPAddressPool{
		TypeMeta:   metav1.TypeMeta{APIVersion: v1beta1.GroupVersion.String(), Kind: "IPAddressPool"},
		ObjectMeta: meta(PoolName, ""),
		Spec: v1beta1.IPAddressPoolSpec{
			Addresses:  append([]string(nil), c.MetalLB.Addresses...),
			AutoAssign: ptr(true),
			// The plan's pools sit in the top half of a subnet and may include .0/.255 of a larger
			// block; they are valid host addresses on the VPC network, so use them.
			AvoidBuggyIPs: false,
		},
	}
	adv := &v1beta1.L2Advertisement{
		TypeMeta:   metav1.TypeMeta{APIVersion: v1beta1.GroupVersion.String(), Kind: "L2Advertisement"},
		ObjectMeta: meta(L2AdvertisementName, ""),
		Spec: v1beta1.L2AdvertisementSpec{
			IPAddressPools: []string{PoolName},
			Interfaces:     []string{AnnounceInterface},
		},
	}
	return pool, adv, nil
}

// PoolObjects returns the IPAddressPool and L2Advertisement as unstructured objects, in apply
// order. Apply them after the controller Deployment is available (MetalLB runs without its
// validating webhook, so nothing else has to be up).
func PoolObjects(c plan.ClusterPlan) ([]*unstructured.Unstructured, error) {
	pool, adv, err := Pool(c)
	if err != nil {
		return nil, err
	}
	return metallbObjects([]runtime.Object{pool, adv})
}
