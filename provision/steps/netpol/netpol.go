// Package netpol is the step of 'up' that applies the scenario's NetworkPolicies (a cluster's
// networkPolicies) as networking/v1 NetworkPolicy objects, in the namespace each one names.
//
// Each policy is an egress allow-list: the Pods its podSelector picks may reach only the listed
// CIDRs, on the listed ports of the rule's protocol (every port of that protocol when a rule lists
// none). The objects carry the labels of Owned, so that a later 'up' updates them in place and
// deletes those the scenario no longer has, and never touches a policy someone else made. Under a
// CNI that does not enforce NetworkPolicy (plan.CNIPlan.EnforcesNetworkPolicy false, Flannel) they
// are applied all the same and have no effect; the step says so.
package netpol

import (
	"context"
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"

	"github.com/netlab-dev/netlab/internal/names"
	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/provision/kube"
	"github.com/netlab-dev/netlab/provision/steps"
)

// Owned are the labels every scenario NetworkPolicy carries (names.ScenarioPolicySelector):
// app.kubernetes.io/managed-by=netlab, and netlab.dev/source=scenario beside it, which keeps the
// checks' own policies (in the checks' namespace) out of the step's reach.
var Owned = map[string]string{names.LabelManagedBy: names.ManagedBy, names.LabelSource: names.SourceScenario}

// Step applies every cluster's NetworkPolicies. It runs for every plan: a plan without policies
// still removes the ones an earlier 'up' of the lab applied.
func Step() steps.Step {
	return steps.Step{
		Name:  "networkpolicies",
		Title: "Applying NetworkPolicies",
		Run: func(ctx context.Context, sc *steps.StepContext) error {
			return sc.EachCluster(func(c plan.ClusterPlan, kc *kube.Client) error {
				ch, err := Apply(ctx, kc.Clientset, c)
				if err != nil {
					return fmt.Errorf("cluster %s: %w", c.Name, err)
				}
				if s := ch.String(); s != "" {
					if len(c.NetworkPolicies) > 0 && !c.CNI.EnforcesNetworkPolicy {
						s += fmt.Sprintf(" (%s does not enforce NetworkPolicy: they have no effect)", c.CNI.Type)
					}
					sc.Status.Printf("   [%s] NetworkPolicies: %s", c.Name, s)
				}
				return nil
			})
		},
	}
}

// Render is cluster c's NetworkPolicies as Kubernetes objects, in the plan's order.
func Render(c plan.ClusterPlan) []*networkingv1.NetworkPolicy {
	out := make([]*networkingv1.NetworkPolicy, 0, len(c.NetworkPolicies))
	for _, np := range c.NetworkPolicies {
		out = append(out, render(np))
	}
	return out
}

func render(np plan.NetworkPolicy) *networkingv1.NetworkPolicy {
	lbls := make(map[string]string, len(Owned))
	for k, v := range Owned {
		lbls[k] = v
	}
	var sel map[string]string
	if len(np.PodSelector) > 0 {
		sel = make(map[string]string, len(np.PodSelector))
		for k, v := range np.PodSelector {
			sel[k] = v
		}
	}
	pol := &networkingv1.NetworkPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
		ObjectMeta: metav1.ObjectMeta{Name: np.Name, Namespace: namespaceOf(np), Labels: lbls},
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{MatchLabels: sel},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeEgress},
		},
	}
	for _, e := range np.EgressAllow {
		proto := corev1.Protocol(strings.ToUpper(orDefault(e.Protocol, "TCP")))
		rule := networkingv1.NetworkPolicyEgressRule{
			To: []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: e.CIDR}}},
		}
		if len(e.Ports) == 0 {
			rule.Ports = []networkingv1.NetworkPolicyPort{{Protocol: &proto}}
		}
		for _, p := range e.Ports {
			port := intstr.FromInt32(int32(p))
			rule.Ports = append(rule.Ports, networkingv1.NetworkPolicyPort{Protocol: &proto, Port: &port})
		}
		pol.Spec.Egress = append(pol.Spec.Egress, rule)
	}
	return pol
}

