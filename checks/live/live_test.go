package live

import (
	"strings"
	"testing"

	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/internal/testplan"
	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/probe"
)

func builtin(t *testing.T, name string) *plan.Plan { return testplan.Builtin(t, name) }

func labFor(p *plan.Plan) *Lab {
	l := &Lab{Plan: p}
	l.Allow = checks.AllowedTargets(p)
	l.guard = probe.NewGuardPrefixes(l.Allow...)
	return l
}

// The safety rule: a check may only target the lab's own ranges (VPCs, subnets, Pod and Service
// CIDRs) and loopback. Anything else is refused before any command runs.
func TestCheckTargetRefusesEverythingOutsideTheLab(t *testing.T) {
	l := labFor(builtin(t, "tgw-two-vpc"))
	for _, ok := range []string{"10.0.1.253:7001", "10.1.64.5:7001", "172.21.0.10", "127.0.0.1:7101", "http://10.1.1.200:80/x", "10.1.1.200"} {
		if err := l.CheckTarget(ok); err != nil {
			t.Errorf("%s is the lab's own and must be allowed: %v", ok, err)
		}
	}
	for _, bad := range []string{"8.8.8.8:53", "10.99.1.3:8080", "192.168.1.1", "http://1.1.1.1/", "172.22.0.1:80", "example.com:80", "http://example.com/", "[::1]:80x", ""} {
		err := l.CheckTarget(bad)
		if err == nil {
			t.Errorf("%q is outside the lab and must be refused", bad)
		}
	}
	if err := l.CheckTarget("8.8.8.8:53"); !probe.IsRefused(err) {
		t.Errorf("an outside address must be a probe refusal, got %v", err)
	}
}

func TestClientCallsRefuseBeforeRunning(t *testing.T) {
	l := labFor(builtin(t, "flannel-basic"))
	// A Where with nothing behind it: the call must be refused by the guard before it is used.
	w := Where{}
	if _, err := l.TCP(t.Context(), w, "8.8.8.8:53"); !probe.IsRefused(err) {
		t.Fatalf("TCP to 8.8.8.8: %v", err)
	}
	if _, err := l.HTTP(t.Context(), w, "http://1.1.1.1/", ""); !probe.IsRefused(err) {
		t.Fatalf("HTTP to 1.1.1.1: %v", err)
	}
	if _, err := l.DNS(t.Context(), w, "9.9.9.9", "x"); !probe.IsRefused(err) {
		t.Fatalf("DNS to 9.9.9.9: %v", err)
	}
	if _, err := l.Bulk(t.Context(), w, "203.0.113.1:7001", 0); !probe.IsRefused(err) {
		t.Fatalf("Bulk: %v", err)
	}
}

func TestObjectsRenderTheProbeWorkloads(t *testing.T) {
	p := builtin(t, "flannel-basic")
	c := p.Clusters[0]
	objs, err := Objects(p, c, "netlab.local/netlab:test", []string{"10.0.0.0/16"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]map[string]any{}
	for _, o := range objs {
		kinds[o.GetKind()+"/"+o.GetName()] = o.Object
		if o.GetKind() != "Namespace" && o.GetNamespace() != Namespace {
			t.Errorf("%s/%s outside %s", o.GetKind(), o.GetName(), Namespace)
		}
	}
	for _, want := range []string{"Namespace/" + Namespace, "DaemonSet/" + DSProbe, "DaemonSet/" + DSHost, "Deployment/" + DeployEcho,
		"Deployment/" + DeployPinned, "Deployment/" + PodNetpol, "Service/" + SvcEcho, "Service/" + SvcCluster, "Service/" + SvcLocal} {
		if kinds[want] == nil {
			t.Errorf("missing %s", want)
		}
	}
	s := func(path ...string) string {
		v := kinds[path[0]]
		var cur any = v
		for _, k := range path[1:] {
			m, _ := cur.(map[string]any)
			cur = m[k]
		}
		return strings.TrimSpace(strings.ReplaceAll(strings.ReplaceAll(toString(cur), "\n", " "), "  ", " "))
	}
	if got := s("Service/"+SvcCluster, "spec", "type"); got != "LoadBalancer" {
		t.Errorf("with MetalLB the external Service is %q", got)
	}
	if got := s("Service/"+SvcLocal, "spec", "externalTrafficPolicy"); got != "Local" {
		t.Errorf("etp %q", got)
	}
	host := s("DaemonSet/"+DSHost, "spec", "template", "spec")
	for _, want := range []string{"hostNetwork:true", "NET_ADMIN", "NET_RAW", "netlab.local/netlab:test", "imagePullPolicy:Never", "NETLAB_PROBE_ALLOW", "10.0.0.0/16"} {
		if !strings.Contains(host, want) {
			t.Errorf("host probe spec lacks %s: %s", want, host)
		}
	}
	pinned := s("Deployment/"+DeployPinned, "spec", "template", "spec", "nodeSelector")
	if !strings.Contains(pinned, PinnedNode(c)) || PinnedNode(c) != c.Nodes[len(c.Nodes)-1].Name {
		t.Errorf("pinned backend selector %s", pinned)
	}

	// Without MetalLB the external Services are NodePorts.
	c.MetalLB = nil
	objs, _ = Objects(p, c, "img", nil, nil)
	for _, o := range objs {
		if o.GetName() == SvcCluster {
			if typ, _, _ := unstructuredString(o.Object, "spec", "type"); typ != "NodePort" {
				t.Errorf("without MetalLB: %s", typ)
			}
		}
	}
}
