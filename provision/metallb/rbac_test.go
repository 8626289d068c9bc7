package metallb

import (
	"slices"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

// need is one API access a component makes, read from the v0.16.1 source. cluster means the
// request is not namespaced (cluster-scoped resource, or a list/watch across all namespaces by a
// controller-runtime informer whose cache is not restricted to metallb-system).
type need struct {
	component, group, resource, verb string
	cluster                          bool
	why                              string
}

func needs(component string, cluster bool, group, resource, why string, verbs ...string) []need {
	var out []need
	for _, v := range verbs {
		out = append(out, need{component, group, resource, v, cluster, why})
	}
	return out
}

// accessTable is what the controller and speaker do, from reading go.universe.tf/metallb v0.16.1:
// controller/main.go, speaker/main.go, internal/k8s/k8s.go (cache ByObject: namespaced for
// BFDProfile, BGPAdvertisement, BGPPeer, IPAddressPool, L2Advertisement, Community,
// ServiceBGPStatus, Secret, ConfigMap), internal/k8s/controllers/*.go (For/Watches/List/Get,
// CreateOrPatch, Status().Patch/Update, Delete) and internal/speakerlist (Pod list for memberlist).
var accessTable = slices.Concat(
	// controller
	needs(ControllerName, false, "", "pods", "k8s.New gets its own Pod (owner of ConfigurationState)", "get"),
	needs(ControllerName, true, "", "services", "ServiceReconciler For(Service), cluster-wide cache", "get", "list", "watch"),
	needs(ControllerName, true, "", "services/status", "Client.UpdateStatus writes the LoadBalancer IP", "update"),
	needs(ControllerName, true, "", "namespaces", "PoolReconciler Watches(Namespace), lists namespaces", "list", "watch"),
	needs(ControllerName, true, "", "events", "event recorder (core/v1) on Services, in the Service's namespace", "create", "patch"),
	needs(ControllerName, false, Group, "ipaddresspools", "PoolReconciler For(IPAddressPool), namespaced cache", "get", "list", "watch"),
	needs(ControllerName, false, Group, "ipaddresspools/status", "PoolStatusReconciler Status().Update", "update"),
	needs(ControllerName, false, Group, "communities", "PoolReconciler Watches(Community), lists them", "list", "watch"),
	needs(ControllerName, true, Group, "configurationstates", "ConfigurationStateReconciler For(ConfigurationState), cluster-wide cache", "get", "list", "watch"),
	needs(ControllerName, false, Group, "configurationstates", "CreateOrPatch of its ConfigurationState", "create", "patch"),
	needs(ControllerName, false, Group, "configurationstates/status", "CreateOrPatch status; reportCondition server-side apply", "patch"),
	needs(ControllerName, true, "authentication.k8s.io", "tokenreviews", "metrics authn filter", "create"),
	needs(ControllerName, true, "authorization.k8s.io", "subjectaccessreviews", "metrics authz filter", "create"),

	// speaker
	needs(SpeakerName, false, "", "pods", "k8s.New gets its own Pod; speakerlist lists speaker Pods", "get", "list"),
	needs(SpeakerName, true, "", "nodes", "ConfigReconciler/NodeReconciler: Node", "get", "list", "watch"),
	needs(SpeakerName, true, "", "namespaces", "ConfigReconciler Watches(Namespace)", "list", "watch"),
	needs(SpeakerName, true, "", "services", "ServiceReconciler For(Service)", "get", "list", "watch"),
	needs(SpeakerName, true, "discovery.k8s.io", "endpointslices", "ServiceReconciler with endpoints", "list", "watch"),
	needs(SpeakerName, true, "", "events", "nodeAssigned/announceFailed events on Services, in their namespaces", "create", "patch"),
	needs(SpeakerName, false, "", "secrets", "ConfigReconciler Watches(Secret), namespaced cache", "list", "watch"),
	needs(SpeakerName, false, "", "configmaps", "ConfigReconciler Watches(ConfigMap), Get bgpextras", "get", "list", "watch"),
	needs(SpeakerName, false, Group, "bgppeers", "ConfigReconciler For(BGPPeer v1beta2)", "list", "watch"),
	needs(SpeakerName, false, Group, "ipaddresspools", "ConfigReconciler", "list", "watch"),
	needs(SpeakerName, false, Group, "l2advertisements", "ConfigReconciler", "list", "watch"),
	needs(SpeakerName, false, Group, "bgpadvertisements", "ConfigReconciler", "list", "watch"),
	needs(SpeakerName, false, Group, "bfdprofiles", "ConfigReconciler", "list", "watch"),
	needs(SpeakerName, false, Group, "communities", "ConfigReconciler", "list", "watch"),
	needs(SpeakerName, true, Group, "configurationstates", "ConfigurationStateReconciler, cluster-wide cache", "get", "list", "watch"),
	needs(SpeakerName, false, Group, "configurationstates", "CreateOrPatch of speaker-<node>", "create", "patch"),
	needs(SpeakerName, false, Group, "configurationstates/status", "reportCondition server-side apply", "patch"),
	needs(SpeakerName, true, Group, "servicel2statuses", "Layer2StatusReconciler Watches(ServiceL2Status), cluster-wide cache", "get", "list", "watch"),
	needs(SpeakerName, false, Group, "servicel2statuses", "Layer2StatusReconciler CreateOrPatch / Delete", "create", "patch", "delete"),
	needs(SpeakerName, false, Group, "servicel2statuses/status", "CreateOrPatch status", "patch"),
	needs(SpeakerName, false, Group, "servicebgpstatuses", "ServiceBGPStatusReconciler, namespaced cache", "get", "list", "watch", "create", "patch", "delete"),
	needs(SpeakerName, false, Group, "servicebgpstatuses/status", "CreateOrPatch status", "patch"),
	needs(SpeakerName, true, "authentication.k8s.io", "tokenreviews", "metrics authn filter", "create"),
	needs(SpeakerName, true, "authorization.k8s.io", "subjectaccessreviews", "metrics authz filter", "create"),
)

func allows(rules []rbacv1.PolicyRule, group, resource, verb string) bool {
	for _, r := range rules {
		if slices.Contains(r.APIGroups, group) && slices.Contains(r.Resources, resource) && slices.Contains(r.Verbs, verb) {
			return true
		}
	}
	return false
}

// grants collects, from the rendered objects, the rules bound to a component's ServiceAccount:
// through ClusterRoleBindings (everywhere) and RoleBindings (in metallb-system).
func grants(t *testing.T, objs []*unstructured.Unstructured, sa string) (cluster, namespaced []rbacv1.PolicyRule) {
	t.Helper()
	clusterRoles, roles := map[string][]rbacv1.PolicyRule{}, map[string][]rbacv1.PolicyRule{}
	var crbs []rbacv1.ClusterRoleBinding
	var rbs []rbacv1.RoleBinding
	for _, o := range objs {
		conv := func(out any) {
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, out); err != nil {
				t.Fatal(err)
			}
		}
		switch o.GetKind() {
		case "ClusterRole":
			var r rbacv1.ClusterRole
			conv(&r)
			clusterRoles[r.Name] = r.Rules
		case "Role":
			var r rbacv1.Role
			conv(&r)
			roles[r.Namespace+"/"+r.Name] = r.Rules
		case "ClusterRoleBinding":
			var b rbacv1.ClusterRoleBinding
			conv(&b)
			crbs = append(crbs, b)
		case "RoleBinding":
			var b rbacv1.RoleBinding
			conv(&b)
			rbs = append(rbs, b)
		}
	}
	bound := func(subjects []rbacv1.Subject) bool {
		for _, s := range subjects {
			if s.Kind == "ServiceAccount" && s.Name == sa && s.Namespace == Namespace {
				return true
			}
		}
		return false
	}
	for _, b := range crbs {
		if bound(b.Subjects) {
			if _, ok := clusterRoles[b.RoleRef.Name]; !ok || b.RoleRef.Kind != "ClusterRole" {
				t.Errorf("ClusterRoleBinding %s refers to missing %s %s", b.Name, b.RoleRef.Kind, b.RoleRef.Name)
			}
			cluster = append(cluster, clusterRoles[b.RoleRef.Name]...)
		}
	}
	for _, b := range rbs {
		if bound(b.Subjects) && b.Namespace == Namespace {
			key := b.Namespace + "/" + b.RoleRef.Name
			if _, ok := roles[key]; !ok || b.RoleRef.Kind != "Role" {
				t.Errorf("RoleBinding %s refers to missing %s %s", b.Name, b.RoleRef.Kind, key)
			}
			namespaced = append(namespaced, roles[key]...)
		}
	}
	return cluster, namespaced
}

