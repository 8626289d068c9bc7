package metallb

import (
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

var (
	read        = []string{"get", "list", "watch"}
	write       = []string{"create", "update", "patch"}
	writeDelete = []string{"create", "update", "patch", "delete"}
	statusVerbs = []string{"get", "update", "patch"}
	emit        = []string{"create", "patch"}
	review      = []string{"create"}
)

// Rules are the permissions of one component, cluster-wide and in Namespace.
type Rules struct {
	Cluster    []rbacv1.PolicyRule
	Namespaced []rbacv1.PolicyRule
}

// Where the rules come from (go.universe.tf/metallb v0.16.1 source):
//
//   - Both components run a controller-runtime manager whose cache is restricted to Namespace
//     (by a metadata.namespace field selector, which controller-runtime turns into namespaced
//     list/watch) for BFDProfile, BGPAdvertisement, BGPPeer, IPAddressPool, L2Advertisement,
//     Community, ServiceBGPStatus, Secret and ConfigMap (internal/k8s/k8s.go). Every other type they
//     read is cached cluster-wide: Node, Namespace, Service, EndpointSlice, ConfigurationState and
//     ServiceL2Status.
//   - At start-up each Gets its own Pod (owner of its ConfigurationState), and reports to the
//     ConfigurationState objects with CreateOrPatch and server-side apply on the status subresource.
//   - Events about Services go through controller-runtime's core/v1 event recorder.
//   - Metrics are served over HTTPS with controller-runtime's authn/authz filter, which creates
//     TokenReviews and SubjectAccessReviews.
//
// The controller (controller/main.go, webhook-mode=disabled, no --ml-secret-name): PoolReconciler
// (IPAddressPool, Community, Namespace, ConfigurationState), PoolStatusReconciler (writes
// ipaddresspools/status), ServiceReconciler without endpoints (Service; writes services/status).
//
// The speaker (speaker/main.go): ConfigReconciler (BGPPeer v1beta2, IPAddressPool, BGPAdvertisement,
// L2Advertisement, BFDProfile, Community, Secret, ConfigMap, Node, Namespace, ConfigurationState),
// NodeReconciler (Node), ServiceReconciler with endpoints (Service, EndpointSlice),
// Layer2StatusReconciler and ServiceBGPStatusReconciler (create, patch and delete their status
// objects), and memberlist, which lists the speaker Pods to find its peers.

// ControllerRules are the controller's permissions.
func ControllerRules() Rules {
	return Rules{
		Cluster: []rbacv1.PolicyRule{
			{APIGroups: []string{""}, Resources: []string{"services", "namespaces"}, Verbs: read},
			{APIGroups: []string{""}, Resources: []string{"services/status"}, Verbs: []string{"update"}},
			{APIGroups: []string{""}, Resources: []string{"events"}, Verbs: emit},
			{APIGroups: []string{Group}, Resources: []string{"configurationstates"}, Verbs: read},
			{APIGroups: []string{"authentication.k8s.io"}, Resources: []string{"tokenreviews"}, Verbs: review},
			{APIGroups: []string{"authorization.k8s.io"}, Resources: []string{"subjectaccessreviews"}, Verbs: review},
		},
		Namespaced: []rbacv1.PolicyRule{
			{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get"}},
			{APIGroups: []string{Group}, Resources: []string{"ipaddresspools", "communities"}, Verbs: read},
			{APIGroups: []string{Group}, Resources: []string{"ipaddresspools/status"}, Verbs: []string{"get", "update"}},
			{APIGroups: []string{Group}, Resources: []string{"configurationstates"}, Verbs: write},
			{APIGroups: []string{Group}, Resources: []string{"configurationstates/status"}, Verbs: statusVerbs},
		},
	}
}

// SpeakerRules are the speaker's permissions.
func SpeakerRules() Rules {
	return Rules{
		Cluster: []rbacv1.PolicyRule{
			{APIGroups: []string{""}, Resources: []string{"nodes", "namespaces", "services"}, Verbs: read},
			{APIGroups: []string{"discovery.k8s.io"}, Resources: []string{"endpointslices"}, Verbs: read},
			{APIGroups: []string{""}, Resources: []string{"events"}, Verbs: emit},
			{APIGroups: []string{Group}, Resources: []string{"configurationstates", "servicel2statuses"}, Verbs: read},
			{APIGroups: []string{"authentication.k8s.io"}, Resources: []string{"tokenreviews"}, Verbs: review},
			{APIGroups: []string{"authorization.k8s.io"}, Resources: []string{"subjectaccessreviews"}, Verbs: review},
		},
		Namespaced: []rbacv1.PolicyRule{
			{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list"}},
			{APIGroups: []string{""}, Resources: []string{"secrets", "configmaps"}, Verbs: read},
			{APIGroups: []string{Group}, Resources: []string{
				"bfdprofiles", "bgpadvertisements", "bgppeers", "communities", "ipaddresspools", "l2advertisements", "servicebgpstatuses",
			}, Verbs: read},
			{APIGroups: []string{Group}, Resources: []string{"configurationstates"}, Verbs: write},
			{APIGroups: []string{Group}, Resources: []string{"servicel2statuses", "servicebgpstatuses"}, Verbs: writeDelete},
			{APIGroups: []string{Group}, Resources: []string{"configurationstates/status", "servicel2statuses/status", "servicebgpstatuses/status"}, Verbs: statusVerbs},
		},
	}
}

// roleName is the name of a component's ClusterRole and its binding.
func roleName(component string) string { return Namespace + ":" + component }

func rbac() []runtime.Object {
	var out []runtime.Object
	for _, c := range []struct {
		name  string
		rules Rules
	}{{ControllerName, ControllerRules()}, {SpeakerName, SpeakerRules()}} {
		subject := []rbacv1.Subject{{Kind: "ServiceAccount", Name: c.name, Namespace: Namespace}}
		out = append(out,
			&rbacv1.ClusterRole{
				TypeMeta:   metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRole"},
				ObjectMeta: metav1.ObjectMeta{Name: roleName(c.name), Labels: labels(c.name)},
				Rules:      c.rules.Cluster,
			},
			&rbacv1.ClusterRoleBinding{
				TypeMeta:   metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRoleBinding"},
				ObjectMeta: metav1.ObjectMeta{Name: roleName(c.name), Labels: labels(c.name)},
				RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: roleName(c.name)},
				Subjects:   subject,
			},
			&rbacv1.Role{
				TypeMeta:   metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "Role"},
				ObjectMeta: meta(c.name, c.name),
				Rules:      c.rules.Namespaced,
			},
			&rbacv1.RoleBinding{
				TypeMeta:   metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "RoleBinding"},
				ObjectMeta: meta(c.name, c.name),
				RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: c.name},
				Subjects:   subject,
			},
		)
	}
	return out
}
