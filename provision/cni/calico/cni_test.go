package calico

import (
	"github.com/netlab-dev/netlab/provision/images"
	"net/netip"
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/netlab-dev/netlab/internal/hint"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestCRDsComeFromCalicosPackage(t *testing.T) {
	crds, err := CRDs()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, o := range crds {
		if o.GetKind() != "CustomResourceDefinition" || o.GetAPIVersion() != "apiextensions.k8s.io/v1" {
			t.Errorf("%s is a %s %s", o.GetName(), o.GetAPIVersion(), o.GetKind())
		}
		names[o.GetName()] = true
	}
	// What calico-node, the CNI plug-in and kube-controllers read and write in VXLAN mode.
	for _, want := range []string{
		"ippools.crd.projectcalico.org", "ipamblocks.crd.projectcalico.org", "blockaffinities.crd.projectcalico.org",
		"ipamhandles.crd.projectcalico.org", "ipamconfigs.crd.projectcalico.org", "felixconfigurations.crd.projectcalico.org",
		"clusterinformations.crd.projectcalico.org", "kubecontrollersconfigurations.crd.projectcalico.org",
		"networkpolicies.crd.projectcalico.org", "globalnetworkpolicies.crd.projectcalico.org",
	} {
		if !names[want] {
			t.Errorf("no CRD %s", want)
		}
	}
	if len(crds) < 20 {
		t.Errorf("%d CRDs; Calico v3.31 has 24", len(crds))
	}
}

func TestTunnelTrouble(t *testing.T) {
	cidr := netip.MustParsePrefix("10.244.0.0/16")
	node := func(name, addr string) corev1.Node {
		n := corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}}
		if addr != "" {
			n.Annotations = map[string]string{TunnelAnnotation: addr}
		}
		return n
	}
	for _, tc := range []struct {
		name  string
		nodes []corev1.Node
		want  string
	}{
		{"all have one", []corev1.Node{node("cp", "10.244.1.0"), node("w", "10.244.2.64")}, ""},
		{"one has none", []corev1.Node{node("cp", "10.244.1.0"), node("w", "")}, "w has none"},
		{"outside the CIDR", []corev1.Node{node("cp", "192.168.0.1")}, "cp has 192.168.0.1, outside the Pod CIDR 10.244.0.0/16"},
		{"no nodes", nil, "no nodes"},
	} {
		if got := tunnelTrouble(tc.nodes, TunnelAnnotation, cidr); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

// Every planned mode is rendered; ipip and bgp are refused only on netlab's own calico-node image,
// which has no BIRD, naming the way out.
func TestSupportsAndCheckImages(t *testing.T) {
	hermetic := images.StaticHost{Built: true}
	upstream := images.StaticHost{}
	for _, mode := range []string{"vxlan", "ipip", "bgp"} {
		c := cniMatrixCalico(t)
		c.CNI.Mode = mode
		if err := (CNI{}).Supports(c); err != nil {
			t.Errorf("%s: %v", mode, err)
		}
		if err := (CNI{}).CheckImages(c, upstream); err != nil {
			t.Errorf("%s on upstream's image: %v", mode, err)
		}
		err := (CNI{}).CheckImages(c, hermetic)
		switch {
		case mode == "vxlan" && err != nil:
			t.Errorf("vxlan on the hermetic image: %v", err)
		case mode != "vxlan" && (err == nil || !strings.Contains(err.Error(), "no BIRD") ||
			!strings.Contains(strings.Join(hint.Hints(err), " "), "set cni.mode to vxlan")):
			t.Errorf("%s on the hermetic image: %v (hint %q)", mode, err, hint.Hints(err))
		}
	}
	c := cniMatrixCalico(t)
	c.CNI.Mode = "wireguard"
	if err := (CNI{}).Supports(c); err == nil {
		t.Error("an unknown mode must be refused")
	}
}

func TestTunnelAnnotationPerMode(t *testing.T) {
	for mode, want := range map[string]string{"vxlan": TunnelAnnotation, "ipip": IPIPTunnelAnnotation, "bgp": ""} {
		c := cniMatrixCalico(t)
		c.CNI.Mode = mode
		if got := tunnelAnnotation(c); got != want {
			t.Errorf("%s: %q, want %q", mode, got, want)
		}
	}
}

func TestAffinityRanges(t *testing.T) {
	aff := func(node, cidr, state string, deleted any) unstructured.Unstructured {
		spec := map[string]any{"node": node, "cidr": cidr, "state": state}
		if deleted != nil {
			spec["deleted"] = deleted
		}
		return unstructured.Unstructured{Object: map[string]any{"spec": spec}}
	}
	got := affinityRanges([]unstructured.Unstructured{
		aff("w", "10.0.118.0/24", "confirmed", "false"),
		aff("cp", "10.0.76.0/24", "confirmed", nil),
		aff("w", "10.0.90.0/24", "confirmed", false),
		aff("w", "10.0.91.0/24", "pending", nil),
		aff("w", "10.0.92.0/24", "confirmed", "true"),
		aff("cp", "10.0.93.0/24", "pendingDeletion", nil),
	})
	want := map[string][]string{"cp": {"10.0.76.0/24"}, "w": {"10.0.118.0/24", "10.0.90.0/24"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ranges = %v, want %v", got, want)
	}
}
