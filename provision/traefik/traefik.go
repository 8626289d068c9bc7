// Package traefik renders and installs netlab's own Traefik install, the cluster's ingress
// controller (ingress: {controller: traefik}): a ServiceAccount and the RBAC its Kubernetes Ingress
// provider needs, one Deployment running the upstream image (built here by ci/images/build.sh
// traefik), a LoadBalancer Service that takes its address from MetalLB, and the IngressClass
// "traefik" (the cluster's default class). Everything is typed and returned in apply order.
package traefik

import (
	"context"
	"fmt"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/provision/gatewayapi"
	"github.com/netlab-dev/netlab/provision/images"
	"github.com/netlab-dev/netlab/provision/kube"
)

const (
	// Controller is the scenario's ingress.controller that selects this add-on.
	Controller = "traefik"
	// Namespace holds the controller; Name names its Deployment, Service, ServiceAccount and roles.
	Namespace = "traefik"
	Name      = "traefik"
	// IngressClass is the class the controller serves, the cluster's default.
	IngressClass = "traefik"
	// ControllerID is the IngressClass's spec.controller Traefik answers to.
	ControllerID = "traefik.io/ingress-controller"
	// Image is the controller's image (package images names every pinned image).
	Image = images.Traefik

	// The entry points: plain HTTP and TLS on unprivileged ports in the Pod, 80 and 443 on the
	// Service; PortPing serves /ping for the readiness probe.
	PortWeb       = 8000
	PortWebSecure = 8443
	PortPing      = 9000
)

// Addon installs Traefik in a cluster whose plan asks for it (component.Addon).
type Addon struct{}

// Name names it in messages.
func (Addon) Name() string { return "Traefik" }

// Enabled is true when the cluster's ingress controller is Traefik.
func (Addon) Enabled(c plan.ClusterPlan) bool {
	return c.Ingress != nil && c.Ingress.Controller == Controller
}

// Images are what its Pod runs.
func (Addon) Images(plan.ClusterPlan) []string { return []string{Image} }

// Status is its line for 'netlab status'.
func (a Addon) Status(c plan.ClusterPlan) string {
	if !a.Enabled(c) {
		return "ingress: none"
	}
	line := fmt.Sprintf("ingress: Traefik %s, IngressClass %s (Service %s/%s, type LoadBalancer)", images.TraefikVersion, IngressClass, Namespace, Name)
	if gatewayEnabled(c) {
		line += fmt.Sprintf("; Gateway API %s: GatewayClass %s, Gateway %s/%s", gatewayapi.Version, GatewayClass, Namespace, GatewayName)
	}
	return line
}

// Install applies the objects and waits until the controller is ready. With the Gateway API it
// reads the CRDs from netlab's CRD cache (package gatewayapi) first.
func (Addon) Install(ctx context.Context, kc *kube.Client, c plan.ClusterPlan, timeout time.Duration) error {
	var crds []*unstructured.Unstructured
	if gatewayEnabled(c) {
		var err error
		if crds, err = gatewayapi.CRDs(gatewayapi.DefaultDir()); err != nil {
			return fmt.Errorf("cluster %s: %w", c.Name, err)
		}
	}
	objs, err := Objects(c, crds)
	if err != nil {
		return fmt.Errorf("cluster %s: render Traefik: %w", c.Name, err)
	}
	if err := kc.Apply(ctx, objs); err != nil {
		return err
	}
	return kc.WaitDeployment(ctx, Namespace, Name, timeout)
}

