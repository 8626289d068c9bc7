package live

import (
	"context"
	"fmt"
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/internal/names"
	"github.com/netlab-dev/netlab/provision/kube"
	"github.com/netlab-dev/netlab/provision/traefik"
)

// The Kubernetes side of checks.Lab: the few reads and writes the checks make, as values.

var _ checks.Lab = (*Lab)(nil)

// Cluster returns the named cluster's nodes and probe Pods.
func (l *Lab) Cluster(name string) (*checks.Cluster, error) {
	c, ok := l.Clusters[name]
	if !ok {
		return nil, fmt.Errorf("cluster %s is not in the lab", name)
	}
	return &c.Cluster, nil
}

func (l *Lab) kube(cluster string) (*Cluster, error) {
	c, ok := l.Clusters[cluster]
	if !ok {
		return nil, fmt.Errorf("cluster %s is not in the lab", cluster)
	}
	return c, nil
}

// Service reads Service namespace/name of cluster.
func (l *Lab) Service(ctx context.Context, cluster, namespace, name string) (checks.Service, error) {
	c, err := l.kube(cluster)
	if err != nil {
		return checks.Service{}, err
	}
	svc, err := c.Kube.Clientset.CoreV1().Services(namespace).Get(ctx, name, metav1.GetOptions{})
	checks.Record(ctx, "cluster "+cluster, "get service "+namespace+"/"+name, "", err)
	if err != nil {
		return checks.Service{}, fmt.Errorf("cluster %s: the Service %s/%s: %w", cluster, namespace, name, err)
	}
	return serviceOf(svc), nil
}

func serviceOf(svc *corev1.Service) checks.Service {
	s := checks.Service{Name: svc.Name, Type: string(svc.Spec.Type), ClusterIP: svc.Spec.ClusterIP, HealthCheckNodePort: int(svc.Spec.HealthCheckNodePort)}
	for _, p := range svc.Spec.Ports {
		if p.Name == "tcp" {
			s.NodePort = int(p.NodePort)
		}
	}
	for _, in := range svc.Status.LoadBalancer.Ingress {
		s.LoadBalancerIPs = append(s.LoadBalancerIPs, in.IP)
	}
	return s
}

