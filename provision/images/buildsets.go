package images

// BuildCommand is the command that builds ref on a host without a registry: ci/images/build.sh
// with the set that makes it (none for the default set: the node image, Flannel and MetalLB).
// false: nothing here builds ref (kind's own node image, Cilium, Istio's published Envoy images);
// such a host can only load it from a bundle written where it can be pulled.
func BuildCommand(ref string) (string, bool) {
	const build = "bash ci/images/build.sh"
	switch ref {
	case HermeticNodeImage, KubeAPIServer, KubeControllerManager, KubeScheduler, KubeProxy, Etcd, CoreDNS, Pause,
		Flannel, FlannelCNIPlugin, MetalLBController, MetalLBSpeaker:
		return build, true
	case CalicoNode, CalicoCNI, CalicoKubeControllers:
		return build + " calico", true
	case ConformanceRunner, E2EAgnhost, E2EJessieDnsutils, E2ENginx, E2EBusyBox:
		return build + " conformance", true
	case IstioPilot, IstioAgent:
		return build + " istio", true
	case Traefik:
		return build + " traefik", true
	}
	return "", false
}
