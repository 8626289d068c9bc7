// Package istio installs an Istio multi-primary mesh across a lab's clusters: the mesh's root of
// trust (package meshca) as each cluster's cacerts secret, Istio's own charts (base, istiod, and
// on several networks the east-west gateway) through the Helm SDK, the topology.istio.io/network
// label, and the remote secrets through which each istiod reads the other API servers.
//
// The charts are the ones istio.io/istio/manifests embeds, at the module version go.mod pins
// (images.IstioModuleVersion). This file holds their values, typed; remotesecret.go the remote
// secrets; charts.go reads the charts; component.go installs and removes the mesh.
package istio

import (
	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/provision/images"
)

// Release names and the charts they install, as Istio's install guide names them.
const (
	BaseRelease     = "istio-base"
	IstiodRelease   = "istiod"
	EastWestRelease = "istio-eastwestgateway"
	TrustDomain     = "cluster.local"
)

// Images are the hub and tag the charts compose image names from ({hub}/pilot:{tag},
// {hub}/proxyv2:{tag}).
type Images struct {
	Hub string
	Tag string
}

// LocalImages are the images ci/images/build.sh istio builds here: istiod, and an agent image
// with pilot-agent and no Envoy (proxyless gRPC workloads only).
var LocalImages = Images{Hub: images.IstioHub, Tag: images.IstioTag}

// UpstreamImages are Istio's published images for hosts with registry access (sidecars and
// gateways need their Envoy). Not pulled or run on this project's CI.
var UpstreamImages = Images{Hub: images.IstioUpstreamHub, Tag: images.IstioUpstreamTag}

// BaseValues are the base chart's (CRDs, the reader service account).
type BaseValues struct {
	Global BaseGlobal `json:"global"`
}

// BaseGlobal is the base chart's global section.
type BaseGlobal struct {
	IstioNamespace string `json:"istioNamespace"`
}

// IstiodValues are the istio-discovery chart's, set at its top level (the chart merges them over
// its _internal_defaults_do_not_set).
type IstiodValues struct {
	AutoscaleEnabled bool              `json:"autoscaleEnabled"`
	ReplicaCount     int               `json:"replicaCount"`
	Resources        Resources         `json:"resources"`
	Env              map[string]string `json:"env,omitempty"`
	MeshConfig       MeshConfig        `json:"meshConfig"`
	Global           Global            `json:"global"`
}

// Resources are a container's requests: small, for a lab on a laptop.
type Resources struct {
	Requests ResourceList `json:"requests"`
}

// ResourceList is CPU and memory in Kubernetes quantities.
type ResourceList struct {
	CPU    string `json:"cpu"`
	Memory string `json:"memory"`
}

// MeshConfig is the part of Istio's MeshConfig netlab sets.
type MeshConfig struct {
	TrustDomain string `json:"trustDomain"`
}

// Global is the charts' global section: the mesh, the cluster and its network, the images.
type Global struct {
	Hub             string       `json:"hub"`
	Tag             string       `json:"tag"`
	ImagePullPolicy string       `json:"imagePullPolicy"`
	IstioNamespace  string       `json:"istioNamespace"`
	MeshID          string       `json:"meshID"`
	Network         string       `json:"network"`
	MultiCluster    MultiCluster `json:"multiCluster"`
}

// MultiCluster names the cluster to the mesh (istiod's CLUSTER_ID).
type MultiCluster struct {
	ClusterName string `json:"clusterName"`
}

// GatewayValues are the gateway chart's, for the east-west gateway of a network.
type GatewayValues struct {
	Name string `json:"name"`
	// NetworkGateway makes the chart expose 15021, 15443 (mTLS by SNI), 15012 and 15017, and set
	// ISTIO_META_REQUESTED_NETWORK_VIEW to the network.
	NetworkGateway string            `json:"networkGateway"`
	Labels         map[string]string `json:"labels"`
	Service        GatewayService    `json:"service"`
	Resources      Resources         `json:"resources"`
	Autoscaling    Toggle            `json:"autoscaling"`
}

// GatewayService is how the east-west gateway is reached from other networks.
type GatewayService struct {
	Type string `json:"type"` // LoadBalancer (MetalLB) or NodePort
}

// Toggle is a chart's {enabled: bool}.
type Toggle struct {
	Enabled bool `json:"enabled"`
}

// ClusterValues are every chart's values for one mesh member.
type ClusterValues struct {
	Base     BaseValues
	Istiod   IstiodValues
	EastWest *GatewayValues // nil on a single network: Pods reach each other through the TGW
}

// ValuesFor renders the values of member m of mesh p with images im.
func ValuesFor(p *plan.IstioPlan, m plan.IstioClusterPlan, im Images) ClusterValues {
	small := Resources{Requests: ResourceList{CPU: "100m", Memory: "256Mi"}}
	v := ClusterValues{
		Base: BaseValues{Global: BaseGlobal{IstioNamespace: Namespace}},
		Istiod: IstiodValues{
			AutoscaleEnabled: false,
			ReplicaCount:     1,
			Resources:        small,
			MeshConfig:       MeshConfig{TrustDomain: TrustDomain},
			Global: Global{
				Hub: im.Hub, Tag: im.Tag,
				// Side-loaded images must never be pulled (the "latest" rule would pull).
				ImagePullPolicy: "IfNotPresent",
				IstioNamespace:  Namespace,
				MeshID:          p.MeshID,
				Network:         m.Network,
				MultiCluster:    MultiCluster{ClusterName: m.Cluster},
			},
		},
	}
	if p.MultiNetwork {
		svc := "LoadBalancer"
		if p.EastWestExpose == "nodeport" {
			svc = "NodePort"
		}
		v.EastWest = &GatewayValues{
			Name:           EastWestRelease,
			NetworkGateway: m.Network,
			Labels:         map[string]string{"istio": "eastwestgateway", "app": EastWestRelease, networkLabel: m.Network},
			Service:        GatewayService{Type: svc},
			Resources:      small,
			Autoscaling:    Toggle{Enabled: false},
		}
	}
	return v
}
