package docker

import (
	"context"

	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
)

// InspectNetwork lets the engine tests (package docker_test, which may import internal/testenv)
// read a network as the engine has it.
func InspectNetwork(ctx context.Context, e *Engine, name string) (network.Inspect, error) {
	res, err := e.c.NetworkInspect(ctx, name, client.NetworkInspectOptions{})
	return res.Network, err
}
