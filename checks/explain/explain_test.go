package explain

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netlab-dev/netlab/checks/catalog"
	"github.com/netlab-dev/netlab/internal/golden"
	"github.com/netlab-dev/netlab/internal/testplan"
	"github.com/netlab-dev/netlab/paths"
	"github.com/netlab-dev/netlab/plan"
)

func builtin(t *testing.T, name string) *plan.Plan { return testplan.Builtin(t, name) }

// Every catalogue id is explained, with and without a scenario, and never with an empty hop list.
func TestEveryPathHasHops(t *testing.T) {
	for _, sc := range []string{"", "flannel-basic", "tgw-two-vpc", "cni-matrix", "istio-multi-primary", "kube-proxy-modes"} {
		var p *plan.Plan
		if sc != "" {
			p = builtin(t, sc)
		}
		for _, pa := range paths.All() {
			e, err := Explain(catalog.All(), p, pa.ID, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(e.Hops) < 3 {
				t.Errorf("%s on %q: %d hops", pa.ID, sc, len(e.Hops))
			}
			for _, h := range e.Hops {
				if strings.TrimSpace(h) == "" || strings.Contains(h, "%!") {
					t.Errorf("%s on %q: bad hop %q", pa.ID, sc, h)
				}
			}
			if p != nil && e.Target == "" && e.Missing == "" && pa.ID != "cross-cluster/overlap-refused" && pa.ID != "gateway/global-lb" {
				t.Errorf("%s on %s: neither a target nor what is missing", pa.ID, sc)
			}
		}
	}
	all, err := All(catalog.All(), builtin(t, "kube-proxy-modes"), "service/clusterip", nil)
	if err != nil || len(all) != 2 || all[0].Target != "iptables" || all[1].Target != "nftables" || !strings.Contains(strings.Join(all[1].Hops, " "), "nftables") {
		t.Errorf("one explanation per target: %+v %v", all, err)
	}
	if _, err := Explain(catalog.All(), nil, "no/such", nil); err == nil {
		t.Fatal("an unknown id must be refused")
	}
}

func TestGolden(t *testing.T) {
	facts := &Facts{
		Nodes: map[string][]Node{
			"a": {{Name: "tgw-two-vpc-a-control-plane", IP: "10.0.1.3", PodCIDR: "10.0.64.0/24"}, {Name: "tgw-two-vpc-a-worker", IP: "10.0.1.2", PodCIDR: "10.0.65.0/24"}},
			"b": {{Name: "tgw-two-vpc-b-control-plane", IP: "10.1.1.2", PodCIDR: "10.1.64.0/24"}, {Name: "tgw-two-vpc-b-worker", IP: "10.1.1.3", PodCIDR: "10.1.65.0/24"}},
		},
		EchoClusterIP: map[string]string{"a": "172.20.17.118"},
		EchoChain:     map[string]string{"a": "KUBE-SVC-WQDCL2GGST4JMVJT"},
		TGWTables:     map[string]TGWTable{"main": {ID: "tgw-rtb-a540374b1990f8c8a", Routes: []string{"10.1.64.0/24 -> tgw-attach-2 via 10.1.1.2", "10.1.64.0/18 -> tgw-attach-2"}}},
	}
	cases := []struct {
		file, scenario, id string
		facts              *Facts
	}{
		{"cross-node-flannel-basic.txt", "flannel-basic", "pod-to-pod/cross-node", nil},
		{"clusterip-live.txt", "tgw-two-vpc", "service/clusterip", facts},
		{"tgw-pod-live.txt", "tgw-two-vpc", "cross-cluster/tgw-pod", facts},
		{"clusterip-nftables.txt", "kube-proxy-modes", "service/clusterip", nil},
		{"tgw-isolation-spokes.txt", "tgw-isolated-spokes", "cross-cluster/tgw-isolation", nil},
	}
	for _, c := range cases {
		e, err := Explain(catalog.All(), builtin(t, c.scenario), c.id, c.facts)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := Write(&b, e); err != nil {
			t.Fatal(err)
		}
		golden.Check(t, filepath.Join("testdata", c.file), b.Bytes())
	}
}

// Live facts replace the placeholders.
func TestFactsFillThePlaceholders(t *testing.T) {
	p := builtin(t, "tgw-two-vpc")
	f := &Facts{Nodes: map[string][]Node{"a": {{Name: "na", IP: "10.0.1.3", PodCIDR: "10.0.64.0/24"}, {Name: "nb", IP: "10.0.1.2", PodCIDR: "10.0.65.0/24"}}}}
	e, _ := Explain(catalog.All(), p, "pod-to-pod/cross-node", f)
	all := strings.Join(e.Hops, "\n")
	for _, want := range []string{"10.0.1.3 -> 10.0.1.2", "10.0.65.0/24", "flannel.1: VXLAN, UDP port 8472"} {
		if !strings.Contains(all, want) {
			t.Errorf("hops lack %q:\n%s", want, all)
		}
	}
	if strings.Contains(all, "<an address") {
		t.Errorf("placeholders left:\n%s", all)
	}
}
