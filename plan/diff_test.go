package plan_test

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/scenarios"
)

func builtinEdited(t *testing.T, name string, edit func(string) string) *plan.Plan {
	t.Helper()
	data, _ := scenarios.Lookup(name)
	src := string(data)
	if edit != nil {
		src = edit(src)
	}
	p, diags := plan.Build(name, []byte(src), plan.Options{})
	if p == nil {
		t.Fatal(diags.Error())
	}
	return p
}

func TestDiff(t *testing.T) {
	base := builtinEdited(t, "tgw-two-vpc", nil)
	cases := []struct {
		name string
		edit func(string) string
		want []string // substrings, one per expected change, in order; empty: applied in place
	}{
		{"same file", func(s string) string { return s }, nil},
		{"MetalLB pool", func(s string) string {
			return strings.Replace(s, "10.0.1.200-10.0.1.220", "10.0.1.200-10.0.1.210", 1)
		}, nil},
		{"check selection", func(s string) string { return s + "checks:\n  paths: [\"service/*\"]\n" }, nil},
		{"pod CIDR", func(s string) string {
			return strings.Replace(strings.Replace(s, "podCIDR: 10.0.64.0/18", "podCIDR: 10.0.128.0/18", 1), "cidr: 10.0.64.0/18, attachment", "cidr: 10.0.128.0/18, attachment", 1)
		}, []string{"cluster a: podCIDR changed from 10.0.64.0/18 to 10.0.128.0/18 (the cluster would be recreated)"}},
		{"kube-proxy", func(s string) string {
			return strings.Replace(s, "    cni: {type: flannel, mode: vxlan}\n", "    cni: {type: flannel, mode: vxlan}\n    kubeProxy: {mode: nftables}\n", 1)
		}, []string{"cluster b: kube-proxy mode changed from iptables to nftables"}},
		{"workers", func(s string) string { return strings.Replace(s, "    workers: 1\n", "    workers: 2\n", 1) }, []string{"cluster a: nodes changed from [{"}},
		{"VPC subnet", func(s string) string {
			return strings.Replace(strings.Replace(s, "cidr: 10.1.1.0/24", "cidr: 10.1.2.0/24", 1), "10.1.1.200-10.1.1.220", "10.1.2.200-10.1.2.220", 1)
		}, []string{"VPC vpc-b changed its subnets or MTU"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := plan.Diff(base, builtinEdited(t, "tgw-two-vpc", c.edit))
			if len(got) != len(c.want) {
				t.Fatalf("got %d changes %q, want %d", len(got), got, len(c.want))
			}
			for i, w := range c.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("change %d = %q, want it to contain %q", i, got[i], w)
				}
			}
		})
	}
}

func TestDiffAddedAndRemovedClusters(t *testing.T) {
	one := builtinEdited(t, "flannel-basic", nil)
	two := builtinEdited(t, "flannel-basic", func(s string) string { return s + "  - name: c2\n    vpc: vpc-a\n" })
	if got := plan.Diff(one, two); len(got) != 0 {
		t.Fatalf("adding a cluster must be applied in place, got %q", got)
	}
	if got := plan.Diff(two, one); len(got) != 1 || !strings.Contains(got[0], "cluster c2 was removed") {
		t.Fatalf("removing a cluster: %q", got)
	}
}

func TestDiffNewLabAndTGWAddress(t *testing.T) {
	p := builtinEdited(t, "tgw-two-vpc", nil)
	if got := plan.Diff(nil, p); got != nil {
		t.Errorf("a new lab has no differences, got %q", got)
	}
	// The TGW address follows the attachments; it alone is not a change.
	q := builtinEdited(t, "tgw-two-vpc", nil)
	for i := range q.VPCs {
		for j := range q.VPCs[i].Subnets {
			q.VPCs[i].Subnets[j].TGWAddress = netip.Addr{}
		}
	}
	if got := plan.Diff(p, q); len(got) != 0 {
		t.Errorf("a changed TGW address alone must be applied in place, got %q", got)
	}
	// A changed MTU is refused, naming the VPC.
	q.VPCs[0].MTU++
	if got := plan.Diff(p, q); len(got) != 1 || !strings.Contains(got[0], "VPC "+p.VPCs[0].Name+" changed its subnets or MTU") {
		t.Errorf("MTU: %q", got)
	}
}
