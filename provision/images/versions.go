// Package images names every container image a lab runs, in one place, and builds netlab's own.
//
// The references are upstream's, so that a host with registry access can pull them unchanged; on a
// host without one, ci/images builds each of them locally from Debian packages and Go modules under
// exactly these names (see docs/ci.md), and netlab side-loads them into the nodes.
package images

// BuildKeyLabel is the label ci/images/build.sh puts on every image it builds (its cache key): an
// image carrying it is this host's hermetic build, not upstream's.
const BuildKeyLabel = "netlab.build-key"

const (
	// KubernetesVersion is the version of the hermetic node image.
	KubernetesVersion = "v1.33.13"
	// HermeticNodeImage is the kind node image ci/images builds (it does not pose as upstream's).
	HermeticNodeImage = "netlab.local/node:" + KubernetesVersion

	// The Kubernetes component images, named exactly as kubeadm v1.33 asks for them
	// ('kubeadm config images list'), so that nothing is ever pulled.
	KubeAPIServer         = "registry.k8s.io/kube-apiserver:" + KubernetesVersion
	KubeControllerManager = "registry.k8s.io/kube-controller-manager:" + KubernetesVersion
	KubeScheduler         = "registry.k8s.io/kube-scheduler:" + KubernetesVersion
	KubeProxy             = "registry.k8s.io/kube-proxy:" + KubernetesVersion
	EtcdVersion           = "3.5.24"
	Etcd                  = "registry.k8s.io/etcd:" + EtcdVersion + "-0"
	CoreDNSVersion        = "v1.12.0"
	CoreDNS               = "registry.k8s.io/coredns/coredns:" + CoreDNSVersion
	Pause                 = "registry.k8s.io/pause:3.10"

	// The Kubernetes e2e suite that 'netlab conformance' runs: the runner laid out as upstream's
	// conformance image (go-runner as kubeconformance, ginkgo, e2e.test, kubectl) for
	// KubernetesVersion, and the test images its network specs ask for, named as
	// test/utils/image/manifest.go of that version names them. The hermetic build makes them all
	// (ci/images/build.sh conformance); a connected host pulls upstream's.
	ConformanceRunner = ConformanceRepo + ":" + KubernetesVersion
	ConformanceRepo   = "registry.k8s.io/conformance"
	E2EAgnhost        = "registry.k8s.io/e2e-test-images/agnhost:2.53"
	E2EJessieDnsutils = "registry.k8s.io/e2e-test-images/jessie-dnsutils:1.7"
	E2ENginx          = "registry.k8s.io/e2e-test-images/nginx:1.14-4"
	E2EBusyBox        = "registry.k8s.io/e2e-test-images/busybox:1.36.1-1"

	// FlannelVersion is flanneld's release (github.com/flannel-io/flannel).
	FlannelVersion = "v0.28.10"
	// Flannel runs flanneld; its init container copies the CNI config (needs cp).
	Flannel = "ghcr.io/flannel-io/flannel:" + FlannelVersion
	// FlannelCNIPlugin carries the flannel CNI shim at /flannel (and cp). Upstream builds it from
	// flannel-io/cni-plugin, which is not on the Go module proxy; the hermetic build compiles the same
	// shim from containernetworking/plugins (plugins/meta/flannel), which is.
	FlannelCNIPlugin = "ghcr.io/flannel-io/flannel-cni-plugin:v1.9.1-flannel3"
	// FlannelShimModuleVersion is the containernetworking/plugins release whose plugins/meta/flannel
	// the hermetic build compiles into FlannelCNIPlugin. v0.9.1 is the last release that still holds
	// it (it moved to flannel-io/cni-plugin; v1.x, including v1.1.1, no longer has it).
	FlannelShimModuleVersion = "v0.9.1"

	// MetalLBVersion is MetalLB's release (go.universe.tf/metallb).
	MetalLBVersion    = "v0.16.1"
	MetalLBController = "quay.io/metallb/controller:" + MetalLBVersion
	MetalLBSpeaker    = "quay.io/metallb/speaker:" + MetalLBVersion

	// CalicoVersion is Calico's release (github.com/projectcalico/calico), rendered by
	// provision/cni/calico. The monorepo tags no Go module version, so the hermetic build pins the
	// release commit's pseudo-versions: the calico module and its lib/std sub-module at the v3.31.0
	// commit, and github.com/projectcalico/api at the api commit that release requires. netlab's own
	// module requires the same three (for Calico's CRDs, libcalico-go/config).
	CalicoVersion         = "v3.31.0"
	CalicoModuleVersion   = "v0.0.0-20251021213802-b1f3c43f8437"
	CalicoAPIVersion      = "v0.0.0-20251022175904-f2ab03771208"
	CalicoNode            = "quay.io/calico/node:" + CalicoVersion
	CalicoCNI             = "quay.io/calico/cni:" + CalicoVersion
	CalicoKubeControllers = "quay.io/calico/kube-controllers:" + CalicoVersion

	// Istio: the charts are the ones istio.io/istio/manifests embeds at IstioModuleVersion (the
	// version netlab's go.mod requires; the module tags no releases, so this is the pseudo-version
	// of a 1.31 development commit). ci/images/build.sh istio builds istiod (pilot-discovery) and
	// an agent image (pilot-agent, no Envoy: proxyless gRPC workloads only) from the same module
	// version, under the names the charts compose from hub and tag: {hub}/pilot:{tag} and
	// {hub}/proxyv2:{tag}.
	IstioModuleVersion = "v0.0.0-20260827124520-eed52ebb66ad"
	IstioChartVersion  = "1.31.0-alpha.eed52ebb66ad"
	IstioHub           = "netlab.local/istio"
	IstioTag           = "1.31-alpha.eed52ebb66ad"
	IstioPilot         = IstioHub + "/pilot:" + IstioTag
	IstioAgent         = IstioHub + "/proxyv2:" + IstioTag
	// IstioUpstreamHub and IstioUpstreamTag are Istio's published images, with Envoy, for hosts
	// with registry access (sidecars, east-west gateways). No image of the pinned development
	// commit is published, so this is the newest 1.30 patch release, within Istio's supported
	// skew of one minor version between control and data plane. Not pulled or run on this
	// project's CI.
	IstioUpstreamHub = "docker.io/istio"
	IstioUpstreamTag = "1.30.8"

	// TraefikVersion is the ingress and Gateway API controller (github.com/traefik/traefik/v3),
	// under its upstream name: ci/images/build.sh traefik compiles it from that module version
	// (v3.7 does not build here: modules it needs are not served); a connected host pulls it.
	TraefikVersion = "v3.6.12"
	Traefik        = "docker.io/library/traefik:" + TraefikVersion

	// Cilium is installed from upstream's chart through the Helm SDK and runs only on upstream's
	// images: its data plane is BPF C that the agent compiles with clang at run time, which nothing
	// here builds (docs/cni.md). The chart is pinned by the digest helm.cilium.io's index.yaml lists
	// (checked against the archive in github.com/cilium/charts); the images are the chart's own
	// defaults at that version, named by tag for side-loading and checked against these digests.
	CiliumVersion     = "1.20.0"
	CiliumChartURL    = "https://helm.cilium.io/cilium-" + CiliumVersion + ".tgz"
	CiliumChartDigest = "sha256:c5f013912360d1a334f44ef25f36da59ba3414cdb48f466ee12d0c4fdff27883"
	CiliumAgent       = "quay.io/cilium/cilium:v" + CiliumVersion
	CiliumAgentDigest = "sha256:383968cd5e8873f7976fa76aa6196045643558f4cc9518a207b9335cb24a0e93"
	// CiliumOperator is the operator for clusters outside a cloud ("generic").
	CiliumOperator       = "quay.io/cilium/operator-generic:v" + CiliumVersion
	CiliumOperatorDigest = "sha256:80744a8cc7c91c2f9e6347629406844eb35d79b30a732c6d41c15b17232a74f3"
	// CiliumEnvoy is the chart's default L7 proxy DaemonSet (cilium-envoy).
	CiliumEnvoy       = "quay.io/cilium/cilium-envoy:v1.37.5-1782911245-7cffc778c923f68a77954a53b1a98d6b5353f004"
	CiliumEnvoyDigest = "sha256:583057dd4f7d54cd41efff3c413aa0b148ac201f522e2c3336851fa89c78b039"
)
