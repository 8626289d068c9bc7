package tgw

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/netlab-dev/netlab/docker"
	"github.com/netlab-dev/netlab/labstate"
)

// ErrNoTGW means the lab's scenario has no transit gateway, or 'up' has not reached its tgw step.
var ErrNoTGW = errors.New("no transit gateway")

// EndpointFor is the EC2 API endpoint (http://127.0.0.1:PORT) of lab labName's transit gateway:
// the port its container publishes now, or, when Docker cannot say (container stopped or gone),
// the endpoint recorded in the lab's state by 'netlab up'. Use it with client.NewEC2.
func EndpointFor(labName string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return EndpointForContext(ctx, labName)
}

// EndpointForContext is EndpointFor with a context.
func EndpointForContext(ctx context.Context, labName string) (string, error) {
	st, err := labstate.Load(labName)
	if err != nil {
		return "", err
	}
	if st.Plan == nil || st.Plan.TransitGateway == nil {
		return "", fmt.Errorf("%w in lab %s: its scenario (%s) declares none", ErrNoTGW, labName, st.Scenario)
	}
	ep := st.TGWEndpoint
	if eng, err := docker.Connect(ctx); err == nil {
		ep = LiveEndpoint(ctx, eng, st.Plan.TransitGateway.Container, ep)
		eng.Close()
	}
	if ep == "" {
		return "", fmt.Errorf("%w endpoint recorded for lab %s and its container %s publishes none: run 'netlab up' to finish the lab", ErrNoTGW, labName, st.Plan.TransitGateway.Container)
	}
	return ep, nil
}
