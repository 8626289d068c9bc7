package catalog

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netlab-dev/netlab/checks/live"
)

// extService is a Service reached from outside the cluster, and the VPC client that reaches it.
type extService struct {
	svc    *corev1.Service
	port   int // the tcp NodePort
	client *live.Client
}

func external(ctx context.Context, l *live.Lab, c *live.Cluster, name string) (*extService, error) {
	svc, err := c.Kube.Clientset.CoreV1().Services(live.Namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("the %s Service: %w", name, err)
	}
	cl, err := l.ClientFor(c.Plan)
	if err != nil {
		return nil, err
	}
	e := &extService{svc: svc, client: cl}
	for _, p := range svc.Spec.Ports {
		if p.Name == "tcp" {
			e.port = int(p.NodePort)
		}
	}
	if e.port == 0 {
		return nil, fmt.Errorf("the %s Service has no tcp NodePort yet", name)
	}
	return e, nil
}

// lbIP is the Service's LoadBalancer address, once MetalLB has assigned it.
func (e *extService) lbIP() string {
	for _, in := range e.svc.Status.LoadBalancer.Ingress {
		if in.IP != "" {
			return in.IP
		}
	}
	return ""
}
