package catalog

import (
	"context"
	"fmt"

	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/checks/live"
)

// extService is a Service reached from outside the cluster, and the VPC client that reaches it.
type extService struct {
	svc    checks.Service
	port   int // the tcp NodePort
	client *checks.Client
}

func external(ctx context.Context, l checks.Lab, c *checks.Cluster, name string) (*extService, error) {
	svc, err := l.Service(ctx, c.Plan.Name, live.Namespace, name)
	if err != nil {
		return nil, err
	}
	cl, err := l.ClientOn(c.Plan.Network)
	if err != nil {
		return nil, err
	}
	e := &extService{svc: svc, client: cl, port: svc.NodePort}
	if e.port == 0 {
		return nil, fmt.Errorf("the %s Service has no tcp NodePort yet", name)
	}
	return e, nil
}

// lbIP is the Service's LoadBalancer address, once MetalLB has assigned it.
func (e *extService) lbIP() string {
	return e.svc.LoadBalancerIP()
}