// Objects are Traefik's objects for cluster c, in apply order; with the Gateway API, gatewayCRDs
// (package gatewayapi) and the GatewayClass and Gateway come last.
func Objects(c plan.ClusterPlan, gatewayCRDs []*unstructured.Unstructured) ([]*unstructured.Unstructured, error) {
	if c.Ingress == nil || c.Ingress.Controller != Controller {
		return nil, fmt.Errorf("traefik: cluster %s does not ask for it (ingress.controller)", c.Name)
	}
	svcType := corev1.ServiceTypeNodePort
	svcMeta := meta(Name)
	if c.MetalLB != nil {
		svcType = corev1.ServiceTypeLoadBalancer
		if c.Ingress.Address.IsValid() {
			// The plan's address (the pool's first), so that the global load balancer knows it.
			svcMeta.Annotations = map[string]string{"metallb.io/loadBalancerIPs": c.Ingress.Address.String()}
		}
	}
	objs, err := kube.Unstructured([]runtime.Object{
		&corev1.Namespace{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"}, ObjectMeta: metav1.ObjectMeta{Name: Namespace, Labels: labels()}},
		&corev1.ServiceAccount{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"}, ObjectMeta: meta(Name)},
		clusterRole(gatewayEnabled(c)),
		&rbacv1.ClusterRoleBinding{
			TypeMeta:   metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRoleBinding"},
			ObjectMeta: metav1.ObjectMeta{Name: "netlab-traefik", Labels: labels()},
			RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "netlab-traefik"},
			Subjects:   []rbacv1.Subject{{Kind: "ServiceAccount", Name: Name, Namespace: Namespace}},
		},
		&networkingv1.IngressClass{
			TypeMeta: metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "IngressClass"},
			ObjectMeta: metav1.ObjectMeta{Name: IngressClass, Labels: labels(),
				Annotations: map[string]string{networkingv1.AnnotationIsDefaultIngressClass: "true"}},
			Spec: networkingv1.IngressClassSpec{Controller: ControllerID},
		},
		deployment(gatewayEnabled(c)),
		&corev1.Service{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
			ObjectMeta: svcMeta,
			Spec: corev1.ServiceSpec{
				Type:     svcType,
				Selector: selector(),
				Ports: []corev1.ServicePort{
					{Name: "web", Protocol: corev1.ProtocolTCP, Port: 80, TargetPort: intstr.FromString("web")},
					{Name: "websecure", Protocol: corev1.ProtocolTCP, Port: 443, TargetPort: intstr.FromString("websecure")},
				},
			},
		},
	})
	if err != nil || !gatewayEnabled(c) {
		return objs, err
	}
	gw, err := gatewayObjects(c, gatewayCRDs)
	if err != nil {
		return nil, err
	}
	return append(objs, gw...), nil
}

// Args are the controller's static configuration, on its command line: the entry points, the
// Kubernetes Ingress provider for IngressClass traefik (which writes the Service's address into
// each Ingress's status), /ping for the probes, and nothing that calls out of the lab (no version
// check, no usage statistics); with gateway, its kubernetesGateway provider as well.
func Args(gateway bool) []string {
	args := []string{
		fmt.Sprintf("--entryPoints.web.address=:%d", PortWeb),
		fmt.Sprintf("--entryPoints.websecure.address=:%d", PortWebSecure),
		"--entryPoints.websecure.http.tls=true",
		fmt.Sprintf("--entryPoints.traefik.address=:%d", PortPing),
		"--ping=true",
		"--providers.kubernetesingress=true",
		"--providers.kubernetesingress.ingressClass=" + IngressClass,
		"--providers.kubernetesingress.ingressEndpoint.publishedService=" + Namespace + "/" + Name,
	}
	args = append(args, InLabArgs()...)
	if gateway {
		args = append(args, gatewayArgs()...)
	}
	return args
}

// InLabArgs are what every Traefik netlab runs has on its command line (the clusters' ingress and
// the global and DMZ load balancers): no version check and no usage statistics, both of which would
// call out of the lab, INFO logs, and on the web entry point X-Forwarded-For trusted from the
// ranges a lab may use (plan.SafeRanges), so that each proxy of a chain appends the source it saw
// to the one it got instead of replacing it: the chain's record of its proxies.
func InLabArgs() []string {
	return []string{"--global.checkNewVersion=false", "--global.sendAnonymousUsage=false", "--log.level=INFO",
		"--entryPoints.web.forwardedHeaders.trustedIPs=" + strings.Join(plan.Strings(plan.SafeRanges()), ",")}
}

