package calico

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/netlab-dev/netlab/internal/hint"
	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/provision/kube"
)

// CNI installs netlab's rendering of Calico (component.CNI).
type CNI struct{}

// Name is the scenario's cni.type.
func (CNI) Name() string { return "calico" }

// Images are what Calico's Pods run.
func (CNI) Images(plan.ClusterPlan) []string { return Images() }

// Supports accepts vxlan, the one mode netlab renders. ipip and bgp both need BIRD, Calico's BGP
// daemon: it is C, so netlab's hermetic calico-node image cannot hold it, and netlab does not
// render it yet for hosts that pull upstream's image.
func (CNI) Supports(c plan.ClusterPlan) error {
	if c.CNI.Mode == "vxlan" {
		return nil
	}
	return hint.Wrap(fmt.Errorf("calico mode %s needs BIRD, Calico's BGP daemon, which netlab does not install (its calico-node image is built from Go modules, and BIRD is C)", c.CNI.Mode),
		"set cni.mode to vxlan, the calico mode netlab installs")
}

// DataPlane: a routed cali* veth per Pod, Felix's VXLAN device, and Felix's rules on the same
// back end as kube-proxy's (nftables under kube-proxy nftables, else iptables).
func (CNI) DataPlane(c plan.ClusterPlan) string {
	return fmt.Sprintf("routed cali* veths, %s VXLAN (UDP %d), Felix on %s", Interface, c.CNI.VXLANPort, felixBackend(c))
}

func felixBackend(c plan.ClusterPlan) string {
	if c.KubeProxyMode == "nftables" {
		return "nftables"
	}
	return "iptables"
}

// Install applies the CRDs and the objects, then waits as a Calico user checks an install:
// calico-node Ready on every node (its readiness probe is Felix's), kube-controllers available, the
// IP pool present, and every node holding its VXLAN tunnel address.
func (CNI) Install(ctx context.Context, kc *kube.Client, c plan.ClusterPlan, timeout time.Duration) error {
	crds, err := CRDs()
	if err != nil {
		return err
	}
	objs, err := Objects(c)
	if err != nil {
		return fmt.Errorf("cluster %s: render calico: %w", c.Name, err)
	}
	if err := kc.Apply(ctx, append(crds, objs...)); err != nil {
		return err
	}
	if err := kc.WaitDaemonSet(ctx, Namespace, DaemonSet, timeout); err != nil {
		return err
	}
	if err := kc.WaitDeployment(ctx, Namespace, KubeControllers, timeout); err != nil {
		return err
	}
	return waitTunnels(ctx, kc, c, timeout)
}

// TunnelAnnotation is where Calico's Kubernetes datastore keeps a node's VXLAN tunnel address.
const TunnelAnnotation = "projectcalico.org/IPv4VXLANTunnelAddr"

var ipPools = schema.GroupVersionResource{Group: "crd.projectcalico.org", Version: "v1", Resource: "ippools"}

// waitTunnels waits until the cluster's IP pool exists and every node has a VXLAN tunnel address
// from the Pod CIDR.
func waitTunnels(ctx context.Context, kc *kube.Client, c plan.ClusterPlan, timeout time.Duration) error {
	err := kube.Poll(ctx, timeout, func(ctx context.Context) (bool, string, error) {
		if _, err := kc.Dynamic.Resource(ipPools).Get(ctx, PoolName, metav1.GetOptions{}); err != nil {
			return false, "IP pool " + PoolName + ": " + err.Error(), nil
		}
		nodes, err := kc.Clientset.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err.Error(), nil
		}
		trouble := tunnelTrouble(nodes.Items, c.PodCIDR)
		return trouble == "", trouble, nil
	})
	if err != nil {
		return fmt.Errorf("cluster %s: calico VXLAN tunnel addresses %w", c.Name, err)
	}
	return nil
}

// tunnelTrouble says which nodes have no VXLAN tunnel address in podCIDR ("" when every one has).
func tunnelTrouble(nodes []corev1.Node, podCIDR netip.Prefix) string {
	var missing []string
	for _, n := range nodes {
		a, err := netip.ParseAddr(n.Annotations[TunnelAnnotation])
		switch {
		case err != nil:
			missing = append(missing, n.Name+" has none")
		case !podCIDR.Contains(a):
			missing = append(missing, fmt.Sprintf("%s has %s, outside the Pod CIDR %s", n.Name, a, podCIDR))
		}
	}
	if len(nodes) == 0 {
		return "no nodes"
	}
	return strings.Join(missing, "; ")
}
