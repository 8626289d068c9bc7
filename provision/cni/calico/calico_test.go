package calico

import (
	"encoding/json"
	"net/netip"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/netlab-dev/netlab/internal/golden"
	"github.com/netlab-dev/netlab/internal/testplan"
	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/provision/images"
	"github.com/netlab-dev/netlab/provision/kube"
)

// cniMatrixCalico is the calico cluster of the built-in cni-matrix scenario.
func cniMatrixCalico(t *testing.T) plan.ClusterPlan {
	t.Helper()
	c, ok := testplan.Builtin(t, "cni-matrix").Cluster("calico")
	if !ok {
		t.Fatal("cni-matrix has no cluster calico")
	}
	return *c
}

func render(t *testing.T, c plan.ClusterPlan) []*unstructured.Unstructured {
	t.Helper()
	objs, err := Objects(c)
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

func find(t *testing.T, objs []*unstructured.Unstructured, kind, name string, into any) {
	t.Helper()
	for _, o := range objs {
		if o.GetKind() == kind && o.GetName() == name {
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, into); err != nil {
				t.Fatal(err)
			}
			return
		}
	}
	t.Fatalf("no %s %s among the objects", kind, name)
}

func TestGoldenCNIMatrixCalico(t *testing.T) {
	got, err := kube.YAML(render(t, cniMatrixCalico(t)))
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "testdata/cni-matrix-calico.yaml", got)
}

// The plan's values reach the objects: the Pod CIDR as the one enabled pool (VXLAN always, IPIP
// never, masquerading), the Pod MTU in the ConfigMap that the CNI config and Felix read, the
// pinned images, and no default pool of calico-node's own.
func TestObjectsFollowThePlan(t *testing.T) {
	c := cniMatrixCalico(t)
	objs := render(t, c)
	var pool IPPool
	find(t, objs, "IPPool", PoolName, &pool)
	want := IPPoolSpec{CIDR: c.PodCIDR.String(), VXLANMode: "Always", IPIPMode: "Never", NATOutgoing: true, BlockSize: 24,
		NodeSelector: "all()", AllowedUses: []string{"Workload", "Tunnel"}, AssignmentMode: "Automatic"}
	if g, _ := json.Marshal(pool.Spec); string(g) != mustJSON(t, want) {
		t.Errorf("pool %s, want %s", g, mustJSON(t, want))
	}
	var cm corev1.ConfigMap
	find(t, objs, "ConfigMap", ConfigMap, &cm)
	if cm.Data["veth_mtu"] != "1450" || c.CNI.PodMTU != 1450 || cm.Data["calico_backend"] != "vxlan" {
		t.Errorf("config %v, plan Pod MTU %d; want 1450 and vxlan", cm.Data, c.CNI.PodMTU)
	}
	var conf map[string]any
	filled := strings.NewReplacer("__CNI_MTU__", "1450").Replace(cm.Data["cni_network_config"])
	if err := json.Unmarshal([]byte(filled), &conf); err != nil {
		t.Errorf("the CNI config is not JSON once install-cni fills in the MTU: %v", err)
	}
	var ds appsv1.DaemonSet
	find(t, objs, "DaemonSet", DaemonSet, &ds)
	pod := ds.Spec.Template.Spec
	if len(pod.InitContainers) != 1 || pod.InitContainers[0].Image != images.CalicoCNI || pod.Containers[0].Image != images.CalicoNode {
		t.Errorf("images: init %+v, main %s", pod.InitContainers, pod.Containers[0].Image)
	}
	env := map[string]string{}
	for _, e := range pod.Containers[0].Env {
		env[e.Name] = e.Value
	}
	if env["NO_DEFAULT_POOLS"] != "true" || env["DATASTORE_TYPE"] != "kubernetes" || env["FELIX_HEALTHENABLED"] != "true" {
		t.Errorf("calico-node env %v", env)
	}
	if _, ok := env["FELIX_NFTABLESMODE"]; ok {
		t.Errorf("iptables cluster with Felix on nftables: %v", env)
	}
	for _, p := range []*corev1.Probe{pod.Containers[0].LivenessProbe, pod.Containers[0].ReadinessProbe} {
		if p == nil || p.Exec == nil || strings.Contains(strings.Join(p.Exec.Command, " "), "bird") {
			t.Errorf("probe %+v: want felix only (no BGP daemon in VXLAN mode)", p)
		}
	}
	var kc appsv1.Deployment
	find(t, objs, "Deployment", KubeControllers, &kc)
	if img := kc.Spec.Template.Spec.Containers[0].Image; img != images.CalicoKubeControllers {
		t.Errorf("kube-controllers image %s", img)
	}
	if c.CNI.VXLANPort != VXLANPort || c.CNI.Encapsulation != "vxlan" {
		t.Errorf("the plan expects %s on UDP %d; Felix's port is %d", c.CNI.Encapsulation, c.CNI.VXLANPort, VXLANPort)
	}
	for _, img := range Images() {
		if !strings.HasSuffix(img, ":"+images.CalicoVersion) {
			t.Errorf("image %s is not pinned to %s", img, images.CalicoVersion)
		}
	}
}

