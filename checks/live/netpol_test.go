package live

import (
	"context"
	"slices"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/netlab-dev/netlab/internal/names"
	"github.com/netlab-dev/netlab/provision/kube"
)

// NetworkPolicies lists the scenario's policies of every namespace, and only those: not the
// checks' own, not anyone else's.
func TestNetworkPoliciesListsTheScenarios(t *testing.T) {
	scenario := map[string]string{names.LabelManagedBy: names.ManagedBy, names.LabelSource: names.SourceScenario}
	pol := func(ns, name string, labels map[string]string) *networkingv1.NetworkPolicy {
		return &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: labels}}
	}
	cs := fake.NewClientset(
		pol("shop", "web-out", scenario),
		pol("default", "egress-allowlist", scenario),
		pol(Namespace, "netlab-egress-allowlist", map[string]string{names.LabelManagedBy: names.ManagedBy}),
		pol("default", "theirs", nil),
	)
	l := &Lab{Clusters: map[string]*Cluster{"c1": {Kube: &kube.Client{Name: "c1", Clientset: cs}}}}
	got, err := l.NetworkPolicies(context.Background(), "c1")
	if err != nil || !slices.Equal(got, []string{"default/egress-allowlist", "shop/web-out"}) {
		t.Fatalf("got %v, %v", got, err)
	}
	if _, err := l.NetworkPolicies(context.Background(), "c9"); err == nil {
		t.Error("a cluster not in the lab must be an error")
	}
}
