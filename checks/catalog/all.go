package catalog

import "github.com/netlab-dev/netlab/checks"

// All is the catalogue: one definition per path id of PATHS.md, in its order. It is the only list
// of checks; 'netlab check', 'netlab explain' and the tests take it from here.
func All() []checks.Definition {
	return []checks.Definition{
		podLocalhost(),
		podToPodSameNode(),
		podToPodCrossNode(),
		nodeToPod(),
		nodeFromPod(),
		dnsClusterLocal(),
		serviceClusterIP(),
		serviceNodePort(),
		serviceLoadBalancer(),
		serviceETPCluster(),
		serviceETPLocal(),
		ingressHostPath(),
		egressSNAT(),
		netpolEgressAllowlist(),
		mtuPath(),
		crossClusterTGWPod(),
		crossClusterTGWInternalLB(),
		crossClusterOverlapRefused(),
		crossClusterTGWIsolation(),
		dnsCrossCluster(),
		meshEastWest(),
		meshRemoteDiscovery(),
		gatewayGlobalLB(),
		ingressGatewayAPI(),
		dmzWAF(),
		chainUserToLLM(),
		labHermetic(),
	}
}