func deployment(gateway bool) *appsv1.Deployment {
	one := int32(1)
	return &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: meta(Name),
		Spec: appsv1.DeploymentSpec{
			Replicas: &one,
			Selector: &metav1.LabelSelector{MatchLabels: selector()},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels()},
				Spec: corev1.PodSpec{
					ServiceAccountName:            Name,
					TerminationGracePeriodSeconds: ptr.To(int64(5)),
					SecurityContext: &corev1.PodSecurityContext{
						RunAsNonRoot: ptr.To(true), RunAsUser: ptr.To(int64(65532)), RunAsGroup: ptr.To(int64(65532)),
					},
					Containers: []corev1.Container{{
						Name:            Name,
						Image:           Image,
						ImagePullPolicy: corev1.PullIfNotPresent,
						Args:            Args(gateway),
						Ports: []corev1.ContainerPort{
							{Name: "web", ContainerPort: PortWeb, Protocol: corev1.ProtocolTCP},
							{Name: "websecure", ContainerPort: PortWebSecure, Protocol: corev1.ProtocolTCP},
							{Name: "ping", ContainerPort: PortPing, Protocol: corev1.ProtocolTCP},
						},
						ReadinessProbe: &corev1.Probe{
							ProbeHandler:  corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/ping", Port: intstr.FromString("ping")}},
							PeriodSeconds: 2, FailureThreshold: 3,
						},
						LivenessProbe: &corev1.Probe{
							ProbeHandler:        corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/ping", Port: intstr.FromString("ping")}},
							InitialDelaySeconds: 10, PeriodSeconds: 10,
						},
						SecurityContext: &corev1.SecurityContext{
							AllowPrivilegeEscalation: ptr.To(false),
							ReadOnlyRootFilesystem:   ptr.To(true),
							Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
						},
						VolumeMounts: []corev1.VolumeMount{{Name: "tmp", MountPath: "/tmp"}},
					}},
					Volumes: []corev1.Volume{{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}},
				},
			},
		},
	}
}

// clusterRole is what the Kubernetes Ingress provider reads and writes (Traefik's documented
// RBAC for it since v3.1: EndpointSlices instead of Endpoints, and Nodes), and with gateway what
// the kubernetesGateway provider does (Traefik's documented RBAC for it, without the
// experimental channel's routes, whose CRDs netlab does not install).
func clusterRole(gateway bool) *rbacv1.ClusterRole {
	read := []string{"get", "list", "watch"}
	r := &rbacv1.ClusterRole{
		TypeMeta:   metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRole"},
		ObjectMeta: metav1.ObjectMeta{Name: "netlab-traefik", Labels: labels()},
		Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{""}, Resources: []string{"services", "secrets", "nodes"}, Verbs: read},
			{APIGroups: []string{"discovery.k8s.io"}, Resources: []string{"endpointslices"}, Verbs: []string{"list", "watch"}},
			{APIGroups: []string{"networking.k8s.io"}, Resources: []string{"ingresses", "ingressclasses"}, Verbs: read},
			{APIGroups: []string{"networking.k8s.io"}, Resources: []string{"ingresses/status"}, Verbs: []string{"update"}},
		},
	}
	if gateway {
		kinds := []string{"gatewayclasses", "gateways", "httproutes", "grpcroutes", "referencegrants", "backendtlspolicies"}
		var status []string
		for _, k := range kinds {
			status = append(status, k+"/status")
		}
		r.Rules = append(r.Rules,
			rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"namespaces"}, Verbs: []string{"list", "watch"}},
			rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"configmaps"}, Verbs: read},
			rbacv1.PolicyRule{APIGroups: []string{gatewayv1.GroupName}, Resources: kinds, Verbs: read},
			rbacv1.PolicyRule{APIGroups: []string{gatewayv1.GroupName}, Resources: status, Verbs: []string{"update"}},
		)
	}
	return r
}

func meta(name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: Namespace, Labels: labels()}
}

func selector() map[string]string { return map[string]string{"app.kubernetes.io/name": Name} }

func labels() map[string]string {
	return map[string]string{
		"app.kubernetes.io/name":       Name,
		"app.kubernetes.io/version":    images.TraefikVersion,
		"app.kubernetes.io/managed-by": "netlab",
	}
}
