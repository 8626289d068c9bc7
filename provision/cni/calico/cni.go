package calico

import (
	"context"
	"fmt"
	"net/netip"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/netlab-dev/netlab/internal/hint"
	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/provision/images"
	"github.com/netlab-dev/netlab/provision/kube"
)

// CNI installs netlab's rendering of Calico (component.CNI).
type CNI struct{}

// Name is the scenario's cni.type.
func (CNI) Name() string { return "calico" }

// Images are what Calico's Pods run.
func (CNI) Images(plan.ClusterPlan) []string { return Images() }

// Supports accepts the three modes netlab renders: vxlan, ipip and bgp. Whether the host can run
// ipip is the kernel probe's to say; whether its calico-node image has BIRD is CheckImages'.
func (CNI) Supports(c plan.ClusterPlan) error {
	switch c.CNI.Mode {
	case "vxlan", "ipip", "bgp":
		return nil
	}
	return fmt.Errorf("calico has no mode %q; set cni.mode to vxlan, ipip or bgp", c.CNI.Mode)
}

// CheckImages refuses ipip and bgp on netlab's hermetic calico-node image: both need BIRD,
// Calico's BGP daemon, to carry the Pod routes between nodes, and BIRD is C, so the image built
// here from Go modules has none. Upstream's image (pulled on a connected host, or loaded from a
// bundle made on one) has it; netlab renders those modes for it, and they are not verified here.
func (CNI) CheckImages(c plan.ClusterPlan, host images.Host) error {
	if backend(c) != "bird" || !host.BuiltHere(images.CalicoNode) {
		return nil
	}
	return hint.Wrap(fmt.Errorf("calico mode %s needs BIRD, Calico's BGP daemon, and this host's %s is netlab's build from Go modules, which has no BIRD (BIRD is C)", c.CNI.Mode, images.CalicoNode),
		"set cni.mode to vxlan, or use upstream's calico-node image (pulled on a host with registry access, or loaded with 'netlab images load' from a bundle saved on one)")
}

// DataPlane: a routed cali* veth per Pod; between nodes Felix's VXLAN device, or BIRD's routes
// through tunl0 (IPIP) or plain (BGP); Felix's rules on the same back end as kube-proxy's
// (nftables under kube-proxy nftables, else iptables).
func (CNI) DataPlane(c plan.ClusterPlan) string {
	between := fmt.Sprintf("%s VXLAN (UDP %d)", Interface, c.CNI.VXLANPort)
	switch c.CNI.Mode {
	case "ipip":
		between = "tunl0 IPIP, routes from BIRD (BGP)"
	case "bgp":
		between = "no encapsulation, routes from BIRD (BGP)"
	}
	return fmt.Sprintf("routed cali* veths, %s, Felix on %s", between, felixBackend(c))
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

// Where Calico's Kubernetes datastore keeps a node's tunnel address, per mode (BGP has none).
const (
	TunnelAnnotation     = "projectcalico.org/IPv4VXLANTunnelAddr"
	IPIPTunnelAnnotation = "projectcalico.org/IPv4IPIPTunnelAddr"
)

var ipPools = schema.GroupVersionResource{Group: "crd.projectcalico.org", Version: "v1", Resource: "ippools"}

// waitTunnels waits until the cluster's IP pool exists and, in the tunnelled modes, every node has
// its tunnel address from the Pod CIDR.
func waitTunnels(ctx context.Context, kc *kube.Client, c plan.ClusterPlan, timeout time.Duration) error {
	annotation := tunnelAnnotation(c)
	err := kube.Poll(ctx, timeout, func(ctx context.Context) (bool, string, error) {
		if _, err := kc.Dynamic.Resource(ipPools).Get(ctx, PoolName, metav1.GetOptions{}); err != nil {
			return false, "IP pool " + PoolName + ": " + err.Error(), nil
		}
		if annotation == "" {
			return true, "", nil
		}
		nodes, err := kc.Clientset.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err.Error(), nil
		}
		trouble := tunnelTrouble(nodes.Items, annotation, c.PodCIDR)
		return trouble == "", trouble, nil
	})
	if err != nil {
		return fmt.Errorf("cluster %s: calico IP pool and tunnel addresses %w", c.Name, err)
	}
	return nil
}

// tunnelAnnotation is the annotation of cluster c's tunnel addresses ("" in BGP mode: no tunnel).
func tunnelAnnotation(c plan.ClusterPlan) string {
	switch c.CNI.Mode {
	case "vxlan":
		return TunnelAnnotation
	case "ipip":
		return IPIPTunnelAnnotation
	}
	return ""
}

// tunnelTrouble says which nodes have no tunnel address (in annotation) in podCIDR ("" when every
// one has).
func tunnelTrouble(nodes []corev1.Node, annotation string, podCIDR netip.Prefix) string {
	var missing []string
	for _, n := range nodes {
		a, err := netip.ParseAddr(n.Annotations[annotation])
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

var blockAffinities = schema.GroupVersionResource{Group: "crd.projectcalico.org", Version: "v1", Resource: "blockaffinities"}

// PodRanges are the IPAM blocks each node holds (component.PodRanger): Calico hands Pod addresses
// out of blocks of the pool, not out of the node's spec.podCIDR.
func (CNI) PodRanges(ctx context.Context, kc *kube.Client, c plan.ClusterPlan) (map[string][]string, error) {
	list, err := kc.Dynamic.Resource(blockAffinities).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("cluster %s: calico block affinities: %w", c.Name, err)
	}
	return affinityRanges(list.Items), nil
}

// affinityRanges maps each node to the CIDRs of its confirmed, live block affinities, sorted.
func affinityRanges(items []unstructured.Unstructured) map[string][]string {
	out := map[string][]string{}
	for _, it := range items {
		node, _, _ := unstructured.NestedString(it.Object, "spec", "node")
		cidr, _, _ := unstructured.NestedString(it.Object, "spec", "cidr")
		state, _, _ := unstructured.NestedString(it.Object, "spec", "state")
		deleted, _, _ := unstructured.NestedFieldNoCopy(it.Object, "spec", "deleted")
		if node == "" || cidr == "" || state != "confirmed" || deleted == true || deleted == "true" {
			continue
		}
		out[node] = append(out[node], cidr)
	}
	for _, cidrs := range out {
		sort.Strings(cidrs)
	}
	return out
}
