// Package names holds the names that provisioning and the checks must agree on: the cross-cluster
// DNS Service and zones, and the files a lab's state keeps per cluster. It is a leaf: it imports
// nothing of netlab.
package names

// DNSServiceName is the Service (namespace kube-system) that exposes a cluster's CoreDNS on an
// internal LoadBalancer address of its VPC, for the other clusters' CoreDNS to forward to.
const DNSServiceName = "netlab-dns"

// DNSZone is the zone under which cluster's Service names resolve from the other clusters.
func DNSZone(cluster string) string { return cluster + ".netlab" }

// MeshCAFile is the name, in the lab's state directory, of the mesh's root of trust (root and
// intermediate CAs with their keys): kept so that a second 'up' does not rotate them.
const MeshCAFile = "mesh-ca.json"

// IstioNamespace is where Istio's control plane, its cacerts and the remote secrets live.
const IstioNamespace = "istio-system"

// IstioRemoteSecret is the secret, in every other member cluster, through which istiod reads
// cluster's API server (the name 'istioctl create-remote-secret' gives it).
func IstioRemoteSecret(cluster string) string { return "istio-remote-secret-" + cluster }

// KubeconfigFile is the name, in the lab's state directory, of cluster's kubeconfig.
func KubeconfigFile(cluster string) string { return "kubeconfig-" + cluster }

// The labels of the NetworkPolicies 'up' applies from a scenario's networkPolicies: managed by
// netlab, from the scenario (the checks' own policies do not carry LabelSource).
const (
	LabelManagedBy = "app.kubernetes.io/managed-by"
	ManagedBy      = "netlab"
	LabelSource    = "netlab.dev/source"
	SourceScenario = "scenario"
	// ScenarioPolicySelector selects the scenario's NetworkPolicies of a cluster.
	ScenarioPolicySelector = LabelManagedBy + "=" + ManagedBy + "," + LabelSource + "=" + SourceScenario
)
