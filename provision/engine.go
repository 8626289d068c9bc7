package provision

import (
	"context"
	"io"

	"github.com/netlab-dev/netlab/docker"
	"github.com/netlab-dev/netlab/internal/hint"
	"github.com/netlab-dev/netlab/internal/status"
	"github.com/netlab-dev/netlab/provision/images"
	"github.com/netlab-dev/netlab/provision/tgw"
)

// This file is the one place where provisioning calls the Docker engine's own functions; the
// steps see it through steps.Engine.

// dockerHint is the way out when the Docker engine does not answer.
const dockerHint = "start dockerd (on this project's CI machines: bash ci/setup.d/20-docker.sh) or point DOCKER_HOST at a running engine"

// connect connects to the host's Docker engine.
func connect(ctx context.Context) (*docker.Engine, error) {
	eng, err := docker.Connect(ctx)
	if err != nil {
		return nil, hint.Wrap(err, dockerHint)
	}
	return eng, nil
}

// engine is steps.Engine over package docker.
type engine struct{ eng *docker.Engine }

func (e engine) EnsureNetwork(ctx context.Context, spec docker.NetworkSpec) (bool, error) {
	return e.eng.EnsureNetwork(ctx, spec)
}

func (e engine) SelfImage(ctx context.Context, st *status.Status) (string, error) {
	return images.EnsureSelfImage(ctx, e.eng, st)
}

func (e engine) LoadImages(ctx context.Context, st *status.Status, load docker.KindImageLoad) error {
	return e.eng.LoadKindImages(ctx, st, load)
}

func (e engine) EnsureTGW(ctx context.Context, spec tgw.ContainerSpec) (string, error) {
	return tgw.EnsureContainer(ctx, e.eng, spec)
}

func (e engine) EnsureContainer(ctx context.Context, spec docker.ContainerSpec) error {
	return e.eng.EnsureContainer(ctx, spec)
}

func (e engine) Exec(ctx context.Context, name string, cmd []string, stdin io.Reader) (docker.ExecResult, error) {
	return e.eng.Exec(ctx, name, cmd, stdin)
}

func (e engine) ContainerState(ctx context.Context, name string) (string, error) {
	return e.eng.ContainerState(ctx, name)
}

func (e engine) InspectImage(ctx context.Context, ref string) (docker.ImageInfo, bool, error) {
	return e.eng.InspectImage(ctx, ref)
}

func (e engine) BuildDerivedNodeImage(ctx context.Context, st *status.Status, d docker.DerivedNodeImage) error {
	return e.eng.BuildDerivedNodeImage(ctx, st, d)
}

func (e engine) Images(ctx context.Context, pattern string) ([]docker.Image, error) {
	return e.eng.Images(ctx, pattern)
}

func (e engine) RemoveImage(ctx context.Context, ref string) error {
	return e.eng.RemoveImage(ctx, ref)
}
