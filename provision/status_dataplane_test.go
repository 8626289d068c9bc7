package provision

import (
	"bytes"
	"strings"
	"testing"

	"github.com/netlab-dev/netlab/internal/testplan"
	"github.com/netlab-dev/netlab/provision/component"
)

// Status names each cluster's data plane, from its CNI: Calico's Felix follows kube-proxy's back end.
func TestStatusShowsTheDataPlane(t *testing.T) {
	p := testplan.Builtin(t, "cni-matrix")
	s := &LabStatus{Lab: p.Lab}
	for _, c := range p.Clusters {
		s.Clusters = append(s.Clusters, ClusterStatus{Name: c.Name, Exists: true, DataPlane: component.Builtin(component.Options{}).DataPlane(c)})
	}
	s.Clusters[3].CNIHealth = "cilium-dbg status: OK on every agent"
	var b bytes.Buffer
	if err := s.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"flannel        cni0 bridge, flannel.1 VXLAN (UDP 8472)",
		"calico         routed cali* veths, vxlan.calico VXLAN (UDP 4789), Felix on iptables",
		"calico-nft     routed cali* veths, vxlan.calico VXLAN (UDP 4789), Felix on nftables",
		"cilium         Cilium 1.20.0 eBPF on lxc* veths; between nodes cilium_vxlan VXLAN (UDP 8472); Services by Cilium's eBPF service map (kube-proxy replaced); cilium-dbg status: OK on every agent",
		"cilium-native  Cilium 1.20.0 eBPF on lxc* veths; between nodes native routes via each node (autoDirectNodeRoutes)",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, b.String())
		}
	}
}
