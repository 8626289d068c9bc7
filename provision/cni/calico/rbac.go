package calico

import (
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// crdGroup is the API group of Calico's CRDs.
const crdGroup = "crd.projectcalico.org"

func rule(group string, resources []string, verbs ...string) rbacv1.PolicyRule {
	return rbacv1.PolicyRule{APIGroups: []string{group}, Resources: resources, Verbs: verbs}
}

func list(s ...string) []string { return s }

var (
	readWatch = []string{"get", "list", "watch"}
	crud      = []string{"get", "list", "create", "update", "delete"}
)

// clusterRoles are the roles of calico-node, the CNI plug-in and calico-kube-controllers, rule for
// rule as Calico v3.31's manifest grants them.
func clusterRoles() []*rbacv1.ClusterRole {
	role := func(name string, rules ...rbacv1.PolicyRule) *rbacv1.ClusterRole {
		return &rbacv1.ClusterRole{
			TypeMeta:   metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRole"},
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Rules:      rules,
		}
	}
	tokenForCNI := rule("", list("serviceaccounts/token"), "create")
	tokenForCNI.ResourceNames = []string{cniServiceAccount}
	return []*rbacv1.ClusterRole{
		role(DaemonSet,
			tokenForCNI,
			rule("", list("pods", "nodes", "namespaces"), "get"),
			rule("discovery.k8s.io", list("endpointslices"), "watch", "list"),
			rule("", list("endpoints", "services"), "watch", "list", "get"),
			// The default pool's CIDR is read from kubeadm's ConfigMap when none is given.
			rule("", list("configmaps"), "get"),
			rule("", list("nodes/status"), "patch", "update"),
			rule("networking.k8s.io", list("networkpolicies"), "watch", "list"),
			rule("policy.networking.k8s.io", list("adminnetworkpolicies", "baselineadminnetworkpolicies"), "watch", "list"),
			rule("", list("pods", "namespaces", "serviceaccounts"), "list", "watch"),
			rule("", list("pods/status"), "patch"),
			rule(crdGroup, list("globalfelixconfigs", "felixconfigurations", "bgppeers", "bgpfilters", "globalbgpconfigs",
				"bgpconfigurations", "ippools", "ipreservations", "ipamblocks", "globalnetworkpolicies", "stagedglobalnetworkpolicies",
				"networkpolicies", "stagednetworkpolicies", "stagedkubernetesnetworkpolicies", "globalnetworksets", "networksets",
				"clusterinformations", "hostendpoints", "blockaffinities", "caliconodestatuses", "tiers"), readWatch...),
			rule(crdGroup, list("tiers"), "create"),
			rule(crdGroup, list("ippools", "felixconfigurations", "clusterinformations"), "create", "update"),
			rule(crdGroup, list("caliconodestatuses"), "update"),
			rule("", list("nodes"), readWatch...),
			rule(crdGroup, list("bgpconfigurations", "bgppeers"), "create", "update"),
			rule(crdGroup, list("blockaffinities", "ipamblocks", "ipamhandles"), crud...),
			rule(crdGroup, list("ipamconfigs"), "get", "create"),
			rule(crdGroup, list("blockaffinities"), "watch"),
			rule("apps", list("daemonsets"), "get"),
		),
		role(cniServiceAccount,
			rule("", list("pods", "nodes", "namespaces"), "get"),
			rule("", list("pods/status"), "patch"),
			rule(crdGroup, list("blockaffinities", "ipamblocks", "ipamhandles", "clusterinformations", "ippools", "ipreservations", "ipamconfigs"), crud...),
		),
		role(KubeControllers,
			rule("", list("nodes"), "watch", "list", "get"),
			rule("", list("pods"), readWatch...),
			rule("", list("namespaces"), readWatch...),
			rule("", list("services", "services/status"), "get", "list", "update", "watch"),
			rule(crdGroup, list("ipreservations"), "list"),
			rule(crdGroup, list("ippools"), "list", "watch"),
			rule(crdGroup, list("blockaffinities", "ipamblocks", "ipamhandles", "ipamconfigs", "tiers"), "get", "list", "create", "update", "delete", "watch"),
			rule(crdGroup, list("hostendpoints"), "get", "list", "create", "update", "delete", "watch"),
			rule(crdGroup, list("clusterinformations"), "get", "list", "create", "update", "watch"),
			rule(crdGroup, list("kubecontrollersconfigurations"), "get", "list", "create", "update", "watch"),
		),
	}
}

// binding binds the cluster role name to the service account of the same name.
func binding(name string) *rbacv1.ClusterRoleBinding {
	return &rbacv1.ClusterRoleBinding{
		TypeMeta:   metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRoleBinding"},
		ObjectMeta: metav1.ObjectMeta{Name: name},
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: name},
		Subjects:   []rbacv1.Subject{{Kind: "ServiceAccount", Name: name, Namespace: Namespace}},
	}
}
