package flannel

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/netlab-dev/netlab/internal/golden"
	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/provision/images"
	"github.com/netlab-dev/netlab/provision/kube"
	"github.com/netlab-dev/netlab/scenarios"
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

func cluster(t *testing.T, scenario, name string, edit func(string) string) plan.ClusterPlan {
	t.Helper()
	data, _ := scenarios.Lookup(scenario)
	src := string(data)
	if edit != nil {
		src = edit(src)
	}
	p, d := plan.Build(scenario, []byte(src), plan.Options{})
	if p == nil {
		t.Fatal(d.Error())
	}
	c, _ := p.Cluster(name)
	return *c
}

func TestGoldenFlannelBasic(t *testing.T) {
	objs, err := Objects(cluster(t, "flannel-basic", "c1", nil))
	if err != nil {
		t.Fatal(err)
	}
	got, err := kube.YAML(objs)
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "testdata/flannel-basic.yaml", got)
}

func TestNetConfFollowsThePlan(t *testing.T) {
	vx, err := NetConf(cluster(t, "flannel-basic", "c1", nil))
	if err != nil {
		t.Fatal(err)
	}
	var nc netConf
	if err := json.Unmarshal([]byte(vx), &nc); err != nil {
		t.Fatalf("vxlan net-conf.json: %v\n%s", err, vx)
	}
	if nc.Network != "10.0.64.0/18" || nc.Backend.Type != "vxlan" || nc.Backend.Port != 8472 {
		t.Fatalf("vxlan: %+v", nc)
	}
	hg, err := NetConf(cluster(t, "flannel-basic", "c1", func(s string) string { return strings.Replace(s, "mode: vxlan", "mode: host-gw", 1) }))
	if err != nil {
		t.Fatal(err)
	}
	nc = netConf{}
	if err := json.Unmarshal([]byte(hg), &nc); err != nil {
		t.Fatalf("host-gw net-conf.json: %v\n%s", err, hg)
	}
	if nc.Backend.Type != "host-gw" || nc.Backend.Port != 0 {
		t.Fatalf("host-gw: %+v", nc)
	}
}

// The DaemonSet must decode as a real apps/v1 DaemonSet, run the pinned images and never pull.
func TestDaemonSetIsWellFormed(t *testing.T) {
	objs, _ := Objects(cluster(t, "flannel-basic", "c1", nil))
	ds := objs[len(objs)-1]
	var typed appsv1.DaemonSet
	if err := runtime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(ds.Object, &typed, true); err != nil {
		t.Fatalf("not a valid DaemonSet: %v", err)
	}
	spec := typed.Spec.Template.Spec
	if !spec.HostNetwork || typed.Name != DaemonSet || typed.Namespace != Namespace {
		t.Fatal("flanneld must run on the host network in its namespace")
	}
	seen := map[string]bool{}
	for _, c := range append(spec.InitContainers, spec.Containers...) {
		seen[c.Image] = true
		if c.ImagePullPolicy != "IfNotPresent" {
			t.Errorf("%s: pull policy %s", c.Name, c.ImagePullPolicy)
		}
	}
	for _, img := range Images() {
		if !seen[img] {
			t.Errorf("image %s is not used", img)
		}
	}
	if !seen[images.Flannel] || len(seen) != 2 {
		t.Errorf("images used: %v", seen)
	}
	if _, err := Objects(cluster(t, "cni-matrix", "calico", nil)); err == nil {
		t.Error("rendering flannel for a calico cluster must fail")
	}
}
