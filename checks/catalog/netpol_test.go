package catalog

import (
	"context"
	"strings"
	"testing"

	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/checks/live"
	"github.com/netlab-dev/netlab/checks/report"
	"github.com/netlab-dev/netlab/probe"
)

// The NetworkPolicy check: the allowed call answers; another port and another CIDR are refused or
// time out while the policy is in place; deleting it lets the denied port through. Under a CNI that
// does not enforce policies the check is skipped, whatever it observed.
func TestNetpolThroughTheFakeLab(t *testing.T) {
	const (
		allowed    = vpcClient + ":7001"
		deniedPort = "http://" + vpcClient + ":8080/"
		deniedCIDR = "10.244.0.5:7001"
	)
	up := ans{pod: "c-client", ip: vpcClient, remote: "10.244.1.7"}.get
	// enforcing: what a CNI that enforces the policy does; variants change one call.
	type net func(f *fakeLab, target string) (probe.Result, error)
	enforcing := func(f *fakeLab, target string) (probe.Result, error) {
		switch {
		case target == allowed:
			return up()
		case f.policyOn():
			return tmo()
		}
		return up()
	}
	cases := []struct {
		name, scenario, cluster string
		net                     net
		expired                 bool
		want                    report.Verdict
		bad                     string
	}{
		{name: "enforced: pass", scenario: "cni-matrix", cluster: "calico", net: enforcing, want: report.Pass},
		{name: "enforced: another CIDR answers", scenario: "cni-matrix", cluster: "calico", net: func(f *fakeLab, target string) (probe.Result, error) {
			if target == deniedCIDR {
				return up()
			}
			return enforcing(f, target)
		}, want: report.Fail, bad: "denied: another CIDR"},
		{name: "enforced: another port answers", scenario: "cni-matrix", cluster: "calico", net: func(f *fakeLab, target string) (probe.Result, error) {
			if target == deniedPort {
				return up()
			}
			return enforcing(f, target)
		}, want: report.Fail, bad: "denied: another port"},
		{name: "enforced: the allowed call times out", scenario: "cni-matrix", cluster: "calico", net: func(f *fakeLab, target string) (probe.Result, error) {
			if target == allowed {
				return tmo()
			}
			return enforcing(f, target)
		}, want: report.Fail, bad: "allowed"},
		{name: "enforced: deleting the policy does not let the denied port through", scenario: "cni-matrix", cluster: "calico", net: func(f *fakeLab, target string) (probe.Result, error) {
			if target == deniedPort {
				return tmo()
			}
			return enforcing(f, target)
		}, want: report.Fail},
		{name: "enforced: the probe for another CIDR crashed", scenario: "cni-matrix", cluster: "calico", net: func(f *fakeLab, target string) (probe.Result, error) {
			if target == deniedCIDR {
				return crash()
			}
			return enforcing(f, target)
		}, want: report.Error},
		{name: "enforced: expired", scenario: "cni-matrix", cluster: "calico", net: enforcing, expired: true, want: report.Error},
		{name: "not enforced, denied calls silent: still a skip", scenario: "flannel-basic", net: enforcing, want: report.Skip},
		{name: "not enforced, denied calls answered: a skip", scenario: "flannel-basic", net: func(f *fakeLab, target string) (probe.Result, error) { return up() }, want: report.Skip},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFake(t, c.scenario)
			for name := range f.clusters {
				f.pods[name+"/"+live.PodNetpol] = []checks.Pod{{Name: "netpol-client-x", IP: "10.244.1.7"}}
			}
			f.call = func(w checks.Where, proto, target string) (probe.Result, error) { return c.net(f, target) }
			ctx := context.Background()
			if c.expired {
				ctx = expired()
			}
			r := runDefOn(t, f, "netpol/egress-allowlist", c.cluster, ctx)
			if r.Verdict != c.want {
				t.Fatalf("verdict %s, want %s: %s %+v", r.Verdict, c.want, r.Reason, r.Evidence)
			}
			if c.bad != "" {
				if e, ok := hasEvidence(r, c.bad); !ok || e.OK {
					t.Errorf("evidence %q: %+v (found %v)", c.bad, e, ok)
				}
			}
			if c.want == report.Skip && (!strings.Contains(r.Reason, "does not enforce NetworkPolicy") || !strings.Contains(r.Reason, "another CIDR")) {
				t.Errorf("the skip must say why and what it observed: %s", r.Reason)
			}
			if len(f.policies) != 1 || f.policies[0].CIDR != vpcClient+"/32" || f.policies[0].Port != live.PortTCP {
				t.Errorf("policy applied: %+v", f.policies)
			}
		})
	}
}
