package cilium

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netlab-dev/netlab/internal/ciliumnames"
	"github.com/netlab-dev/netlab/internal/hint"
	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/provision/helm"
	"github.com/netlab-dev/netlab/provision/images"
	"github.com/netlab-dev/netlab/provision/kube"
)

// Names in the cluster, as upstream's chart makes them (package ciliumnames).
const (
	Namespace          = ciliumnames.Namespace
	Release            = "cilium"
	AgentDaemonSet     = ciliumnames.AgentDaemonSet
	AgentContainer     = ciliumnames.AgentContainer
	AgentSelector      = ciliumnames.AgentSelector
	OperatorDeployment = ciliumnames.OperatorDeployment
)

// Chart is upstream's chart at the pinned version.
func Chart() helm.Chart {
	return helm.Chart{Name: "cilium", Version: images.CiliumVersion, URL: images.CiliumChartURL, Digest: images.CiliumChartDigest}
}

// CNI installs Cilium (component.CNI).
type CNI struct {
	// Charts finds the chart's archive (--charts, netlab's cache, or helm.cilium.io).
	Charts helm.Source
	// Mirror, when set, is a registry holding quay.io's cilium repositories under the same paths.
	Mirror string
}

// Name is the scenario's cni.type.
func (CNI) Name() string { return "cilium" }

// Images are what Cilium's Pods run: the agent, the operator and the L7 proxy, by tag (the host's
// copies are checked against the pinned digests by CheckImages).
func (x CNI) Images(plan.ClusterPlan) []string {
	v := ValuesFor(plan.ClusterPlan{}, x.Mirror)
	return []string{ref(v.Image), strings.Replace(ref(v.Operator.Image), "/operator:", "/operator-generic:", 1), ref(v.Envoy.Image)}
}

func ref(im Image) string { return im.Repository + ":" + im.Tag }

// Supports accepts the two routing modes. crossClusterSource preserve needs Cilium's eBPF
// ip-masq-agent, which needs eBPF masquerading, which upstream ties to the kube-proxy
// replacement: it is accepted with kube-proxy none only.
func (CNI) Supports(c plan.ClusterPlan) error {
	switch c.CNI.Mode {
	case "vxlan", "native":
	default:
		return fmt.Errorf("cilium has no mode %q; set cni.mode to vxlan or native", c.CNI.Mode)
	}
	if c.CNI.CrossClusterSource == "preserve" && c.KubeProxyMode != "none" {
		return hint.Wrap(fmt.Errorf("cilium with cni.crossClusterSource preserve needs its eBPF ip-masq-agent, which needs eBPF masquerading, which needs Cilium's kube-proxy replacement; kubeProxy.mode is %s", c.KubeProxyMode),
			"set kubeProxy.mode: none, or cni.crossClusterSource: masquerade")
	}
	return nil
}

// DataPlane: eBPF programs on each Pod's lxc veth; VXLAN (cilium_vxlan) or plain routes between
// nodes; Services by kube-proxy or by Cilium's eBPF service map.
func (CNI) DataPlane(c plan.ClusterPlan) string {
	between := fmt.Sprintf("cilium_vxlan VXLAN (UDP %d)", c.CNI.VXLANPort)
	if c.CNI.Mode == "native" {
		between = "native routes via each node (autoDirectNodeRoutes)"
	}
	services := "Services by kube-proxy (" + c.KubeProxyMode + ")"
	if c.KubeProxyMode == "none" {
		services = "Services by Cilium's eBPF service map (kube-proxy replaced)"
	}
	return fmt.Sprintf("Cilium %s eBPF on lxc* veths; between nodes %s; %s", images.CiliumVersion, between, services)
}

// Fetch gets the chart archive before anything of the lab is created: a host that cannot have it
// (offline, no --charts) is refused before any cluster exists.
func (x CNI) Fetch(ctx context.Context) error {
	_, err := x.Charts.Archive(ctx, Chart())
	return err
}

// WhyNotBuilt says why no image of Cilium's is built by netlab's local image builder.
func (CNI) WhyNotBuilt() string {
	return "Cilium's data plane cannot be built locally (its agent compiles BPF programs from C with clang at run time): run on a host with registry access, or load an image bundle saved on one ('netlab images load BUNDLE') and pass the chart with --charts DIR"
}

