package live

import (
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/netlab-dev/netlab/labca"
	"github.com/netlab-dev/netlab/plan"
)

// The ingress/host-path workload: one Ingress whose rules send two hosts and two paths to two
// different backends (the echo Pods and the pinned Pod), so that the check can see each rule pick
// its own. The hosts are under .test (RFC 2606): nothing resolves them; the check sends them as Host
// headers to the controller's address.
const (
	// IngressName is the check's Ingress.
	IngressName = "netlab-checks"
	// SvcPinnedHTTP serves the pinned backend's HTTP echo on port 80 (SvcEcho serves the echo Pods').
	SvcPinnedHTTP = "echo-pinned-http"
	// IngressPathPinned is the path under the echo host that routes to the pinned backend.
	IngressPathPinned = "/pinned"
)

// IngressHostEcho and IngressHostPinned are the Ingress's two hosts in cluster c.
func IngressHostEcho(c plan.ClusterPlan) string   { return plan.EchoHost(c.Name) }
func IngressHostPinned(c plan.ClusterPlan) string { return "pinned." + c.Name + ".netlab.test" }

// IngressClassOf is the IngressClass of cluster c's controller, as 'up' installs it.
func IngressClassOf(c plan.ClusterPlan) string {
	if c.Ingress != nil && c.Ingress.Controller == "ingress-nginx" {
		return "nginx"
	}
	return "traefik"
}

// ingressObjects are the Ingress, its second backend's Service and, with leaf, its TLS Secret
// (the Ingress then terminates TLS for both hosts with it).
func ingressObjects(c plan.ClusterPlan, leaf *labca.Leaf) []runtime.Object {
	if c.Ingress == nil {
		return nil
	}
	http := []corev1.ServicePort{{Name: "http", Protocol: corev1.ProtocolTCP, Port: 80, TargetPort: intstr.FromInt32(PortHTTP)}}
	prefix := networkingv1.PathTypePrefix
	backend := func(svc string) networkingv1.IngressBackend {
		return networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{Name: svc, Port: networkingv1.ServiceBackendPort{Number: 80}}}
	}
	rule := func(host string, paths ...networkingv1.HTTPIngressPath) networkingv1.IngressRule {
		return networkingv1.IngressRule{Host: host, IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{Paths: paths}}}
	}
	class := IngressClassOf(c)
	var objs []runtime.Object
	var tls []networkingv1.IngressTLS
	if leaf != nil {
		objs = append(objs, &corev1.Secret{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
			ObjectMeta: metav1.ObjectMeta{Name: IngressTLSSecret, Namespace: Namespace, Labels: labels},
			Type:       corev1.SecretTypeTLS,
			Data:       map[string][]byte{corev1.TLSCertKey: []byte(leaf.CertPEM), corev1.TLSPrivateKeyKey: []byte(leaf.KeyPEM)},
		})
		tls = []networkingv1.IngressTLS{{Hosts: []string{IngressHostEcho(c), IngressHostPinned(c)}, SecretName: IngressTLSSecret}}
	}
	return append(objs,
		service(SvcPinnedHTTP, DeployPinned, corev1.ServiceTypeClusterIP, "", http),
		&networkingv1.Ingress{
			TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "Ingress"},
			ObjectMeta: metav1.ObjectMeta{Name: IngressName, Namespace: Namespace, Labels: labels},
			Spec: networkingv1.IngressSpec{
				IngressClassName: &class,
				TLS:              tls,
				Rules: []networkingv1.IngressRule{
					rule(IngressHostEcho(c),
						networkingv1.HTTPIngressPath{Path: IngressPathPinned, PathType: &prefix, Backend: backend(SvcPinnedHTTP)},
						networkingv1.HTTPIngressPath{Path: "/", PathType: &prefix, Backend: backend(SvcEcho)}),
					rule(IngressHostPinned(c),
						networkingv1.HTTPIngressPath{Path: "/", PathType: &prefix, Backend: backend(SvcPinnedHTTP)}),
					// What the global load balancer (seed pattern 1) sends every member.
					rule(plan.GlobalLBHost,
						networkingv1.HTTPIngressPath{Path: "/", PathType: &prefix, Backend: backend(SvcEcho)}),
					// What the DMZ load balancer (seed pattern 4) sends: one Pod, whose request
					// count for this Host the DMZ check reads.
					rule(plan.DMZHost,
						networkingv1.HTTPIngressPath{Path: "/", PathType: &prefix, Backend: backend(SvcPinnedHTTP)}),
				},
			},
		})
}
