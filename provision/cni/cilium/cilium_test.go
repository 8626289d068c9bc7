package cilium

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/chartutil"
	"sigs.k8s.io/yaml"

	"github.com/netlab-dev/netlab/internal/golden"
	"github.com/netlab-dev/netlab/internal/hint"
	"github.com/netlab-dev/netlab/internal/testplan"
	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/provision/helm"
	"github.com/netlab-dev/netlab/provision/images"
)

// variants are the Cilium clusters the goldens cover: cni-matrix's two (VXLAN and native, both
// without kube-proxy), VXLAN beside kube-proxy with Hubble and a registry mirror, and a cluster
// that preserves its Pod IPs across the transit gateway (tgw-two-vpc's a, on Cilium).
func variants(t *testing.T) map[string]struct {
	c      plan.ClusterPlan
	mirror string
} {
	t.Helper()
	cm := testplan.Builtin(t, "cni-matrix")
	vx, _ := cm.Cluster("cilium")
	native, _ := cm.Cluster("cilium-native")
	beside := *vx
	beside.KubeProxyMode, beside.CNI.Hubble = "iptables", true
	tgw := testplan.Builtin(t, "tgw-two-vpc")
	a, _ := tgw.Cluster("a")
	preserve := *a
	preserve.CNI.Type, preserve.KubeProxyMode = "cilium", "none"
	if preserve.CNI.CrossClusterSource != "preserve" || len(preserve.CNI.NonMasqueradeCIDRs) == 0 {
		t.Fatalf("tgw-two-vpc's cluster a no longer preserves Pod IPs: %+v", preserve.CNI)
	}
	return map[string]struct {
		c      plan.ClusterPlan
		mirror string
	}{
		"vxlan-no-kube-proxy":            {c: *vx},
		"native-no-kube-proxy":           {c: *native},
		"vxlan-kube-proxy-hubble-mirror": {c: beside, mirror: "mirror.example.com/quay"},
		"preserve-pod-ip":                {c: preserve},
	}
}

