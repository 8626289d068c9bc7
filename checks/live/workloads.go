package live

import (
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/labca"
	"github.com/netlab-dev/netlab/plan"
)

// Namespace holds everything the checks deploy in a cluster.
const Namespace = "netlab-checks"

// Names of the check workloads.
const (
	// DSProbe is a DaemonSet of probe servers on the Pod network: one Pod per node, the clients and
	// servers of the Pod paths. Its Pods have a second container, Peer, that listens on loopback only.
	DSProbe = "probe"
	// DSHost is the hostNetwork DaemonSet: a probe server on each node's own addresses, and the
	// reader of node evidence (routes, links, conntrack, kube-proxy rules, VXLAN capture).
	DSHost = "probe-host"
	// DeployEcho backs the ClusterIP Service SvcEcho: two replicas, spread over the nodes.
	DeployEcho = "echo"
	// DeployPinned is one replica pinned to a single node, behind SvcCluster and SvcLocal, so that
	// every other node is a node "without a local backend".
	DeployPinned = "echo-pinned"
	SvcEcho      = "echo"
	// SvcCluster is externalTrafficPolicy Cluster: type LoadBalancer with MetalLB, else NodePort.
	SvcCluster = "echo-cluster"
	// SvcLocal is externalTrafficPolicy Local, of the same type.
	SvcLocal = "echo-local"
	// SvcHeadless resolves to the pinned backend's Pod IP (dns/cross-cluster: a Pod IP is routable
	// across the transit gateway, a ClusterIP is not).
	SvcHeadless = "echo-headless"
	// SvcHTTPLB is the echo Pods' HTTP echo on port 80 of a LoadBalancer address, in a cluster
	// with MetalLB and no ingress controller: how the hop before reaches it in the DMZ's chain
	// (seed pattern 4's "internal LB" of the GPU cluster).
	SvcHTTPLB = "echo-http-lb"
	// PodNetpol is the client Pod the NetworkPolicy check confines.
	PodNetpol = "netpol-client"

	ContainerProbe = checks.ContainerProbe
	ContainerPeer  = "peer"
)

// Ports the probes listen on. Host ports differ from the Pod ones, so a hostNetwork server never
// collides with a Pod's on the same node, and from everything kubelet and kind listen on.
const (
	PortTCP      = 7001
	PortUDP      = 7002
	PortHTTP     = 8080
	PortPeerTCP  = 7101 // the Peer container, on 127.0.0.1 only
	PortHostTCP  = 7201
	PortHostUDP  = 7202
	PortHostHTTP = 7280
	// PortDenied is a port the VPC client serves too, which the NetworkPolicy does not allow.
	PortDenied = PortHTTP
)

// PinnedNode is the node DeployPinned runs on: the cluster's last node (a worker when there is one).
func PinnedNode(c plan.ClusterPlan) string { return c.Nodes[len(c.Nodes)-1].Name }

var (
	labels      = map[string]string{"app.kubernetes.io/part-of": "netlab", "app.kubernetes.io/component": "checks"}
	tolerateAll = []corev1.Toleration{{Operator: corev1.TolerationOpExists}}
)

func withLabels(extra map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range labels {
		out[k] = v
	}
	for k, v := range extra {
		out[k] = v
	}
	return out
}

func identityEnv(cluster string) []corev1.EnvVar {
	field := func(name, path string) corev1.EnvVar {
		return corev1.EnvVar{Name: name, ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: path}}}
	}
	return []corev1.EnvVar{
		field("POD_NAME", "metadata.name"), field("POD_NAMESPACE", "metadata.namespace"),
		field("POD_IP", "status.podIP"), field("NODE_NAME", "spec.nodeName"),
		{Name: "CLUSTER_NAME", Value: cluster},
	}
}

// probeContainer runs `netlab probe serve` with the given flags; the probe clients exec'd into it
// find the lab's CIDRs in NETLAB_PROBE_ALLOW.
func probeContainer(name, image, cluster string, allow []string, args ...string) corev1.Container {
	env := append(identityEnv(cluster), corev1.EnvVar{Name: "NETLAB_PROBE_ALLOW", Value: strings.Join(allow, ",")})
	return corev1.Container{
		Name: name, Image: image, ImagePullPolicy: corev1.PullNever,
		Args: append([]string{"probe", "serve"}, args...),
		Env:  env,
	}
}

