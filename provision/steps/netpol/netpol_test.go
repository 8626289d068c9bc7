package netpol

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
	"sigs.k8s.io/yaml"

	"github.com/netlab-dev/netlab/internal/golden"
	"github.com/netlab-dev/netlab/internal/names"
	"github.com/netlab-dev/netlab/internal/testplan"
	"github.com/netlab-dev/netlab/plan"
)

// several is a cluster with policies that use every part of the schema: two rules, a rule without
// ports, UDP, an explicit namespace, an empty podSelector.
func several() plan.ClusterPlan {
	return plan.ClusterPlan{Name: "c1", NetworkPolicies: []plan.NetworkPolicy{
		{Name: "web-out", Namespace: "shop", PodSelector: map[string]string{"app": "web", "tier": "front"}, EgressAllow: []plan.EgressRule{
			{CIDR: "10.0.1.0/24", Ports: []int{8080, 8443}, Protocol: "TCP"},
			{CIDR: "10.96.0.10/32", Ports: []int{53}, Protocol: "UDP"},
			{CIDR: "10.1.0.0/16", Protocol: "TCP"},
		}},
		{Name: "all-quiet", Namespace: "default", EgressAllow: []plan.EgressRule{{CIDR: "10.0.1.250/32", Ports: []int{7001}, Protocol: "TCP"}}},
	}}
}

// The rendered objects, as YAML, are the golden files: flannel-basic's policy and several().
func TestRenderGolden(t *testing.T) {
	for name, c := range map[string]plan.ClusterPlan{
		"flannel-basic": testplan.Builtin(t, "flannel-basic").Clusters[0],
		"several":       several(),
	} {
		t.Run(name, func(t *testing.T) {
			var docs []string
			for _, p := range Render(c) {
				b, err := yaml.Marshal(p)
				if err != nil {
					t.Fatal(err)
				}
				docs = append(docs, string(b))
			}
			got := []byte(strings.Join(docs, "---\n"))
			golden.Check(t, filepath.Join("testdata", name+".yaml"), got)
		})
	}
}

// What the golden files hold, asserted as values: the selector, egress only, one rule per CIDR,
// the rule's protocol on each port, and a rule without ports open on every port of its protocol.
func TestRenderEgressAllowList(t *testing.T) {
	ps := Render(several())
	if len(ps) != 2 {
		t.Fatalf("%d policies", len(ps))
	}
	web := ps[0]
	if web.Namespace != "shop" || web.Name != "web-out" || web.Labels[names.LabelManagedBy] != "netlab" || web.Labels[names.LabelSource] != "scenario" {
		t.Errorf("meta %+v", web.ObjectMeta)
	}
	if !slices.Equal(web.Spec.PolicyTypes, []networkingv1.PolicyType{networkingv1.PolicyTypeEgress}) || len(web.Spec.Ingress) != 0 {
		t.Errorf("policy types %v", web.Spec.PolicyTypes)
	}
	if web.Spec.PodSelector.MatchLabels["tier"] != "front" || len(web.Spec.Egress) != 3 {
		t.Fatalf("spec %+v", web.Spec)
	}
	r0, r1, r2 := web.Spec.Egress[0], web.Spec.Egress[1], web.Spec.Egress[2]
	if r0.To[0].IPBlock.CIDR != "10.0.1.0/24" || len(r0.Ports) != 2 || r0.Ports[1].Port.IntValue() != 8443 || *r0.Ports[1].Protocol != "TCP" {
		t.Errorf("rule 0 %+v", r0)
	}
	if *r1.Ports[0].Protocol != "UDP" || r1.Ports[0].Port.IntValue() != 53 {
		t.Errorf("rule 1 %+v", r1)
	}
	if len(r2.Ports) != 1 || r2.Ports[0].Port != nil || *r2.Ports[0].Protocol != "TCP" {
		t.Errorf("rule 2 (no ports: every TCP port) %+v", r2)
	}
	if ps[1].Spec.PodSelector.MatchLabels != nil {
		t.Errorf("an empty podSelector selects every Pod of the namespace: %+v", ps[1].Spec.PodSelector)
	}
}

func keys(l *networkingv1.NetworkPolicyList) []string {
	var out []string
	for _, p := range l.Items {
		out = append(out, p.Namespace+"/"+p.Name)
	}
	slices.Sort(out)
	return out
}

// Apply creates the policies and their namespace, does nothing the second time, updates a policy
// whose rules changed, deletes the netlab-owned ones the plan dropped, and leaves everyone else's
// policies alone.
func TestApplyReconciles(t *testing.T) {
	ctx := context.Background()
	foreign := &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: "theirs", Namespace: "default"}}
	checks := &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: "netlab-egress", Namespace: "netlab-checks", Labels: map[string]string{names.LabelManagedBy: "netlab"}}}
	cs := fake.NewClientset(foreign, checks)
	c := several()

	ch, err := Apply(ctx, cs, c)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ch.Created, []string{"shop/web-out", "default/all-quiet"}) || len(ch.Updated)+len(ch.Deleted)+len(ch.Unchanged) != 0 {
		t.Errorf("first apply: %+v", ch)
	}
	if _, err := cs.CoreV1().Namespaces().Get(ctx, "shop", metav1.GetOptions{}); err != nil {
		t.Errorf("namespace shop: %v", err)
	}

	ch, err = Apply(ctx, cs, c)
	if err != nil || len(ch.Unchanged) != 2 || ch.String() != "unchanged shop/web-out, default/all-quiet" {
		t.Errorf("second apply: %+v %v", ch, err)
	}

	c.NetworkPolicies[0].EgressAllow = c.NetworkPolicies[0].EgressAllow[:1]
	c.NetworkPolicies = c.NetworkPolicies[:1]
	ch, err = Apply(ctx, cs, c)
	if err != nil || !slices.Equal(ch.Updated, []string{"shop/web-out"}) || !slices.Equal(ch.Deleted, []string{"default/all-quiet"}) {
		t.Errorf("apply after the plan changed: %+v %v", ch, err)
	}
	got, _ := cs.NetworkingV1().NetworkPolicies("shop").Get(ctx, "web-out", metav1.GetOptions{})
	if len(got.Spec.Egress) != 1 {
		t.Errorf("the update did not reach the object: %+v", got.Spec)
	}
	all, _ := cs.NetworkingV1().NetworkPolicies("").List(ctx, metav1.ListOptions{})
	if n := keys(all); !slices.Equal(n, []string{"default/theirs", "netlab-checks/netlab-egress", "shop/web-out"}) {
		t.Errorf("policies left: %v", n)
	}

	ch, err = Apply(ctx, cs, plan.ClusterPlan{Name: "c1"})
	if err != nil || !slices.Equal(ch.Deleted, []string{"shop/web-out"}) {
		t.Errorf("a plan without policies removes netlab's: %+v %v", ch, err)
	}
}

// A policy of the same name that netlab does not own is an error that names it, and stays as it is.
func TestApplyRefusesAForeignPolicyOfTheSameName(t *testing.T) {
	ctx := context.Background()
	theirs := &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: "all-quiet", Namespace: "default"}}
	cs := fake.NewClientset(theirs)
	_, err := Apply(ctx, cs, several())
	if err == nil || !strings.Contains(err.Error(), "default/all-quiet exists and is not netlab's") {
		t.Fatalf("err = %v", err)
	}
	got, _ := cs.NetworkingV1().NetworkPolicies("default").Get(ctx, "all-quiet", metav1.GetOptions{})
	if len(got.Labels) != 0 || len(got.Spec.Egress) != 0 {
		t.Errorf("the foreign policy was changed: %+v", got)
	}
}
