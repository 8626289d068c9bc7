package tgw

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
	tclog "github.com/testcontainers/testcontainers-go/log"

	"github.com/netlab-dev/netlab/labstate"
)

// Inside the TGW container.
const (
	APIPort   = "4566/tcp"
	StateDir  = "/var/lib/netlab-tgw"
	StateFile = StateDir + "/state.json"
)

// ContainerSpec is the TGW container of a lab.
type ContainerSpec struct {
	Lab   string
	Name  string // the container's name (the plan's TGW container)
	Image string // netlab's own image (provision.EnsureSelfImage)
	Legs  []Leg
	// Labels are put on the container and its state volume (netlab.dev/lab at least).
	Labels map[string]string
	// Credentials are the only access key the API accepts (passed in the environment, see Env).
	Credentials labstate.Credentials
}

// Leg is the TGW's interface on one VPC subnet's Docker network, at a fixed address.
type Leg struct {
	Network string
	Address string
}

// Volume is the named volume holding the TGW's state: it outlives the container, so route tables,
// routes, associations and ids survive a restart and a re-creation.
func (s ContainerSpec) Volume() string { return s.Name + "-state" }

var ryukOnce sync.Once

// disableReaper turns testcontainers' reaper (Ryuk) off for this process: the TGW belongs to the lab
// and must outlive the netlab process that started it. testcontainers reads the setting once, so it
// is set before the first call.
func disableReaper() {
	ryukOnce.Do(func() {
		os.Setenv("TESTCONTAINERS_RYUK_DISABLED", "true")
		tclog.SetDefault(tclog.NewNoopLogger()) // netlab prints its own status lines
	})
}

// EnsureContainer starts the TGW container, or reuses it, and returns its EC2 API endpoint on
// loopback (http://127.0.0.1:PORT). A running container with the same image is kept; a stopped one is
// started; one with another image is replaced (its state volume stays). Every leg is joined at its
// fixed address.
func EnsureContainer(ctx context.Context, c *client.Client, s ContainerSpec) (string, error) {
	if len(s.Legs) == 0 {
		return "", errors.New("the transit gateway has no legs: attach at least one VPC subnet")
	}
	res, err := c.ContainerInspect(ctx, s.Name, client.ContainerInspectOptions{})
	switch {
	case err == nil && res.Container.Config != nil && res.Container.Config.Image == s.Image && HasEnv(res.Container.Config.Env, s.Env()):
		if res.Container.State == nil || !res.Container.State.Running {
			if _, err := c.ContainerStart(ctx, s.Name, client.ContainerStartOptions{}); err != nil {
				return "", fmt.Errorf("start the TGW container %s: %w", s.Name, err)
			}
		}
	case err == nil:
		if _, err := c.ContainerRemove(ctx, s.Name, client.ContainerRemoveOptions{Force: true}); err != nil {
			return "", fmt.Errorf("replace the TGW container %s (image %s, want %s): %w", s.Name, res.Container.Config.Image, s.Image, err)
		}
		if err := create(ctx, c, s); err != nil {
			return "", err
		}
	case cerrdefs.IsNotFound(err):
		if err := create(ctx, c, s); err != nil {
			return "", err
		}
	default:
		return "", fmt.Errorf("inspect the TGW container %s: %w", s.Name, err)
	}
	if err := joinLegs(ctx, c, s); err != nil {
		return "", err
	}
	ep, err := Endpoint(ctx, c, s.Name)
	if err != nil {
		return "", err
	}
	return ep, WaitAPI(ctx, ep, 30*time.Second)
}

func create(ctx context.Context, c *client.Client, s ContainerSpec) error {
	disableReaper()
	if _, err := c.VolumeCreate(ctx, client.VolumeCreateOptions{Name: s.Volume(), Labels: s.Labels}); err != nil {
		return fmt.Errorf("create the TGW state volume %s: %w", s.Volume(), err)
	}
	hostPort, err := freeLoopbackPort()
	if err != nil {
		return err
	}
	first := s.Legs[0]
	ip, err := netip.ParseAddr(first.Address)
	if err != nil {
		return fmt.Errorf("TGW leg on %s: %w", first.Network, err)
	}
	req := testcontainers.GenericContainerRequest{
		Started: true,
		ContainerRequest: testcontainers.ContainerRequest{
			Name:         s.Name,
			Image:        s.Image,
			Cmd:          []string{"tgw", "serve", "--listen", "0.0.0.0:4566", "--api-from", "host", "--state", StateFile},
			Env:          s.Env(),
			Labels:       s.Labels,
			Networks:     []string{first.Network},
			ExposedPorts: []string{APIPort},
			Mounts:       testcontainers.Mounts(testcontainers.VolumeMount(s.Volume(), StateDir)),
			EndpointSettingsModifier: func(m map[string]*network.EndpointSettings) {
				es := m[first.Network]
				if es == nil {
					es = &network.EndpointSettings{}
					m[first.Network] = es
				}
				es.IPAMConfig = &network.EndpointIPAMConfig{IPv4Address: ip}
			},
			HostConfigModifier: func(hc *container.HostConfig) {
				// NET_ADMIN for policy routing and nftables counters in its own namespace; nothing more.
				hc.CapAdd = []string{"NET_ADMIN"}
				hc.Sysctls = map[string]string{
					"net.ipv4.ip_forward":             "1",
					"net.ipv4.conf.all.rp_filter":     "0",
					"net.ipv4.conf.default.rp_filter": "0",
				}
				hc.RestartPolicy = container.RestartPolicy{Name: container.RestartPolicyUnlessStopped}
				// The API is published on the host's loopback only, on a fixed free port, so that it
				// stays the same across 'docker restart' (Docker re-picks an unfixed one on start).
				hc.PortBindings = network.PortMap{network.MustParsePort(APIPort): {{HostIP: netip.MustParseAddr("127.0.0.1"), HostPort: hostPort}}}
			},
		},
	}
	if _, err := testcontainers.GenericContainer(ctx, req); err != nil {
		return fmt.Errorf("start the TGW container %s from %s: %w", s.Name, s.Image, err)
	}
	return nil
}

