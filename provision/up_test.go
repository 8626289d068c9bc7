package provision

import (
	"slices"
	"testing"

	"github.com/netlab-dev/netlab/internal/testplan"
	"github.com/netlab-dev/netlab/provision/steps"
)

func stepNames(list []steps.Step, p func(steps.Step) bool) []string {
	var out []string
	for _, s := range list {
		if p(s) {
			out = append(out, s.Name)
		}
	}
	return out
}

// The steps keep their order and state keys (an existing lab's recorded progress must still be
// recognised); the TGW and cross-cluster DNS steps run only for a lab with a transit gateway; the
// NetworkPolicy step runs for every lab (one without policies removes those an earlier 'up' applied).
func TestStepsOrderAndWhereTheyApply(t *testing.T) {
	all := Steps()
	want := []string{"egress", "networks", "clusters", "guard", "dns", "images", "cni", "metallb", "global-lb", "dmz", "networkpolicies", "tgw", "crossdns", "mesh", "ready"}
	if got := stepNames(all, func(steps.Step) bool { return true }); !slices.Equal(got, want) {
		t.Fatalf("steps = %q, want %q", got, want)
	}
	seen := map[string]bool{}
	for _, s := range all {
		if s.Title == "" || s.Run == nil || seen[s.Title] {
			t.Errorf("step %s: empty or repeated title %q, or no Run", s.Name, s.Title)
		}
		seen[s.Title] = true
	}
	flat := testplan.Builtin(t, "flannel-basic")
	if got := stepNames(all, func(s steps.Step) bool { return s.AppliesTo(flat) }); !slices.Equal(got, []string{"egress", "networks", "clusters", "guard", "dns", "images", "cni", "metallb", "networkpolicies", "ready"}) {
		t.Errorf("flannel-basic (no TGW) runs %q", got)
	}
	tgw := testplan.Builtin(t, "tgw-two-vpc")
	if got := stepNames(all, func(s steps.Step) bool { return s.AppliesTo(tgw) }); !slices.Equal(got, without(want, "mesh", "global-lb", "dmz")) {
		t.Errorf("tgw-two-vpc runs %q, want every step but the mesh and the global load balancer", got)
	}
	mesh := testplan.Builtin(t, "istio-multi-primary")
	if got := stepNames(all, func(s steps.Step) bool { return s.AppliesTo(mesh) }); !slices.Equal(got, without(want, "global-lb", "dmz")) {
		t.Errorf("istio-multi-primary runs %q, want every step but the global load balancer and the DMZ", got)
	}
	glb := testplan.Builtin(t, "ingress-two-clusters")
	if got := stepNames(all, func(s steps.Step) bool { return s.AppliesTo(glb) }); !slices.Equal(got, []string{"egress", "networks", "clusters", "guard", "dns", "images", "cni", "metallb", "global-lb", "networkpolicies", "ready"}) {
		t.Errorf("ingress-two-clusters runs %q", got)
	}
	ehs := testplan.Builtin(t, "enterprise-hub-spoke")
	if got := stepNames(all, func(s steps.Step) bool { return s.AppliesTo(ehs) }); !slices.Equal(got, without(want, "global-lb", "mesh")) {
		t.Errorf("enterprise-hub-spoke runs %q, want every step but the global load balancer and the mesh", got)
	}
}

func without(names []string, drop ...string) []string {
	return slices.DeleteFunc(slices.Clone(names), func(n string) bool { return slices.Contains(drop, n) })
}

// The titles are the status lines people and logs know; cross-cluster DNS has its own.
func TestStepTitles(t *testing.T) {
	titles := map[string]string{}
	for _, s := range Steps() {
		titles[s.Name] = s.Title
	}
	for name, want := range map[string]string{
		"egress":          "Guarding the host: lab packets to addresses outside the lab are refused and counted",
		"dns":             "Keeping DNS in the lab (CoreDNS answers names outside the lab itself)",
		"networks":        "Creating VPC networks",
		"clusters":        "Creating kind clusters",
		"guard":           "Keeping lab traffic on this machine (unreachable routes on the nodes)",
		"images":          "Loading images into the nodes",
		"cni":             "Installing the CNI",
		"metallb":         "Installing the add-ons (MetalLB, ingress)",
		"networkpolicies": "Applying NetworkPolicies",
		"tgw":             "Starting the transit gateway and routing the VPCs through it",
		"ready":           "Waiting for every node to be Ready",
	} {
		if titles[name] != want {
			t.Errorf("step %s: title %q, want %q", name, titles[name], want)
		}
	}
}