func rendered(t *testing.T, c plan.ClusterPlan, mirror string) helm.Values {
	t.Helper()
	v, err := helm.ValuesOf(ValuesFor(c, mirror))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestValuesGolden(t *testing.T) {
	for name, v := range variants(t) {
		if err := (CNI{}).Supports(v.c); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out, err := yaml.Marshal(rendered(t, v.c, v.mirror))
		if err != nil {
			t.Fatal(err)
		}
		golden.Check(t, filepath.Join("testdata", "values-"+name+".yaml"), out)
	}
}

// Every variant's values pass netlab's schema of the keys it sets (testdata/values.schema.json),
// which refuses an unknown key; and the schema refuses what the chart would (a sanity check that it
// can fail).
func TestValuesMatchTheSchema(t *testing.T) {
	schema, err := os.ReadFile(filepath.Join("testdata", "values.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	for name, v := range variants(t) {
		if err := chartutil.ValidateAgainstSingleSchema(rendered(t, v.c, v.mirror), schema); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	vx := variants(t)["vxlan-no-kube-proxy"]
	for _, bad := range []func(helm.Values){
		func(v helm.Values) { v["kubeProxyReplacement"] = "strict" }, // the chart accepts only true or false
		func(v helm.Values) { v["routingMode"] = "vxlan" },
		func(v helm.Values) { v["tunnelProtocoll"] = "vxlan" },
		func(v helm.Values) { v["ipam"].(map[string]interface{})["mode"] = "cluster" },
	} {
		v := rendered(t, vx.c, "")
		bad(v)
		if err := chartutil.ValidateAgainstSingleSchema(v, schema); err == nil {
			t.Errorf("the schema accepts %v", v)
		}
	}
}

func TestValuesFollowThePlan(t *testing.T) {
	vs := variants(t)
	vx := ValuesFor(vs["vxlan-no-kube-proxy"].c, "")
	if vx.RoutingMode != "tunnel" || vx.TunnelProtocol != "vxlan" || vx.TunnelPort != 8472 || vx.AutoDirectNodeRoutes {
		t.Errorf("vxlan: %+v", vx)
	}
	if vx.KubeProxyReplacement != "true" || vx.K8sServiceHost != "cni-matrix-cilium-control-plane" || vx.K8sServicePort != 6443 || !vx.BPF.Masquerade {
		t.Errorf("kube-proxy none: %+v", vx)
	}
	c := vs["vxlan-no-kube-proxy"].c
	if vx.IPAM.Operator.ClusterPoolIPv4PodCIDRList[0] != c.PodCIDR.String() || vx.IPAM.Operator.ClusterPoolIPv4MaskSize != c.NodeCIDRMaskSize || vx.MTU != c.CNI.UplinkMTU {
		t.Errorf("IPAM or MTU do not follow the plan: %+v (plan %s /%d, MTU %d)", vx.IPAM, c.PodCIDR, c.NodeCIDRMaskSize, c.CNI.UplinkMTU)
	}
	native := ValuesFor(vs["native-no-kube-proxy"].c, "")
	if native.RoutingMode != "native" || !native.AutoDirectNodeRoutes || native.TunnelProtocol != "" || native.IPv4NativeRoutingCIDR != vs["native-no-kube-proxy"].c.PodCIDR.String() {
		t.Errorf("native: %+v", native)
	}
	beside := ValuesFor(vs["vxlan-kube-proxy-hubble-mirror"].c, "mirror.example.com/quay")
	if beside.KubeProxyReplacement != "false" || beside.K8sServiceHost != "" || beside.BPF.Masquerade || !beside.Hubble.Enabled || beside.Hubble.Relay.Enabled {
		t.Errorf("beside kube-proxy with Hubble: %+v", beside)
	}
	if beside.Image.Repository != "mirror.example.com/quay/cilium/cilium" || beside.Operator.Image.Repository != "mirror.example.com/quay/cilium/operator" {
		t.Errorf("mirror: %+v %+v", beside.Image, beside.Operator.Image)
	}
	pc := vs["preserve-pod-ip"].c
	pv := ValuesFor(pc, "")
	if pv.IPMasqAgent == nil || !pv.IPMasqAgent.Enabled || pv.IPMasqAgent.Config.NonMasqueradeCIDRs[0] != pc.PodCIDR.String() ||
		len(pv.IPMasqAgent.Config.NonMasqueradeCIDRs) != 1+len(pc.CNI.NonMasqueradeCIDRs) {
		t.Errorf("preserve: ip-masq-agent %+v for non-masquerade %v", pv.IPMasqAgent, pc.CNI.NonMasqueradeCIDRs)
	}
}

func TestSupports(t *testing.T) {
	vs := variants(t)
	c := vs["preserve-pod-ip"].c
	c.KubeProxyMode = "iptables"
	err := (CNI{}).Supports(c)
	if err == nil || !strings.Contains(err.Error(), "kube-proxy replacement") || !strings.Contains(strings.Join(hint.Hints(err), " "), "kubeProxy.mode: none") {
		t.Errorf("preserve beside kube-proxy: %v (hints %q)", err, hint.Hints(err))
	}
	c = vs["vxlan-no-kube-proxy"].c
	c.CNI.Mode = "ipip"
	if err := (CNI{}).Supports(c); err == nil || !strings.Contains(err.Error(), "vxlan or native") {
		t.Errorf("ipip: %v", err)
	}
}

func TestImagesAndTheirDigests(t *testing.T) {
	c := variants(t)["vxlan-no-kube-proxy"].c
	refs := (CNI{}).Images(c)
	want := []string{images.CiliumAgent, images.CiliumOperator, images.CiliumEnvoy}
	if strings.Join(refs, " ") != strings.Join(want, " ") {
		t.Fatalf("images %v, want %v", refs, want)
	}
	mirrored := (CNI{Mirror: "mirror.example.com/quay/"}).Images(c)
	if mirrored[1] != "mirror.example.com/quay/cilium/operator-generic:v"+images.CiliumVersion {
		t.Errorf("mirrored operator image %s", mirrored[1])
	}
	pinned := map[string][]string{
		refs[0]: {"quay.io/cilium/cilium@" + images.CiliumAgentDigest},
		refs[1]: {"quay.io/cilium/operator-generic@" + images.CiliumOperatorDigest},
		refs[2]: {"quay.io/cilium/cilium-envoy@" + images.CiliumEnvoyDigest},
	}
	if err := (CNI{}).CheckImages(c, images.StaticHost{Digests: pinned}); err != nil {
		t.Errorf("the pinned images: %v", err)
	}
	if err := (CNI{}).CheckImages(c, images.StaticHost{}); err != nil {
		t.Errorf("images loaded from a bundle (no registry digest): %v", err)
	}
	pinned[refs[0]] = []string{"quay.io/cilium/cilium@sha256:" + strings.Repeat("0", 64)}
	err := (CNI{}).CheckImages(c, images.StaticHost{Digests: pinned})
	if err == nil || !strings.Contains(err.Error(), refs[0]) || strings.Contains(err.Error(), refs[1]) {
		t.Errorf("another agent image: %v; want a refusal naming the agent only", err)
	}
}

func TestStatusProblem(t *testing.T) {
	for _, tc := range []struct {
		out, errOut string
		err         error
		want        string
	}{
		{"OK\n", "", nil, ""},
		{"error in cilium-health: not ready\n", "", errors.New("command terminated with exit code 1"), "cilium-dbg status: error in cilium-health: not ready (command terminated with exit code 1)"},
		{"", "cilium: daemon unreachable\n", errors.New("exit code 1"), "cilium-dbg status: cilium: daemon unreachable (exit code 1)"},
		{"OK", "", errors.New("exit code 1"), "cilium-dbg status: OK (exit code 1)"},
		{"", "", nil, "cilium-dbg status: cilium-dbg status --brief printed nothing"},
	} {
		if got := StatusProblem([]byte(tc.out), []byte(tc.errOut), tc.err); got != tc.want {
			t.Errorf("StatusProblem(%q, %q, %v) = %q, want %q", tc.out, tc.errOut, tc.err, got, tc.want)
		}
	}
}

func TestDataPlane(t *testing.T) {
	vs := variants(t)
	if got := (CNI{}).DataPlane(vs["vxlan-no-kube-proxy"].c); !strings.Contains(got, "cilium_vxlan VXLAN (UDP 8472)") || !strings.Contains(got, "kube-proxy replaced") {
		t.Errorf("vxlan: %s", got)
	}
	if got := (CNI{}).DataPlane(vs["native-no-kube-proxy"].c); !strings.Contains(got, "native routes") {
		t.Errorf("native: %s", got)
	}
}