// Objects are the check workloads of cluster c, in apply order. image is netlab's own image;
// allow the CIDRs the probe clients may reach; ingressTLS, for a cluster with an ingress
// controller, the certificate its check Ingress serves (nil: plain HTTP only).
func Objects(p *plan.Plan, c plan.ClusterPlan, image string, allow []string, ingressTLS *labca.Leaf) ([]*unstructured.Unstructured, error) {
	if len(c.Nodes) == 0 {
		return nil, fmt.Errorf("cluster %s has no nodes", c.Name)
	}
	var objs []runtime.Object
	objs = append(objs, &corev1.Namespace{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
		ObjectMeta: metav1.ObjectMeta{Name: Namespace, Labels: labels},
	})

	// The Pod-network probe on every node, with a loopback-only peer container (pod/localhost).
	podSpec := corev1.PodSpec{
		Tolerations:                   tolerateAll,
		TerminationGracePeriodSeconds: ptr(int64(1)),
		Containers: []corev1.Container{
			probeContainer(ContainerProbe, image, c.Name, allow),
			probeContainer(ContainerPeer, image, c.Name, allow,
				"--tcp", fmt.Sprintf("127.0.0.1:%d", PortPeerTCP), "--http", "", "--udp", ""),
		},
	}
	objs = append(objs, daemonSet(DSProbe, podSpec))

	// The hostNetwork probe: a server on the node's addresses and the node-evidence reader. It needs
	// NET_ADMIN (conntrack and nftables over netlink) and NET_RAW (the AF_PACKET capture).
	host := probeContainer(ContainerProbe, image, c.Name, allow,
		"--tcp", fmt.Sprintf(":%d", PortHostTCP), "--http", fmt.Sprintf(":%d", PortHostHTTP), "--udp", fmt.Sprintf("0.0.0.0:%d", PortHostUDP))
	host.SecurityContext = &corev1.SecurityContext{Capabilities: &corev1.Capabilities{Add: []corev1.Capability{"NET_ADMIN", "NET_RAW"}}}
	objs = append(objs, daemonSet(DSHost, corev1.PodSpec{
		HostNetwork: true, DNSPolicy: corev1.DNSClusterFirstWithHostNet,
		Tolerations: tolerateAll, TerminationGracePeriodSeconds: ptr(int64(1)),
		Containers: []corev1.Container{host},
	}))

	// Service backends.
	echo := deployment(DeployEcho, 2, corev1.PodSpec{
		Tolerations: tolerateAll, TerminationGracePeriodSeconds: ptr(int64(1)),
		Containers: []corev1.Container{probeContainer(ContainerProbe, image, c.Name, allow)},
		TopologySpreadConstraints: []corev1.TopologySpreadConstraint{{
			MaxSkew: 1, TopologyKey: "kubernetes.io/hostname", WhenUnsatisfiable: corev1.ScheduleAnyway,
			LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": DeployEcho}},
		}},
	})
	pinned := deployment(DeployPinned, 1, corev1.PodSpec{
		Tolerations: tolerateAll, TerminationGracePeriodSeconds: ptr(int64(1)),
		NodeSelector: map[string]string{"kubernetes.io/hostname": PinnedNode(c)},
		Containers:   []corev1.Container{probeContainer(ContainerProbe, image, c.Name, allow)},
	})
	netpol := deployment(PodNetpol, 1, corev1.PodSpec{
		Tolerations: tolerateAll, TerminationGracePeriodSeconds: ptr(int64(1)),
		Containers: []corev1.Container{probeContainer(ContainerProbe, image, c.Name, allow)},
	})
	objs = append(objs, echo, pinned, netpol)

	ports := []corev1.ServicePort{
		{Name: "tcp", Protocol: corev1.ProtocolTCP, Port: PortTCP, TargetPort: intstr.FromInt32(PortTCP)},
		{Name: "udp", Protocol: corev1.ProtocolUDP, Port: PortUDP, TargetPort: intstr.FromInt32(PortUDP)},
		{Name: "http", Protocol: corev1.ProtocolTCP, Port: 80, TargetPort: intstr.FromInt32(PortHTTP)},
	}
	objs = append(objs, service(SvcEcho, DeployEcho, corev1.ServiceTypeClusterIP, "", ports))
	ext := corev1.ServiceTypeNodePort
	if c.MetalLB != nil {
		ext = corev1.ServiceTypeLoadBalancer
	}
	tcpOnly := ports[:1]
	objs = append(objs,
		service(SvcCluster, DeployPinned, ext, corev1.ServiceExternalTrafficPolicyCluster, tcpOnly),
		service(SvcLocal, DeployPinned, ext, corev1.ServiceExternalTrafficPolicyLocal, tcpOnly))
	if c.MetalLB != nil && c.Ingress == nil {
		objs = append(objs, service(SvcHTTPLB, DeployEcho, corev1.ServiceTypeLoadBalancer, corev1.ServiceExternalTrafficPolicyCluster, ports[2:]))
	}
	headless := service(SvcHeadless, DeployPinned, corev1.ServiceTypeClusterIP, "", tcpOnly)
	headless.Spec.ClusterIP = corev1.ClusterIPNone
	objs = append(objs, headless)
	objs = append(objs, ingressObjects(c, ingressTLS)...)
	objs = append(objs, httpRouteObjects(c)...)
	objs = append(objs, meshObjects(p, c, image, allow)...)

	out := make([]*unstructured.Unstructured, 0, len(objs))
	for _, o := range objs {
		m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(o)
		if err != nil {
			return nil, err
		}
		u := &unstructured.Unstructured{Object: m}
		unstructured.RemoveNestedField(u.Object, "status")
		unstructured.RemoveNestedField(u.Object, "metadata", "creationTimestamp")
		out = append(out, u)
	}
	return append(out, meshPolicies(p, c)...), nil
}

func daemonSet(name string, spec corev1.PodSpec) *appsv1.DaemonSet {
	sel := map[string]string{"app": name}
	return &appsv1.DaemonSet{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "DaemonSet"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: Namespace, Labels: withLabels(sel)},
		Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: sel},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: withLabels(sel)}, Spec: spec},
			UpdateStrategy: appsv1.DaemonSetUpdateStrategy{Type: appsv1.RollingUpdateDaemonSetStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDaemonSet{MaxUnavailable: ptr(intstr.FromString("100%"))}},
		},
	}
}

func deployment(name string, replicas int32, spec corev1.PodSpec) *appsv1.Deployment {
	sel := map[string]string{"app": name}
	return &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: Namespace, Labels: withLabels(sel)},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: sel},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: withLabels(sel)}, Spec: spec},
			Strategy: appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType},
		},
	}
}

func service(name, app string, typ corev1.ServiceType, etp corev1.ServiceExternalTrafficPolicy, ports []corev1.ServicePort) *corev1.Service {
	s := &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: Namespace, Labels: labels},
		Spec:       corev1.ServiceSpec{Type: typ, Selector: map[string]string{"app": app}, Ports: ports},
	}
	if typ != corev1.ServiceTypeClusterIP {
		s.Spec.ExternalTrafficPolicy = etp
	}
	return s
}

func ptr[T any](v T) *T { return &v }