// Pods lists the running Pods of a workload (app label) with their IPs and nodes.
func (l *Lab) Pods(ctx context.Context, cluster, app string) ([]checks.Pod, error) {
	c, err := l.kube(cluster)
	if err != nil {
		return nil, err
	}
	list, err := c.Kube.Clientset.CoreV1().Pods(Namespace).List(ctx, metav1.ListOptions{LabelSelector: "app=" + app})
	if err != nil {
		return nil, fmt.Errorf("cluster %s: list the %s Pods: %w", cluster, app, err)
	}
	var out []checks.Pod
	for _, p := range list.Items {
		if p.DeletionTimestamp == nil && p.Status.PodIP != "" && p.Status.Phase == corev1.PodRunning {
			out = append(out, checks.Pod{Name: p.Name, Node: p.Spec.NodeName, IP: p.Status.PodIP})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Scale sets the replicas of a Deployment of the checks' namespace.
func (l *Lab) Scale(ctx context.Context, cluster, deployment string, replicas int32) error {
	c, err := l.kube(cluster)
	if err != nil {
		return err
	}
	return scale(ctx, c, Namespace, deployment, replicas)
}

// scale sets the replicas of Deployment namespace/name in cluster c, recorded in the check's trace.
func scale(ctx context.Context, c *Cluster, namespace, name string, replicas int32) error {
	dep := c.Kube.Clientset.AppsV1().Deployments(namespace)
	s, err := dep.GetScale(ctx, name, metav1.GetOptions{})
	if err == nil {
		s.Spec.Replicas = replicas
		_, err = dep.UpdateScale(ctx, name, s, metav1.UpdateOptions{})
	}
	what := name
	if namespace != Namespace {
		what = namespace + "/" + name
	}
	checks.Record(ctx, "cluster "+c.Plan.Name, fmt.Sprintf("scale deployment %s to %d", what, replicas), "", err)
	return err
}

// ScaleIngressController scales cluster's ingress controller (provision/traefik's Deployment) to
// replicas and waits, bounded by d, until that many are ready, or for 0 until none runs.
func (l *Lab) ScaleIngressController(ctx context.Context, cluster string, replicas int32, d time.Duration) error {
	c, err := l.kube(cluster)
	if err != nil {
		return err
	}
	if err := scale(ctx, c, traefik.Namespace, traefik.Name, replicas); err != nil {
		return err
	}
	if replicas > 0 {
		return c.Kube.WaitDeployment(ctx, traefik.Namespace, traefik.Name, d)
	}
	err = kube.Poll(ctx, d, func(ctx context.Context) (bool, string, error) {
		pods, err := c.Kube.Clientset.CoreV1().Pods(traefik.Namespace).List(ctx, metav1.ListOptions{LabelSelector: "app.kubernetes.io/name=" + traefik.Name})
		if err != nil {
			return false, err.Error(), nil
		}
		return len(pods.Items) == 0, fmt.Sprintf("%d Pods still run", len(pods.Items)), nil
	})
	if err != nil {
		return fmt.Errorf("cluster %s: the ingress controller scaled to 0: %w", cluster, err)
	}
	return nil
}

// WaitDeployment waits until a Deployment of the checks' namespace is available.
func (l *Lab) WaitDeployment(ctx context.Context, cluster, deployment string, d time.Duration) error {
	c, err := l.kube(cluster)
	if err != nil {
		return err
	}
	return c.Kube.WaitDeployment(ctx, Namespace, deployment, d)
}

// ApplyEgressPolicy (re)creates the egress allowlist p in the checks' namespace.
func (l *Lab) ApplyEgressPolicy(ctx context.Context, cluster string, p checks.EgressPolicy) error {
	c, err := l.kube(cluster)
	if err != nil {
		return err
	}
	np := c.Kube.Clientset.NetworkingV1().NetworkPolicies(Namespace)
	tcp := corev1.ProtocolTCP
	port := intstr.FromInt32(int32(p.Port))
	pol := &networkingv1.NetworkPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: p.Name, Namespace: Namespace},
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"app": p.App}},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeEgress},
			Egress: []networkingv1.NetworkPolicyEgressRule{{
				To:    []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: p.CIDR}}},
				Ports: []networkingv1.NetworkPolicyPort{{Protocol: &tcp, Port: &port}},
			}},
		},
	}
	if err := l.DeleteNetworkPolicy(ctx, cluster, p.Name); err != nil {
		return err
	}
	_, err = np.Create(ctx, pol, metav1.CreateOptions{})
	checks.Record(ctx, "cluster "+cluster, fmt.Sprintf("create networkpolicy %s (egress from app=%s only to %s tcp/%d)", p.Name, p.App, p.CIDR, p.Port), "", err)
	return err
}

// DeleteNetworkPolicy deletes a NetworkPolicy of the checks' namespace; one already gone is fine.
func (l *Lab) DeleteNetworkPolicy(ctx context.Context, cluster, name string) error {
	c, err := l.kube(cluster)
	if err != nil {
		return err
	}
	err = c.Kube.Clientset.NetworkingV1().NetworkPolicies(Namespace).Delete(ctx, name, metav1.DeleteOptions{})
	if apierrors.IsNotFound(err) {
		err = nil
	}
	checks.Record(ctx, "cluster "+cluster, "delete networkpolicy "+name, "", err)
	return err
}

// NetworkPolicies lists the scenario's NetworkPolicies of cluster (names.ScenarioPolicySelector,
// in every namespace) as namespace/name, sorted.
func (l *Lab) NetworkPolicies(ctx context.Context, cluster string) ([]string, error) {
	c, err := l.kube(cluster)
	if err != nil {
		return nil, err
	}
	list, err := c.Kube.Clientset.NetworkingV1().NetworkPolicies(metav1.NamespaceAll).List(ctx, metav1.ListOptions{LabelSelector: names.ScenarioPolicySelector})
	checks.Record(ctx, "cluster "+cluster, "list networkpolicies -A -l "+names.ScenarioPolicySelector, "", err)
	if err != nil {
		return nil, fmt.Errorf("cluster %s: list the scenario's NetworkPolicies: %w", cluster, err)
	}
	out := make([]string, 0, len(list.Items))
	for _, p := range list.Items {
		out = append(out, p.Namespace+"/"+p.Name)
	}
	sort.Strings(out)
	return out, nil
}
