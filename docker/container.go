package docker

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
	tclog "github.com/testcontainers/testcontainers-go/log"
)

// ContainerSpec is a container netlab runs itself (the transit gateway, the VPC clients).
type ContainerSpec struct {
	Name   string
	Image  string
	Cmd    []string
	Env    map[string]string
	Labels map[string]string // on the container and its volumes
	// Networks are joined in order, each at its fixed address; the first one at creation.
	Networks []Attachment
	CapAdd   []string
	// Volumes are named volumes (created with Labels) mounted at their targets.
	Volumes []Mount
	Sysctls map[string]string
	// Publish are container ports ("4566/tcp") published on the host's 127.0.0.1 at a free port,
	// fixed at creation so that it stays the same across restarts.
	Publish []string
	// RestartUnlessStopped sets the restart policy unless-stopped (the engine restarts it on boot).
	RestartUnlessStopped bool
	// Files are written into the container before it starts (path → content, mode 0644). A
	// running container is not rewritten: put a digest of them into Env to have a change replace it.
	Files map[string]string
}

// Attachment is a container's interface on a Docker network at a fixed address.
type Attachment struct {
	Network string
	IP      netip.Addr
}

// Mount is a named volume mounted into a container.
type Mount struct {
	Volume, Target string
}

// StateMissing is ContainerState's answer when there is no such container.
const StateMissing = "missing"

var reaperOnce sync.Once

// disableReaper turns testcontainers' reaper (Ryuk) off for this process: lab containers belong to
// the lab and outlive the netlab process that started them. testcontainers reads the setting once,
// so it is set before the first container is created.
func disableReaper() {
	reaperOnce.Do(func() {
		_ = os.Setenv("TESTCONTAINERS_RYUK_DISABLED", "true") // fails only on an invalid name
		tclog.SetDefault(tclog.NewNoopLogger())               // netlab prints its own status lines
	})
}

// EnsureContainer makes the container of spec s run: one already running with the same image and
// every variable of s.Env is kept, a stopped one is started, one with another image is replaced (its named volumes stay), a
// missing one is created. Every network of s is then joined at its address; a container already on
// one of them at another address is an error.
func (e *Engine) EnsureContainer(ctx context.Context, s ContainerSpec) error {
	if len(s.Networks) == 0 {
		return fmt.Errorf("container %s: no network to attach it to", s.Name)
	}
	res, err := e.c.ContainerInspect(ctx, s.Name, client.ContainerInspectOptions{})
	// replace removes the container and creates it from s; why goes into the error.
	replace := func(why string) error {
		if _, err := e.c.ContainerRemove(ctx, s.Name, client.ContainerRemoveOptions{Force: true}); err != nil {
			return fmt.Errorf("replace container %s (%s): %w", s.Name, why, err)
		}
		return e.create(ctx, s)
	}
	switch {
	case err == nil && res.Container.Config != nil && res.Container.Config.Image == s.Image && hasEnv(res.Container.Config.Env, s.Env):
		if res.Container.State == nil || !res.Container.State.Running {
			if _, err := e.c.ContainerStart(ctx, s.Name, client.ContainerStartOptions{}); err != nil {
				if !isNotFound(err) {
					return fmt.Errorf("start container %s: %w", s.Name, err)
				}
				// A stopped container whose network was removed (and made anew, with another id)
				// cannot start again: replace it.
				if err := replace("its network is gone"); err != nil {
					return err
				}
			}
		}
	case err == nil:
		why := "its configuration is unknown"
		if cfg := res.Container.Config; cfg != nil && cfg.Image != s.Image {
			why = fmt.Sprintf("image %s, want %s", cfg.Image, s.Image)
		} else if cfg != nil {
			why = "its environment differs"
		}
		if err := replace(why); err != nil {
			return err
		}
	case isNotFound(err):
		if err := e.create(ctx, s); err != nil {
			return err
		}
	default:
		return fmt.Errorf("inspect container %s: %w", s.Name, err)
	}
	return e.joinNetworks(ctx, s)
}

// hasEnv reports whether a container's environment (KEY=VALUE lines) holds every variable of want.
func hasEnv(have []string, want map[string]string) bool {
	set := make(map[string]bool, len(have))
	for _, kv := range have {
		set[kv] = true
	}
	for k, v := range want {
		if !set[k+"="+v] {
			return false
		}
	}
	return true
}

