package catalog

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/checks/live"
	"github.com/netlab-dev/netlab/checks/report"
	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/probe"
)

// netpol/egress-allowlist and the scenario's own networkPolicies: where the scenario has some,
// the check reads them from the cluster and they must all be there; under Flannel it stays a skip
// that says what it found, whatever it found.
func TestNetpolReadsTheScenarioPolicies(t *testing.T) {
	up := ans{pod: "c-client", ip: vpcClient, remote: "10.244.1.7"}.get
	enforcing := func(f *fakeLab, target string) (probe.Result, error) {
		if target != vpcClient+":7001" && f.policyOn() {
			return tmo()
		}
		return up()
	}
	shop := plan.NetworkPolicy{Name: "web-out", Namespace: "shop", PodSelector: map[string]string{"app": "web"},
		EgressAllow: []plan.EgressRule{{CIDR: "10.0.1.0/24", Ports: []int{8080}, Protocol: "TCP"}}}
	cases := []struct {
		name, scenario, cluster string
		policies                []plan.NetworkPolicy // added to the cluster's plan
		applied                 []string
		readErr                 error
		want                    report.Verdict
		item                    string // "": no scenario item; else its observed text
		itemOK                  bool
		reasonHas               string
	}{
		{name: "flannel, applied: a skip that says so", scenario: "flannel-basic", applied: []string{"default/egress-allowlist"},
			want: report.Skip, item: "default/egress-allowlist", itemOK: true, reasonHas: "the scenario's NetworkPolicies in the cluster: default/egress-allowlist"},
		{name: "flannel, missing: still a skip, never a pass", scenario: "flannel-basic",
			want: report.Skip, item: "none", reasonHas: "in the cluster: none (the scenario has default/egress-allowlist)"},
		{name: "enforced, applied", scenario: "cni-matrix", cluster: "calico", policies: []plan.NetworkPolicy{shop},
			applied: []string{"default/other", "shop/web-out"}, want: report.Pass, item: "default/other, shop/web-out", itemOK: true},
		{name: "enforced, not applied", scenario: "cni-matrix", cluster: "calico", policies: []plan.NetworkPolicy{shop},
			applied: []string{"default/other"}, want: report.Fail, item: "default/other", reasonHas: "the scenario's NetworkPolicies are applied"},
		{name: "enforced, cannot read them", scenario: "cni-matrix", cluster: "calico", policies: []plan.NetworkPolicy{shop},
			readErr: errors.New("forbidden"), want: report.Error, reasonHas: "read the scenario's NetworkPolicies: forbidden"},
		{name: "enforced, the scenario has none: nothing read", scenario: "cni-matrix", cluster: "calico",
			readErr: errors.New("must not be asked"), want: report.Pass},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFake(t, c.scenario)
			for name := range f.clusters {
				f.pods[name+"/"+live.PodNetpol] = []checks.Pod{{Name: "netpol-client-x", IP: "10.244.1.7"}}
			}
			if c.policies != nil {
				f.clusters[c.cluster].Plan.NetworkPolicies = c.policies
			}
			f.applied, f.appliedErr = c.applied, c.readErr
			f.call = func(w checks.Where, proto, target string) (probe.Result, error) { return enforcing(f, target) }
			r := runDefOn(t, f, "netpol/egress-allowlist", c.cluster, context.Background())
			if r.Verdict != c.want {
				t.Fatalf("verdict %s, want %s: %s %+v", r.Verdict, c.want, r.Reason, r.Evidence)
			}
			e, found := hasEvidence(r, "the scenario's NetworkPolicies are applied")
			if c.item == "" {
				if found {
					t.Errorf("an item for policies the scenario does not have: %+v", e)
				}
			} else if !found || e.OK != c.itemOK || e.Observed != c.item {
				t.Errorf("item %+v (found %v), want observed %q ok %v", e, found, c.item, c.itemOK)
			}
			if c.reasonHas != "" && !strings.Contains(r.Reason, c.reasonHas) {
				t.Errorf("reason %q, want it to say %q", r.Reason, c.reasonHas)
			}
		})
	}
}
