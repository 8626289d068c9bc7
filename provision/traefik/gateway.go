package traefik

import (
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/provision/kube"
)

// Traefik as the cluster's Gateway API implementation (ingress: {gatewayAPI: true}): its
// kubernetesGateway provider, the GatewayClass it answers to and one Gateway whose HTTP listener is
// Traefik's web entry point, so that the Gateway's address is the ingress Service's.
const (
	// GatewayClass is the class of the cluster's Gateway; GatewayControllerName the controller
	// Traefik's provider claims GatewayClasses for.
	GatewayClass          = "traefik"
	GatewayControllerName = "traefik.io/gateway-controller"
	// GatewayName names the Gateway (in Namespace); GatewayListener its HTTP listener, on the web
	// entry point's port (Traefik maps a listener to the entry point of the same port).
	GatewayName     = "traefik"
	GatewayListener = "web"
)

// gatewayEnabled says whether cluster c's Traefik also serves the Gateway API.
func gatewayEnabled(c plan.ClusterPlan) bool { return c.Ingress != nil && c.Ingress.GatewayAPI }

// gatewayObjects are the GatewayClass and the Gateway, after the CRDs that define them.
func gatewayObjects(c plan.ClusterPlan, crds []*unstructured.Unstructured) ([]*unstructured.Unstructured, error) {
	if len(crds) == 0 {
		return nil, fmt.Errorf("traefik: cluster %s asks for the Gateway API (ingress.gatewayAPI) and no CRDs were given", c.Name)
	}
	all := gatewayv1.FromNamespaces("All")
	objs, err := kube.Unstructured([]runtime.Object{
		&gatewayv1.GatewayClass{
			TypeMeta:   metav1.TypeMeta{APIVersion: gatewayv1.GroupVersion.String(), Kind: "GatewayClass"},
			ObjectMeta: metav1.ObjectMeta{Name: GatewayClass, Labels: labels()},
			Spec:       gatewayv1.GatewayClassSpec{ControllerName: GatewayControllerName},
		},
		&gatewayv1.Gateway{
			TypeMeta:   metav1.TypeMeta{APIVersion: gatewayv1.GroupVersion.String(), Kind: "Gateway"},
			ObjectMeta: meta(GatewayName),
			Spec: gatewayv1.GatewaySpec{
				GatewayClassName: GatewayClass,
				Listeners: []gatewayv1.Listener{{
					Name:          GatewayListener,
					Protocol:      gatewayv1.HTTPProtocolType,
					Port:          PortWeb,
					AllowedRoutes: &gatewayv1.AllowedRoutes{Namespaces: &gatewayv1.RouteNamespaces{From: &all}},
				}},
			},
		},
	})
	if err != nil {
		return nil, err
	}
	return append(append([]*unstructured.Unstructured{}, crds...), objs...), nil
}

// gatewayArgs turn on the kubernetesGateway provider, which copies the Service's LoadBalancer
// address into the Gateway's status.
func gatewayArgs() []string {
	return []string{
		"--providers.kubernetesgateway=true",
		"--providers.kubernetesgateway.statusaddress.service.name=" + Name,
		"--providers.kubernetesgateway.statusaddress.service.namespace=" + Namespace,
	}
}
