package live

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/netlab-dev/netlab/internal/testplan"
)

// The shape of istiod's /debug/endpointShardz: host, namespace, then the shards by registry, one
// endpoint per Pod and port (a Pod's address is read once).
func TestShardsOf(t *testing.T) {
	raw := []byte(`{
 "echo.netlab-checks.svc.cluster.local": {"netlab-checks": {"Shards": {
   "Kubernetes/east": [{"Labels": {"app": "echo"}, "Addresses": ["10.0.65.4"], "Network": "vpc-net"}],
   "Kubernetes/west": [{"Addresses": ["10.1.66.3"], "EndpointPort": 7001}, {"Addresses": ["10.1.65.7"], "EndpointPort": 7001},
                       {"Addresses": ["10.1.66.3"], "EndpointPort": 8080}, {"Addresses": ["10.1.65.7"], "EndpointPort": 8080}]
 }, "ServiceAccounts": {}}},
 "other.ns.svc.cluster.local": {"ns": {"Shards": {"Kubernetes/west": [{"Addresses": ["10.1.70.1"]}]}}}
}`)
	got, err := ShardsOf(raw, "echo.netlab-checks.svc.cluster.local")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got["Kubernetes/east"], []string{"10.0.65.4"}) || !slices.Equal(got["Kubernetes/west"], []string{"10.1.65.7", "10.1.66.3"}) || len(got) != 2 {
		t.Errorf("%v", got)
	}
	if got, _ := ShardsOf(raw, "missing.svc.cluster.local"); len(got) != 0 {
		t.Errorf("an unknown host has shards %v", got)
	}
	if _, err := ShardsOf([]byte("<html>"), "x"); err == nil {
		t.Error("a reply that is not JSON was read")
	}
}

// A mesh member gets the mesh probe (injected with the grpc-agent template, its own service
// account, a Service named for its cluster), one ISTIO_MUTUAL rule per mesh Service and the
// scenario's PeerAuthentication; a cluster outside the mesh gets none of it.
func TestMeshWorkloads(t *testing.T) {
	p := testplan.Builtin(t, "istio-multi-primary")
	objs, err := Objects(p, p.Clusters[0], "img", []string{"10.0.0.0/8"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string][]string{}
	for _, o := range objs {
		kinds[o.GetKind()] = append(kinds[o.GetKind()], o.GetName())
		if o.GetKind() == "Deployment" && (o.GetName() == DeployMesh || o.GetName() == DeployMeshCall) {
			tl, _, _ := unstructured.NestedStringMap(o.Object, "spec", "template", "metadata", "labels")
			ta, _, _ := unstructured.NestedStringMap(o.Object, "spec", "template", "metadata", "annotations")
			if tl["sidecar.istio.io/inject"] != "true" || ta["inject.istio.io/templates"] != "grpc-agent" {
				t.Errorf("%s is not injected with grpc-agent: labels %v annotations %v", o.GetName(), tl, ta)
			}
			sa, _, _ := unstructured.NestedString(o.Object, "spec", "template", "spec", "serviceAccountName")
			args, _, _ := unstructured.NestedSlice(o.Object, "spec", "template", "spec", "containers")
			// the server is the xDS server; the client Pod's own process must not open an xDS
			// stream (pilot-agent proxies one per Pod)
			serves := len(args) == 1 && strings.Contains(fmt.Sprint(args[0]), "grpc-serve")
			if sa != MeshAccount || len(args) != 1 || serves != (o.GetName() == DeployMesh) {
				t.Errorf("%s: account %q, containers %v", o.GetName(), sa, args)
			}
		}
		if o.GetKind() == "PeerAuthentication" {
			if mode, _, _ := unstructured.NestedString(o.Object, "spec", "mtls", "mode"); mode != "STRICT" {
				t.Errorf("PeerAuthentication mode %q", mode)
			}
		}
	}
	if !slices.Contains(kinds["Service"], "mesh-echo-east") || slices.Contains(kinds["Service"], "mesh-echo-west") {
		t.Errorf("services %v: want east's mesh Service only", kinds["Service"])
	}
	if len(kinds["DestinationRule"]) != 2 || len(kinds["PeerAuthentication"]) != 1 || len(kinds["ServiceAccount"]) != 1 ||
		!slices.Contains(kinds["Deployment"], DeployMesh) || !slices.Contains(kinds["Deployment"], DeployMeshCall) {
		t.Errorf("mesh objects %v", kinds)
	}
	// The last objects are Istio's: applied after the namespace and workloads.
	if objs[len(objs)-1].GetKind() != "PeerAuthentication" {
		t.Errorf("last object %s", objs[len(objs)-1].GetKind())
	}
	flat := testplan.Builtin(t, "flannel-basic")
	objs, _ = Objects(flat, flat.Clusters[0], "img", nil, nil)
	for _, o := range objs {
		if strings.Contains(o.GetAPIVersion(), "istio.io") || strings.HasPrefix(o.GetName(), "mesh-") {
			t.Errorf("a lab without a mesh got %s %s", o.GetKind(), o.GetName())
		}
	}
}