// Pools come before the workloads that read them, and RBAC before everything that runs.
func TestApplyOrder(t *testing.T) {
	kinds := []string{}
	for _, o := range render(t, cniMatrixCalico(t)) {
		if n := len(kinds); n == 0 || kinds[n-1] != o.GetKind() {
			kinds = append(kinds, o.GetKind())
		}
	}
	want := "ServiceAccount ClusterRole ClusterRoleBinding ClusterRole ClusterRoleBinding ClusterRole ClusterRoleBinding ConfigMap IPPool DaemonSet Deployment"
	if got := strings.Join(kinds, " "); got != want {
		t.Errorf("order %s\nwant  %s", got, want)
	}
}

// Under crossClusterSource preserve, each non-masquerade CIDR is a disabled, non-masquerading pool
// that no node tunnels to; a range smaller than a block gets a block its own size.
func TestPreserveAddsDisabledPools(t *testing.T) {
	c := cniMatrixCalico(t)
	c.CNI.CrossClusterSource = "preserve"
	c.CNI.NonMasqueradeCIDRs = []netip.Prefix{netip.MustParsePrefix("10.1.0.0/16"), netip.MustParsePrefix("10.9.9.0/28")}
	pools := Pools(c)
	if len(pools) != 3 || pools[0].Spec.Disabled || !pools[0].Spec.NATOutgoing {
		t.Fatalf("pools %+v", pools)
	}
	for i, p := range pools[1:] {
		s := p.Spec
		if !s.Disabled || s.NATOutgoing || s.VXLANMode != "Never" || s.NodeSelector != "!all()" || s.CIDR != c.CNI.NonMasqueradeCIDRs[i].String() {
			t.Errorf("pool %s: %+v", p.Name, s)
		}
	}
	if pools[1].Spec.BlockSize != 26 || pools[2].Spec.BlockSize != 28 {
		t.Errorf("block sizes %d, %d; want 26 and 28", pools[1].Spec.BlockSize, pools[2].Spec.BlockSize)
	}
	c.CNI.CrossClusterSource = "masquerade"
	if n := len(Pools(c)); n != 1 {
		t.Errorf("masquerade: %d pools, want 1", n)
	}
}

// Under kube-proxy's nftables mode Felix programs nftables too.
func TestNftablesMode(t *testing.T) {
	c := cniMatrixCalico(t)
	c.KubeProxyMode = "nftables"
	found := false
	for _, e := range NodeEnv(c) {
		found = found || (e.Name == "FELIX_NFTABLESMODE" && e.Value == "Enabled")
	}
	if !found {
		t.Error("FELIX_NFTABLESMODE=Enabled missing under kube-proxy nftables")
	}
}

// IPIP and BGP run BIRD: the "bird" back end, CLUSTER_TYPE k8s,bgp, BIRD's probes beside Felix's,
// and the pool's encapsulation per mode (IPIP always, or none for BGP's native routes).
func TestBIRDModes(t *testing.T) {
	for _, tc := range []struct{ mode, vxlan, ipip, backend, clusterType, ready string }{
		{"vxlan", "Always", "Never", "vxlan", "k8s", "/bin/calico-node -felix-ready"},
		{"ipip", "Never", "Always", "bird", "k8s,bgp", "/bin/calico-node -felix-ready -bird-ready"},
		{"bgp", "Never", "Never", "bird", "k8s,bgp", "/bin/calico-node -felix-ready -bird-ready"},
	} {
		c := cniMatrixCalico(t)
		c.CNI.Mode = tc.mode
		objs := render(t, c)
		var pool IPPool
		find(t, objs, "IPPool", PoolName, &pool)
		if pool.Spec.VXLANMode != tc.vxlan || pool.Spec.IPIPMode != tc.ipip {
			t.Errorf("%s: pool vxlanMode %s ipipMode %s", tc.mode, pool.Spec.VXLANMode, pool.Spec.IPIPMode)
		}
		var cm corev1.ConfigMap
		find(t, objs, "ConfigMap", ConfigMap, &cm)
		if cm.Data["calico_backend"] != tc.backend {
			t.Errorf("%s: calico_backend %q", tc.mode, cm.Data["calico_backend"])
		}
		var ds appsv1.DaemonSet
		find(t, objs, "DaemonSet", DaemonSet, &ds)
		node := ds.Spec.Template.Spec.Containers[0]
		if got := strings.Join(node.ReadinessProbe.Exec.Command, " "); got != tc.ready {
			t.Errorf("%s: readiness %q", tc.mode, got)
		}
		for _, e := range node.Env {
			if e.Name == "CLUSTER_TYPE" && e.Value != tc.clusterType {
				t.Errorf("%s: CLUSTER_TYPE %q", tc.mode, e.Value)
			}
		}
	}
}

// What netlab does not render is refused, naming the cluster and what is wrong.
func TestRefusals(t *testing.T) {
	c := cniMatrixCalico(t)
	for _, r := range []struct {
		want string // in the error
		edit func(*plan.ClusterPlan)
	}{
		{"uses flannel, not calico", func(c *plan.ClusterPlan) { c.CNI.Type = "flannel" }},
		{`mode "wireguard"`, func(c *plan.ClusterPlan) { c.CNI.Mode = "wireguard" }},
		{"IPv4 Pod CIDR", func(c *plan.ClusterPlan) { c.PodCIDR = netip.MustParsePrefix("fd00::/64") }},
		{"no Pod MTU", func(c *plan.ClusterPlan) { c.CNI.PodMTU = 0 }},
	} {
		d := c
		r.edit(&d)
		if _, err := Objects(d); err == nil || !strings.Contains(err.Error(), r.want) || !strings.Contains(err.Error(), "cluster calico") {
			t.Errorf("want an error naming the cluster and %q, got %v", r.want, err)
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