// TestRBACCoversWhatTheComponentsDo checks every access in accessTable against the rules the
// rendered objects bind to the component's ServiceAccount.
func TestRBACCoversWhatTheComponentsDo(t *testing.T) {
	objs, err := Objects(cluster(t, buildPlan(t, "tgw-two-vpc"), "a"), testKey)
	if err != nil {
		t.Fatal(err)
	}
	bound := map[string][2][]rbacv1.PolicyRule{}
	for _, sa := range []string{ControllerName, SpeakerName} {
		c, n := grants(t, objs, sa)
		if len(c) == 0 || len(n) == 0 {
			t.Fatalf("%s: no rules bound (cluster %d, namespaced %d)", sa, len(c), len(n))
		}
		bound[sa] = [2][]rbacv1.PolicyRule{c, n}
	}
	for _, nd := range accessTable {
		rules := bound[nd.component]
		ok := allows(rules[0], nd.group, nd.resource, nd.verb)
		if !nd.cluster {
			ok = ok || allows(rules[1], nd.group, nd.resource, nd.verb)
		}
		if !ok {
			scope := "in " + Namespace
			if nd.cluster {
				scope = "cluster-wide"
			}
			t.Errorf("%s cannot %s %s/%s %s (%s)", nd.component, nd.verb, nd.group, nd.resource, scope, nd.why)
		}
	}
}