// joinLegs connects the container to every leg's network it is not on yet, at the leg's address.
func joinLegs(ctx context.Context, c *client.Client, s ContainerSpec) error {
	res, err := c.ContainerInspect(ctx, s.Name, client.ContainerInspectOptions{})
	if err != nil {
		return fmt.Errorf("inspect the TGW container %s: %w", s.Name, err)
	}
	have := map[string]string{}
	if res.Container.NetworkSettings != nil {
		for name, es := range res.Container.NetworkSettings.Networks {
			if es != nil && es.IPAddress.IsValid() {
				have[name] = es.IPAddress.String()
			} else {
				have[name] = ""
			}
		}
	}
	for _, l := range s.Legs {
		got, ok := have[l.Network]
		if ok {
			if got != l.Address {
				return fmt.Errorf("the TGW container %s is on %s at %s, the plan says %s; 'netlab down' the lab and bring it up again", s.Name, l.Network, got, l.Address)
			}
			continue
		}
		ip, err := netip.ParseAddr(l.Address)
		if err != nil {
			return fmt.Errorf("TGW leg on %s: %w", l.Network, err)
		}
		if _, err := c.NetworkConnect(ctx, l.Network, client.NetworkConnectOptions{Container: s.Name,
			EndpointConfig: &network.EndpointSettings{IPAMConfig: &network.EndpointIPAMConfig{IPv4Address: ip}}}); err != nil {
			return fmt.Errorf("join the TGW to %s at %s: %w", l.Network, l.Address, err)
		}
	}
	return nil
}

// Endpoint is the EC2 API of the TGW container name, as published on the host's loopback.
func Endpoint(ctx context.Context, c *client.Client, name string) (string, error) {
	res, err := c.ContainerInspect(ctx, name, client.ContainerInspectOptions{})
	if err != nil {
		return "", fmt.Errorf("inspect the TGW container %s: %w", name, err)
	}
	if res.Container.NetworkSettings != nil {
		for _, b := range res.Container.NetworkSettings.Ports[network.MustParsePort(APIPort)] {
			if b.HostPort != "" {
				host := "127.0.0.1"
				if b.HostIP.IsValid() && !b.HostIP.IsUnspecified() {
					host = b.HostIP.String()
				}
				return "http://" + host + ":" + b.HostPort, nil
			}
		}
	}
	return "", fmt.Errorf("the TGW container %s publishes no port for its API (%s); is it running?", name, APIPort)
}

// WaitAPI waits until the TGW's API answers its route view, for at most d.
func WaitAPI(ctx context.Context, endpoint string, d time.Duration) error {
	deadline := time.Now().Add(d)
	var last error
	for time.Now().Before(deadline) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(endpoint, "/")+"/netlab/routes", nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("HTTP %s", resp.Status)
		}
		last = err
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(300 * time.Millisecond):
		}
	}
	return fmt.Errorf("the TGW's API at %s did not answer within %s: %v ('docker logs' of the TGW container says why)", endpoint, d, last)
}

// freeLoopbackPort asks the kernel for a free TCP port on 127.0.0.1.
func freeLoopbackPort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free loopback port for the TGW's API: %w", err)
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port), nil
}

// LiveEndpoint is the lab's TGW API endpoint as its container publishes it now, or recorded when
// Docker cannot say (the container is gone or stopped).
func LiveEndpoint(ctx context.Context, containerName, recorded string) string {
	c, err := client.New(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return recorded
	}
	defer c.Close()
	if ep, err := Endpoint(ctx, c, containerName); err == nil {
		return ep
	}
	return recorded
}
