package kindconfig

import (
	"strings"
	"testing"

	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/scenarios"
	"sigs.k8s.io/kind/pkg/apis/config/v1alpha4"
	"sigs.k8s.io/yaml"
)

func planOf(t *testing.T, name string) *plan.Plan {
	t.Helper()
	data, ok := scenarios.Lookup(name)
	if !ok {
		t.Fatalf("no built-in %s", name)
	}
	p, diags := plan.Build(name, data, plan.Options{NodeImage: "netlab.local/node:v1.33.13"})
	if p == nil {
		t.Fatal(diags.Error())
	}
	return p
}

func TestFlannelBasicConfig(t *testing.T) {
	p := planOf(t, "flannel-basic")
	got, err := YAML(p.Lab, p.Clusters[0])
	if err != nil {
		t.Fatal(err)
	}
	want := `apiVersion: kind.x-k8s.io/v1alpha4
kind: Cluster
name: flannel-basic-c1
networking:
  disableDefaultCNI: true
  kubeProxyMode: iptables
  podSubnet: 10.0.64.0/18
  serviceSubnet: 172.20.0.0/16
nodes:
- image: netlab.local/node:v1.33.13
  labels:
    netlab.dev/cluster: c1
    netlab.dev/lab: flannel-basic
  role: control-plane
- image: netlab.local/node:v1.33.13
  labels:
    netlab.dev/cluster: c1
    netlab.dev/lab: flannel-basic
  role: worker
- image: netlab.local/node:v1.33.13
  labels:
    netlab.dev/cluster: c1
    netlab.dev/lab: flannel-basic
  role: worker
`
	if string(got) != want {
		t.Fatalf("config differs\n got:\n%s\nwant:\n%s", got, want)
	}
	// kind itself must accept it: round-trip through its own types.
	var back v1alpha4.Cluster
	if err := yaml.UnmarshalStrict(got, &back); err != nil {
		t.Fatalf("kind's types reject the config: %v", err)
	}
}

func TestKubeProxyModesFollowThePlan(t *testing.T) {
	for _, name := range []string{"kube-proxy-modes", "kube-proxy-ipvs", "cni-matrix"} {
		p := planOf(t, name)
		for _, c := range p.Clusters {
			cfg := Config(p.Lab, c)
			if string(cfg.Networking.KubeProxyMode) != c.KubeProxyMode {
				t.Errorf("%s/%s: kubeProxyMode %q, plan says %q", name, c.Name, cfg.Networking.KubeProxyMode, c.KubeProxyMode)
			}
			if !cfg.Networking.DisableDefaultCNI {
				t.Errorf("%s/%s: kind's default CNI must be off", name, c.Name)
			}
			if len(cfg.Nodes) != len(c.Nodes) {
				t.Errorf("%s/%s: %d nodes, plan has %d", name, c.Name, len(cfg.Nodes), len(c.Nodes))
			}
		}
	}
}

func TestNodeMaskPatch(t *testing.T) {
	c := planOf(t, "flannel-basic").Clusters[0]
	c.NodeCIDRMaskSize = 26
	cfg := Config("lab", c)
	if len(cfg.KubeadmConfigPatches) != 1 || !strings.Contains(cfg.KubeadmConfigPatches[0], `node-cidr-mask-size: "26"`) {
		t.Fatalf("patches: %v", cfg.KubeadmConfigPatches)
	}
}