func (e *Engine) create(ctx context.Context, s ContainerSpec) error {
	disableReaper()
	var mounts []testcontainers.ContainerMount
	for _, m := range s.Volumes {
		if _, err := e.c.VolumeCreate(ctx, client.VolumeCreateOptions{Name: m.Volume, Labels: s.Labels}); err != nil {
			return fmt.Errorf("create volume %s for container %s: %w", m.Volume, s.Name, err)
		}
		mounts = append(mounts, testcontainers.VolumeMount(m.Volume, testcontainers.ContainerMountTarget(m.Target)))
	}
	bindings := network.PortMap{}
	for _, p := range s.Publish {
		port, err := network.ParsePort(p)
		if err != nil {
			return fmt.Errorf("container %s: port %q: %w", s.Name, p, err)
		}
		hostPort, err := freeLoopbackPort()
		if err != nil {
			return fmt.Errorf("container %s: %w", s.Name, err)
		}
		bindings[port] = []network.PortBinding{{HostIP: netip.MustParseAddr("127.0.0.1"), HostPort: hostPort}}
	}
	first := s.Networks[0]
	var files []testcontainers.ContainerFile
	for path, content := range s.Files {
		files = append(files, testcontainers.ContainerFile{Reader: strings.NewReader(content), ContainerFilePath: path, FileMode: 0o644})
	}
	req := testcontainers.ContainerRequest{
		Files:        files,
		Name:         s.Name,
		Image:        s.Image,
		Cmd:          s.Cmd,
		Env:          s.Env,
		Labels:       s.Labels,
		Networks:     []string{first.Network},
		ExposedPorts: s.Publish,
		Mounts:       testcontainers.Mounts(mounts...),
		EndpointSettingsModifier: func(m map[string]*network.EndpointSettings) {
			es := m[first.Network]
			if es == nil {
				es = &network.EndpointSettings{}
				m[first.Network] = es
			}
			es.IPAMConfig = &network.EndpointIPAMConfig{IPv4Address: first.IP}
		},
		HostConfigModifier: func(hc *container.HostConfig) {
			hc.CapAdd = s.CapAdd
			hc.Sysctls = s.Sysctls
			if s.RestartUnlessStopped {
				hc.RestartPolicy = container.RestartPolicy{Name: container.RestartPolicyUnlessStopped}
			}
			if len(bindings) > 0 {
				hc.PortBindings = bindings
			}
		},
	}
	// The container's first network stands in for testcontainers' default bridge. Left to itself,
	// on an engine without the "bridge" network (a dockerd with "bridge": "none") testcontainers
	// creates a network "reaper_default", attaches the container to it as well (a way out of the
	// lab, beside the legs the plan gives it) and never removes it.
	provider, err := testcontainers.NewDockerProvider(testcontainers.WithDefaultBridgeNetwork(first.Network))
	if err != nil {
		return fmt.Errorf("container %s: reach the Docker engine: %w", s.Name, err)
	}
	defer provider.Close()
	c, err := provider.CreateContainer(ctx, req)
	if err == nil {
		err = c.Start(ctx)
	}
	if err != nil {
		return fmt.Errorf("start container %s from %s on %s at %s: %w", s.Name, s.Image, first.Network, first.IP, err)
	}
	return nil
}

// joinNetworks connects the container to every network of s it is not on yet, at its address.
func (e *Engine) joinNetworks(ctx context.Context, s ContainerSpec) error {
	res, err := e.c.ContainerInspect(ctx, s.Name, client.ContainerInspectOptions{})
	if err != nil {
		return fmt.Errorf("inspect container %s: %w", s.Name, err)
	}
	have := map[string]netip.Addr{}
	if res.Container.NetworkSettings != nil {
		for name, es := range res.Container.NetworkSettings.Networks {
			var ip netip.Addr
			if es != nil {
				ip = es.IPAddress
			}
			have[name] = ip
		}
	}
	for _, a := range s.Networks {
		if got, ok := have[a.Network]; ok {
			if got != a.IP {
				return fmt.Errorf("container %s is on %s at %s, the plan says %s; 'netlab down' the lab and bring it up again", s.Name, a.Network, got, a.IP)
			}
			continue
		}
		connect := func() error {
			_, err := e.c.NetworkConnect(ctx, a.Network, client.NetworkConnectOptions{Container: s.Name,
				EndpointConfig: &network.EndpointSettings{IPAMConfig: &network.EndpointIPAMConfig{IPv4Address: a.IP}}})
			return err
		}
		err := connect()
		if err != nil && strings.Contains(err.Error(), "already exists") {
			// A container of the same name removed by force can leave its endpoint behind in the
			// network (seen with Docker 20.10 when the TGW container was replaced): drop that stale
			// endpoint by name, then join again, once.
			if _, derr := e.c.NetworkDisconnect(ctx, a.Network, client.NetworkDisconnectOptions{Container: s.Name, Force: true}); derr == nil {
				err = connect()
			}
		}
		if err != nil {
			return fmt.Errorf("join container %s to %s at %s: %w", s.Name, a.Network, a.IP, err)
		}
	}
	return nil
}

// ContainerState is Docker's state of container name ("running", "exited", ...), or StateMissing.
func (e *Engine) ContainerState(ctx context.Context, name string) (string, error) {
	res, err := e.c.ContainerInspect(ctx, name, client.ContainerInspectOptions{})
	if isNotFound(err) {
		return StateMissing, nil
	}
	if err != nil {
		return "", fmt.Errorf("inspect container %s: %w", name, err)
	}
	if res.Container.State == nil {
		return "unknown", nil
	}
	return string(res.Container.State.Status), nil
}

// PublishedPort is where container name publishes port ("4566/tcp") on the host, as host:port
// (127.0.0.1 when published on every address).
func (e *Engine) PublishedPort(ctx context.Context, name, port string) (string, error) {
	p, err := network.ParsePort(port)
	if err != nil {
		return "", fmt.Errorf("port %q: %w", port, err)
	}
	res, err := e.c.ContainerInspect(ctx, name, client.ContainerInspectOptions{})
	if err != nil {
		return "", fmt.Errorf("inspect container %s: %w", name, err)
	}
	if res.Container.NetworkSettings != nil {
		for _, b := range res.Container.NetworkSettings.Ports[p] {
			if b.HostPort != "" {
				host := "127.0.0.1"
				if b.HostIP.IsValid() && !b.HostIP.IsUnspecified() {
					host = b.HostIP.String()
				}
				return net.JoinHostPort(host, b.HostPort), nil
			}
		}
	}
	return "", fmt.Errorf("container %s publishes no host port for %s; is it running?", name, port)
}

// freeLoopbackPort asks the kernel for a free TCP port on 127.0.0.1.
func freeLoopbackPort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free loopback port: %w", err)
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port), nil
}