// TestRBACIsMinimal: every rendered rule is used by some access in the table, no wildcards, and
// the controller (which netlab relieves of creating the memberlist secret) cannot read secrets.
func TestRBACIsMinimal(t *testing.T) {
	for _, c := range []struct {
		name  string
		rules Rules
	}{{ControllerName, ControllerRules()}, {SpeakerName, SpeakerRules()}} {
		for i, set := range [][]rbacv1.PolicyRule{c.rules.Cluster, c.rules.Namespaced} {
			for _, r := range set {
				for _, g := range r.APIGroups {
					for _, res := range r.Resources {
						for _, v := range r.Verbs {
							if g == "*" || res == "*" || v == "*" {
								t.Errorf("%s: wildcard in %+v", c.name, r)
							}
							used := false
							for _, nd := range accessTable {
								if nd.component == c.name && nd.group == g && nd.resource == res && nd.verb == v && (i == 1 || nd.cluster) {
									used = true
								}
							}
							// get and update go with list and patch: a read from the cache may fall
							// back to a get, and updates and patches are alternatives.
							if !used && v != "update" && v != "get" {
								t.Errorf("%s: rule %s/%s %s (set %d) is not needed by anything in the table", c.name, g, res, v, i)
							}
						}
					}
				}
			}
		}
	}
	ctl := ControllerRules()
	if allows(ctl.Cluster, "", "secrets", "get") || allows(ctl.Namespaced, "", "secrets", "list") {
		t.Error("the controller can read secrets")
	}
}