// CheckImages checks the host's pulled copies of Cilium's images against the pinned digests: a
// mirror must serve the very images the chart version names. A copy built or loaded here has no
// registry digest to compare (a bundle's images are the ones saved on a connected host).
func (x CNI) CheckImages(c plan.ClusterPlan, host images.Host) error {
	refs := x.Images(c)
	want := map[string]string{refs[0]: images.CiliumAgentDigest, refs[1]: images.CiliumOperatorDigest, refs[2]: images.CiliumEnvoyDigest}
	var bad []string
	for _, r := range refs {
		got := host.RepoDigests(r)
		if len(got) > 0 && !hasDigest(got, want[r]) {
			bad = append(bad, fmt.Sprintf("%s (want %s, the host's copy was pulled as %s)", r, want[r], strings.Join(got, ", ")))
		}
	}
	if len(bad) == 0 {
		return nil
	}
	sort.Strings(bad)
	return hint.Wrap(fmt.Errorf("the host's copies of Cilium's images are not the pinned ones: %s", strings.Join(bad, "; ")),
		"remove them ('docker rmi') and let 'netlab up' pull them again, or fix the mirror they came from")
}

func hasDigest(got []string, want string) bool {
	for _, g := range got {
		if strings.HasSuffix(g, "@"+want) {
			return true
		}
	}
	return false
}

// Install applies the chart (install, upgrade when the values or version changed, or nothing),
// then waits as a Cilium user checks an install: the agent DaemonSet and the operator ready, and
// every agent's own status OK ('cilium-dbg status --brief').
func (x CNI) Install(ctx context.Context, kc *kube.Client, c plan.ClusterPlan, timeout time.Duration) error {
	archive, err := x.Charts.Archive(ctx, Chart())
	if err != nil {
		return err
	}
	vals, err := helm.ValuesOf(ValuesFor(c, x.Mirror))
	if err != nil {
		return err
	}
	rel := helm.Release{Name: Release, Namespace: Namespace, Chart: Chart(), Values: vals}
	if _, err := helm.New(kc.Kubeconfig, nil).Apply(ctx, rel, archive, timeout); err != nil {
		return err
	}
	if err := kc.WaitDaemonSet(ctx, Namespace, AgentDaemonSet, timeout); err != nil {
		return err
	}
	if err := kc.WaitDeployment(ctx, Namespace, OperatorDeployment, timeout); err != nil {
		return err
	}
	return kube.Poll(ctx, timeout, func(ctx context.Context) (bool, string, error) {
		return agentsOK(ctx, kc)
	})
}

// agentsOK asks every agent for its status: done when each prints OK.
func agentsOK(ctx context.Context, kc *kube.Client) (bool, string, error) {
	pods, err := kc.Clientset.CoreV1().Pods(Namespace).List(ctx, metav1.ListOptions{LabelSelector: AgentSelector})
	if err != nil {
		return false, "", err
	}
	if len(pods.Items) == 0 {
		return false, "no Cilium agent Pod yet", nil
	}
	for _, p := range pods.Items {
		if p.Status.Phase != corev1.PodRunning {
			return false, p.Name + " is " + string(p.Status.Phase), nil
		}
		cctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		out, errOut, err := kc.Exec(cctx, Namespace, p.Name, AgentContainer, []string{"cilium-dbg", "status", "--brief"})
		cancel()
		if msg := StatusProblem(out, errOut, err); msg != "" {
			return false, p.Name + " (" + p.Spec.NodeName + "): " + msg, nil
		}
	}
	return true, "", nil
}

// StatusProblem reads 'cilium-dbg status --brief': "" when it printed OK and exited 0, else what
// it said.
func StatusProblem(stdout, stderr []byte, err error) string {
	out := strings.TrimSpace(string(stdout))
	if err == nil && out == "OK" {
		return ""
	}
	msg := strings.TrimSpace(out + " " + strings.TrimSpace(string(stderr)))
	if err != nil {
		msg = strings.TrimSpace(msg + " (" + err.Error() + ")")
	}
	if msg == "" {
		msg = "cilium-dbg status --brief printed nothing"
	}
	return "cilium-dbg status: " + msg
}

// PodRanges reads each node's Pod ranges from its CiliumNode (component.PodRanger), for the routes
// to them (the transit gateway's per-node routes).
func (CNI) PodRanges(ctx context.Context, kc *kube.Client, c plan.ClusterPlan) (map[string][]string, error) {
	list, err := kc.Dynamic.Resource(ciliumnames.Nodes).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("cluster %s: CiliumNodes: %w", c.Name, err)
	}
	return ciliumnames.NodeRanges(list.Items), nil
}

// Health is every agent's own status ('cilium-dbg status --brief'), for 'netlab status'.
func (CNI) Health(ctx context.Context, kc *kube.Client, _ plan.ClusterPlan) string {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	ok, why, err := agentsOK(ctx, kc)
	switch {
	case err != nil:
		return "Cilium agents: " + err.Error()
	case !ok:
		return "Cilium agent " + why
	}
	return "cilium-dbg status: OK on every agent"
}
