package globallb

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/netlab-dev/netlab/docker"
	"github.com/netlab-dev/netlab/internal/testplan"
	"github.com/netlab-dev/netlab/plan"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// ingress-two-clusters' load balancer: a router for every path on the web entry point, a weighted
// service (health-checked) over one load balancer per member, each at its ingress's address with
// a health check that sends the plan's Host.
func TestRender(t *testing.T) {
	p := testplan.Builtin(t, "ingress-two-clusters")
	out, err := Render(*p.GlobalLB)
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "ingress-two-clusters.yaml")
	if *update {
		if err := os.WriteFile(golden, out, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if string(want) != string(out) {
		t.Fatalf("%s differs (rewrite with go test ./provision/globallb -update):\n%s", golden, out)
	}
	var c Config
	if err := yaml.UnmarshalStrict(out, &c); err != nil {
		t.Fatal(err)
	}
	w := c.HTTP.Services["global"].Weighted
	if r := c.HTTP.Routers["global"]; r.Service != "global" || w == nil || w.HealthCheck == nil || len(w.Services) != len(p.GlobalLB.Members) {
		t.Fatalf("router %+v, weighted %+v", r, w)
	}
	for _, m := range p.GlobalLB.Members {
		lb := c.HTTP.Services["cluster-"+m.Cluster].LoadBalancer
		if lb == nil || len(lb.Servers) != 1 || lb.Servers[0].URL != "http://"+m.Ingress.String()+":80" || lb.HealthCheck.Hostname != plan.GlobalLBHost || !lb.PassHostHeader {
			t.Errorf("member %s: %+v", m.Cluster, lb)
		}
	}
}

// The container has a leg on each member's subnet at the plan's address, the configuration as a
// file, and its digest in the environment, so that a changed configuration replaces it.
func TestContainer(t *testing.T) {
	p := testplan.Builtin(t, "ingress-two-clusters")
	s, err := Container(p.Lab, p.GlobalLB, map[string]string{docker.LabelLab: p.Lab})
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "ingress-two-clusters-global-lb" || s.Image != Image || len(s.Networks) != 2 || s.Files[ConfigPath] == "" {
		t.Fatalf("spec %+v", s)
	}
	for i, m := range p.GlobalLB.Members {
		if s.Networks[i] != (docker.Attachment{Network: m.Network, IP: m.Address}) {
			t.Errorf("leg %d: %+v, want %s at %s", i, s.Networks[i], m.Network, m.Address)
		}
	}
	if !strings.Contains(strings.Join(s.Cmd, " "), "--providers.file.filename="+ConfigPath) {
		t.Errorf("args %q do not read the file", s.Cmd)
	}
	q := *p.GlobalLB
	q.Members = q.Members[:1]
	s2, err := Container(p.Lab, &q, nil)
	if err != nil || s2.Env["NETLAB_CONFIG_SHA256"] == s.Env["NETLAB_CONFIG_SHA256"] {
		t.Fatalf("another configuration kept the digest %s: %v", s.Env["NETLAB_CONFIG_SHA256"], err)
	}
	if _, err := Container(p.Lab, nil, nil); err == nil {
		t.Fatal("a lab without a global load balancer got a container")
	}
}

// Two members in one subnet share the load balancer's one leg there.
func TestContainerOneLegPerNetwork(t *testing.T) {
	p := testplan.Builtin(t, "ingress-two-clusters")
	q := *p.GlobalLB
	q.Members = []plan.GlobalLBMember{q.Members[0], q.Members[0]}
	q.Members[1].Cluster = "east2"
	s, err := Container(p.Lab, &q, nil)
	if err != nil || len(s.Networks) != 1 {
		t.Fatalf("legs %+v: %v", s.Networks, err)
	}
}

// The DMZ load balancer has its front leg in the DMZ subnet first, then one in each member's
// subnet; its health check asks for the DMZ's Host.
func TestContainerDMZ(t *testing.T) {
	p := testplan.Builtin(t, "enterprise-hub-spoke")
	g := &p.DMZ.LB
	s, err := Container(p.Lab, g, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []docker.Attachment{{Network: "enterprise-hub-spoke-main-dmz", IP: g.Front.Address}, {Network: "enterprise-hub-spoke-main-web", IP: g.Members[0].Address}}
	if s.Name != "enterprise-hub-spoke-dmz-lb" || len(s.Networks) != 2 || s.Networks[0] != want[0] || s.Networks[1] != want[1] {
		t.Fatalf("spec %s legs %+v, want %+v", s.Name, s.Networks, want)
	}
	if cfg := s.Files[ConfigPath]; !strings.Contains(cfg, "hostname: "+plan.DMZHost) || !strings.Contains(cfg, "url: http://10.0.1.192:80") {
		t.Errorf("configuration:\n%s", cfg)
	}
}
