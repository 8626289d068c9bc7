package preflight

import (
	"errors"
	"strings"
	"testing"

	"github.com/netlab-dev/netlab/internal/hint"
	"github.com/netlab-dev/netlab/internal/testplan"
	"github.com/netlab-dev/netlab/plan"
)

func TestNodesCountsRoles(t *testing.T) {
	cp, w := Nodes(testplan.Builtin(t, "tgw-two-vpc"))
	if cp != 2 || w != 2 {
		t.Errorf("tgw-two-vpc: %d control planes, %d workers; want 2 and 2", cp, w)
	}
}

func TestMemory(t *testing.T) {
	if err := Memory(1, 2, 650); err != nil {
		t.Errorf("650 MiB for 1 control plane and 2 workers is enough: %v", err)
	}
	err := Memory(1, 2, 649)
	if err == nil || !strings.Contains(err.Error(), "needs about 650 MiB of memory (1 control planes x 450 MiB + 2 workers x 100 MiB) and 649 MiB are available") {
		t.Errorf("649 MiB: %v", err)
	}
}

func TestMemAvailableMiB(t *testing.T) {
	got, ok := MemAvailableMiB("MemTotal:       16000000 kB\nMemFree:  100 kB\nMemAvailable:    2097152 kB\n")
	if !ok || got != 2048 {
		t.Errorf("got %d, %v; want 2048", got, ok)
	}
	if _, ok := MemAvailableMiB("MemTotal: 1 kB\n"); ok {
		t.Error("no MemAvailable line must not be read as a value")
	}
}

func TestInotify(t *testing.T) {
	for _, c := range []struct {
		nodes int
		limit string
		fail  bool
	}{
		{4, "128\n", false},  // small labs start at the default
		{5, "128\n", true},   // above four nodes the default fails
		{8, "512\n", false},  // the raised limit is enough
		{8, "junk\n", false}, // unreadable: not checked
	} {
		err := Inotify(c.nodes, c.limit)
		if (err != nil) != c.fail {
			t.Errorf("Inotify(%d, %q) = %v, want failure %v", c.nodes, c.limit, err, c.fail)
		}
		if err != nil && !strings.Contains(err.Error(), "sysctl -w fs.inotify.max_user_instances=512") {
			t.Errorf("the message must give the fix: %v", err)
		}
	}
}

func TestDisk(t *testing.T) {
	if err := diskFree(3, "/var/lib/docker", 3072); err != nil {
		t.Errorf("3 GB for 3 nodes is enough: %v", err)
	}
	err := diskFree(3, "/var/lib/docker", 1000)
	if err == nil || !strings.Contains(err.Error(), "about 3072 MiB of disk in /var/lib/docker") || !strings.Contains(err.Error(), "docker system prune") {
		t.Errorf("1000 MiB for 3 nodes: %v", err)
	}
	if err := Disk(1000, ""); err != nil {
		t.Errorf("no Docker root dir known: not checked, got %v", err)
	}
	if err := Disk(1, t.TempDir()); err != nil {
		t.Errorf("one node in a temp dir: %v", err)
	}
}

func TestCNIs(t *testing.T) {
	p := testplan.Builtin(t, "tgw-two-vpc")
	if err := CNIs(p, func(plan.ClusterPlan) error { return nil }); err != nil {
		t.Fatal(err)
	}
	err := CNIs(p, func(c plan.ClusterPlan) error { return errors.New("CNI " + c.CNI.Type + " unknown") })
	if err == nil || !strings.Contains(err.Error(), "cluster a (cni: flannel, mode vxlan): CNI flannel unknown") ||
		!strings.Contains(err.Error(), "cluster b (cni: flannel, mode vxlan): CNI flannel unknown") {
		t.Errorf("every cluster's missing CNI must be named: %v", err)
	}
}

func TestEgressGuard(t *testing.T) {
	p := &plan.Plan{Source: "lab.yaml", Outside: plan.OutsidePlan{Egress: plan.EgressDeny}}
	denied := func() error { return errors.New("operation not permitted") }
	err := EgressGuard(p, denied)
	if err == nil || !strings.Contains(err.Error(), "lab.yaml") || !strings.Contains(err.Error(), "operation not permitted") ||
		!strings.Contains(strings.Join(hint.Hints(err), " "), "egress: allow") {
		t.Errorf("EgressGuard = %v (hint %q)", err, strings.Join(hint.Hints(err), " "))
	}
	if err := EgressGuard(p, func() error { return nil }); err != nil {
		t.Errorf("installable guard refused: %v", err)
	}
	p.Outside.Egress = plan.EgressAllow
	if err := EgressGuard(p, denied); err != nil {
		t.Errorf("egress: allow still needs the guard: %v", err)
	}
}

// A cluster that serves the Gateway API needs its CRDs built on the host; the error names the
// file, the cluster and the field; a lab without it needs nothing.
func TestGatewayAPI(t *testing.T) {
	p := &plan.Plan{Source: "s.yaml", Clusters: []plan.ClusterPlan{{Name: "a"}, {Name: "b", Ingress: &plan.IngressPlan{Controller: "traefik", GatewayAPI: true}}}}
	missing := func() error { return errors.New("not built; run bash ci/gateway-api-crds.sh") }
	err := GatewayAPI(p, missing)
	if err == nil || !strings.Contains(err.Error(), "s.yaml: cluster b (ingress.gatewayAPI): not built; run bash ci/gateway-api-crds.sh") {
		t.Fatalf("%v", err)
	}
	if err := GatewayAPI(p, func() error { return nil }); err != nil {
		t.Fatal(err)
	}
	p.Clusters[1].Ingress.GatewayAPI = false
	if err := GatewayAPI(p, missing); err != nil {
		t.Fatalf("no cluster asks for it: %v", err)
	}
}
