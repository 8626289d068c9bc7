package live

import (
	"slices"
	"testing"
)

// The shape of istiod's /debug/endpointShardz: host, namespace, then the shards by registry.
func TestShardsOf(t *testing.T) {
	raw := []byte(`{
 "echo.netlab-checks.svc.cluster.local": {"netlab-checks": {"Shards": {
   "Kubernetes/east": [{"Labels": {"app": "echo"}, "Addresses": ["10.0.65.4"], "Network": "vpc-net"}],
   "Kubernetes/west": [{"Addresses": ["10.1.66.3"]}, {"Addresses": ["10.1.65.7"]}]
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