func namespaceOf(np plan.NetworkPolicy) string { return orDefault(np.Namespace, "default") }

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// Changes is what Apply did, each policy as namespace/name.
type Changes struct {
	Created, Updated, Unchanged, Deleted []string
}

func (ch Changes) String() string {
	var parts []string
	for _, p := range []struct {
		verb  string
		items []string
	}{{"created", ch.Created}, {"updated", ch.Updated}, {"unchanged", ch.Unchanged}, {"deleted (no longer in the scenario)", ch.Deleted}} {
		if len(p.items) > 0 {
			parts = append(parts, p.verb+" "+strings.Join(p.items, ", "))
		}
	}
	return strings.Join(parts, "; ")
}

// Apply makes cluster c's NetworkPolicies those of its plan: it creates the missing ones (and
// their namespaces), updates those that differ, and deletes the netlab-owned ones the plan no
// longer has. A policy of the same name that netlab does not own is an error, left as it is.
func Apply(ctx context.Context, cs kubernetes.Interface, c plan.ClusterPlan) (Changes, error) {
	var ch Changes
	want := map[string]bool{}
	for _, pol := range Render(c) {
		key := pol.Namespace + "/" + pol.Name
		want[key] = true
		if err := ensureNamespace(ctx, cs, pol.Namespace); err != nil {
			return ch, err
		}
		nps := cs.NetworkingV1().NetworkPolicies(pol.Namespace)
		cur, err := nps.Get(ctx, pol.Name, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			if _, err := nps.Create(ctx, pol, metav1.CreateOptions{}); err != nil {
				return ch, fmt.Errorf("create NetworkPolicy %s: %w", key, err)
			}
			ch.Created = append(ch.Created, key)
			continue
		case err != nil:
			return ch, fmt.Errorf("read NetworkPolicy %s: %w", key, err)
		}
		if !owned(cur.Labels) {
			return ch, fmt.Errorf("NetworkPolicy %s exists and is not netlab's (it lacks the labels %s); rename the scenario's policy or delete that one", key, names.ScenarioPolicySelector)
		}
		if equality.Semantic.DeepEqual(cur.Spec, pol.Spec) && equality.Semantic.DeepEqual(cur.Labels, pol.Labels) {
			ch.Unchanged = append(ch.Unchanged, key)
			continue
		}
		upd := cur.DeepCopy()
		upd.Labels, upd.Spec = pol.Labels, pol.Spec
		if _, err := nps.Update(ctx, upd, metav1.UpdateOptions{}); err != nil {
			return ch, fmt.Errorf("update NetworkPolicy %s: %w", key, err)
		}
		ch.Updated = append(ch.Updated, key)
	}
	list, err := cs.NetworkingV1().NetworkPolicies(metav1.NamespaceAll).List(ctx, metav1.ListOptions{LabelSelector: names.ScenarioPolicySelector})
	if err != nil {
		return ch, fmt.Errorf("list netlab's NetworkPolicies: %w", err)
	}
	for _, np := range list.Items {
		key := np.Namespace + "/" + np.Name
		if want[key] || !owned(np.Labels) {
			continue
		}
		err := cs.NetworkingV1().NetworkPolicies(np.Namespace).Delete(ctx, np.Name, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			return ch, fmt.Errorf("delete NetworkPolicy %s, which the scenario no longer has: %w", key, err)
		}
		ch.Deleted = append(ch.Deleted, key)
	}
	sort.Strings(ch.Deleted)
	return ch, nil
}

func owned(l map[string]string) bool {
	for k, v := range Owned {
		if l[k] != v {
			return false
		}
	}
	return true
}

// ensureNamespace creates namespace ns unless it exists.
func ensureNamespace(ctx context.Context, cs kubernetes.Interface, ns string) error {
	_, err := cs.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
	if err == nil {
		return nil
	}
	if !apierrors.IsNotFound(err) {
		return fmt.Errorf("read namespace %s: %w", ns, err)
	}
	_, err = cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: map[string]string{names.LabelManagedBy: names.ManagedBy}}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create namespace %s for the scenario's NetworkPolicies: %w", ns, err)
	}
	return nil
}
