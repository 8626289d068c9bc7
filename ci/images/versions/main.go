// Command versions prints the image versions of package images as shell assignments, so that
// ci/images/build.sh reads them from the one place where they are pinned.
package main

import (
	"fmt"

	"github.com/netlab-dev/netlab/provision/images"
)

func main() {
	for _, kv := range [][2]string{
		{"K8S_VERSION", images.KubernetesVersion},
		{"NODE_IMAGE", images.HermeticNodeImage},
		{"IMG_APISERVER", images.KubeAPIServer},
		{"IMG_CONTROLLER_MANAGER", images.KubeControllerManager},
		{"IMG_SCHEDULER", images.KubeScheduler},
		{"IMG_PROXY", images.KubeProxy},
		{"ETCD_VERSION", images.EtcdVersion},
		{"IMG_ETCD", images.Etcd},
		{"COREDNS_VERSION", images.CoreDNSVersion},
		{"IMG_COREDNS", images.CoreDNS},
		{"IMG_PAUSE", images.Pause},
		{"FLANNEL_VERSION", images.FlannelVersion},
		{"IMG_FLANNEL", images.Flannel},
		{"IMG_FLANNEL_CNI", images.FlannelCNIPlugin},
		{"FLANNEL_SHIM_VERSION", images.FlannelShimModuleVersion},
		{"METALLB_VERSION", images.MetalLBVersion},
		{"IMG_METALLB_CONTROLLER", images.MetalLBController},
		{"IMG_METALLB_SPEAKER", images.MetalLBSpeaker},
		{"CALICO_VERSION", images.CalicoVersion},
		{"CALICO_MODULE_VERSION", images.CalicoModuleVersion},
		{"CALICO_API_VERSION", images.CalicoAPIVersion},
		{"IMG_CALICO_NODE", images.CalicoNode},
		{"IMG_CALICO_CNI", images.CalicoCNI},
		{"IMG_CALICO_KUBE_CONTROLLERS", images.CalicoKubeControllers},
		{"IMG_CONFORMANCE", images.ConformanceRunner},
		{"IMG_E2E_AGNHOST", images.E2EAgnhost},
		{"IMG_E2E_JESSIE_DNSUTILS", images.E2EJessieDnsutils},
		{"IMG_E2E_NGINX", images.E2ENginx},
		{"IMG_E2E_BUSYBOX", images.E2EBusyBox},
		{"ISTIO_MODULE_VERSION", images.IstioModuleVersion},
		{"ISTIO_TAG", images.IstioTag},
		{"IMG_ISTIO_PILOT", images.IstioPilot},
		{"IMG_ISTIO_AGENT", images.IstioAgent},
		{"TRAEFIK_VERSION", images.TraefikVersion},
		{"IMG_TRAEFIK", images.Traefik},
	} {
		fmt.Printf("%s=%q\n", kv[0], kv[1])
	}
}
