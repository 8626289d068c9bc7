package live

import (
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/netlab-dev/netlab/plan"
)

// The mesh workloads: in every cluster of the scenario's Istio mesh, the probe as a proxyless
// gRPC server (probe/mesh), injected with Istio's grpc-agent template (pilot-agent beside it,
// no Envoy), behind a Service whose name carries the cluster's, so that each exists in one
// cluster only. The client of the calls to the other clusters' Services is a Pod of its own,
// mesh-client, injected the same way, whose probe container idles (probe serve, no xDS) until a
// call is exec'd into it. It has to be another Pod: pilot-agent proxies one xDS stream per Pod
// ("registered overlapping stream; closing previous"), so a client process beside the xDS server
// would take the server's stream and lose its own, in turns. Clients use mTLS through a
// DestinationRule (proxyless gRPC takes ISTIO_MUTUAL only when told), and a PeerAuthentication
// holds the namespace to the scenario's mTLS mode.
const (
	DeployMesh      = "mesh-echo"
	DeployMeshCall  = "mesh-client"
	MeshAccount     = "mesh-probe"
	PortMesh        = 7070
	meshTLSRule     = "mesh-istio-mutual"
	meshPeerAuth    = "default"
	grpcAgentInject = "grpc-agent"
)

// MeshService is the Service of cluster's mesh server: it exists in that cluster only.
func MeshService(cluster string) string { return DeployMesh + "-" + cluster }

// MeshHost is the name a client of the mesh calls cluster's server by.
func MeshHost(cluster string) string {
	return fmt.Sprintf("%s.%s.svc.cluster.local", MeshService(cluster), Namespace)
}

// MeshIdentity is the SPIFFE identity of the mesh workloads (trust domain cluster.local).
func MeshIdentity() string {
	return fmt.Sprintf("spiffe://cluster.local/ns/%s/sa/%s", Namespace, MeshAccount)
}

// meshMember says whether cluster c is in the plan's mesh.
func meshMember(p *plan.Plan, c plan.ClusterPlan) bool {
	return p.Istio != nil && slices.ContainsFunc(p.Istio.Clusters, func(m plan.IstioClusterPlan) bool { return m.Cluster == c.Name })
}

// meshObjects are cluster c's mesh workloads (none outside the mesh).
func meshObjects(p *plan.Plan, c plan.ClusterPlan, image string, allow []string) []runtime.Object {
	if !meshMember(p, c) {
		return nil
	}
	ctr := probeContainer(ContainerProbe, image, c.Name, allow)
	ctr.Args = []string{"probe", "grpc-serve", "--listen", fmt.Sprintf(":%d", PortMesh)}
	ctr.Ports = []corev1.ContainerPort{{Name: "grpc", ContainerPort: PortMesh}}
	server := meshDeployment(DeployMesh, ctr)
	client := meshDeployment(DeployMeshCall, probeContainer(ContainerProbe, image, c.Name, allow, "--udp", "", "--http", ""))
	svc := service(MeshService(c.Name), DeployMesh, corev1.ServiceTypeClusterIP, "", []corev1.ServicePort{
		{Name: "grpc", Protocol: corev1.ProtocolTCP, Port: PortMesh, TargetPort: intstr.FromInt32(PortMesh), AppProtocol: ptr("grpc")},
	})
	sa := &corev1.ServiceAccount{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"},
		ObjectMeta: metav1.ObjectMeta{Name: MeshAccount, Namespace: Namespace, Labels: labels},
	}
	return []runtime.Object{sa, server, client, svc}
}

// meshDeployment is one Pod of the mesh: ctr under service account mesh-probe, with pilot-agent
// injected by Istio's grpc-agent template (no Envoy).
func meshDeployment(name string, ctr corev1.Container) runtime.Object {
	d := deployment(name, 1, corev1.PodSpec{
		ServiceAccountName: MeshAccount,
		Tolerations:        tolerateAll, TerminationGracePeriodSeconds: ptr(int64(1)),
		Containers: []corev1.Container{ctr},
	})
	d.Spec.Template.Labels["sidecar.istio.io/inject"] = "true"
	d.Spec.Template.Annotations = map[string]string{
		"inject.istio.io/templates": grpcAgentInject,
		// the probe starts once pilot-agent has written the bootstrap and holds certificates
		"proxy.istio.io/config": `{"holdApplicationUntilProxyStarts": true}`,
	}
	return d
}

// meshPolicies are the Istio objects of the checks' namespace: clients originate mTLS to every
// mesh Service, and servers take the scenario's mode (STRICT refuses plaintext).
func meshPolicies(p *plan.Plan, c plan.ClusterPlan) []*unstructured.Unstructured {
	if !meshMember(p, c) {
		return nil
	}
	meta := func(name string) map[string]interface{} {
		return map[string]interface{}{"name": name, "namespace": Namespace, "labels": toInterfaceMap(labels)}
	}
	// One rule per mesh Service (each cluster's, including those that exist only in the others):
	// proxyless gRPC clients originate mTLS only where a DestinationRule says ISTIO_MUTUAL.
	var out []*unstructured.Unstructured
	for _, m := range p.Istio.Clusters {
		out = append(out, &unstructured.Unstructured{Object: map[string]interface{}{
			"apiVersion": "networking.istio.io/v1", "kind": "DestinationRule", "metadata": meta(meshTLSRule + "-" + m.Cluster),
			"spec": map[string]interface{}{
				"host":          MeshHost(m.Cluster),
				"trafficPolicy": map[string]interface{}{"tls": map[string]interface{}{"mode": "ISTIO_MUTUAL"}},
			},
		}})
	}
	return append(out, peerAuthentication(p.Istio.MTLS))
}

// peerAuthentication is the checks' namespace-wide PeerAuthentication with mTLS mode.
func peerAuthentication(mode string) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]interface{}{
		"apiVersion": "security.istio.io/v1", "kind": "PeerAuthentication",
		"metadata": map[string]interface{}{"name": meshPeerAuth, "namespace": Namespace, "labels": toInterfaceMap(labels)},
		"spec":     map[string]interface{}{"mtls": map[string]interface{}{"mode": mode}},
	}}
}

func toInterfaceMap(m map[string]string) map[string]interface{} {
	out := make(map[string]interface{}, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
