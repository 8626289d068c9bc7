package tgw

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/netlab-dev/netlab/docker"
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
	Image string // netlab's own image (images.EnsureSelfImage)
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
	// Host is the Docker host's address on the network (its gateway): the TGW's API takes
	// connections from it (the published port may reach the container through any of its legs).
	Host string
}

// Volume is the named volume holding the TGW's state: it outlives the container, so route tables,
// routes, associations and ids survive a restart and a re-creation.
func (s ContainerSpec) Volume() string { return s.Name + "-state" }

// containers is what the TGW needs from the container runtime.
type containers interface {
	EnsureContainer(ctx context.Context, s docker.ContainerSpec) error
	PublishedPort(ctx context.Context, name, port string) (string, error)
}

// EnsureContainer starts the TGW container, or reuses it, and returns its EC2 API endpoint on
// loopback (http://127.0.0.1:PORT). A running container with the same image and environment (the
// lab's API credentials) is kept; a stopped one is
// started; one with another image is replaced (its state volume stays). Every leg is joined at its
// fixed address.
func EnsureContainer(ctx context.Context, eng containers, s ContainerSpec) (string, error) {
	ds, err := s.docker()
	if err != nil {
		return "", err
	}
	if err := eng.EnsureContainer(ctx, ds); err != nil {
		return "", fmt.Errorf("the TGW container: %w", err)
	}
	ep, err := Endpoint(ctx, eng, s.Name)
	if err != nil {
		return "", err
	}
	return ep, waitAPI(ctx, ep, 30*time.Second)
}

// docker is the TGW's container as the runtime runs it.
func (s ContainerSpec) docker() (docker.ContainerSpec, error) {
	if len(s.Legs) == 0 {
		return docker.ContainerSpec{}, errors.New("the transit gateway has no legs: attach at least one VPC subnet")
	}
	ds := docker.ContainerSpec{
		Name:    s.Name,
		Image:   s.Image,
		Cmd:     s.cmd(),
		Env:     s.Env(),
		Labels:  s.Labels,
		Volumes: []docker.Mount{{Volume: s.Volume(), Target: StateDir}},
		// NET_ADMIN for policy routing and nftables counters in its own namespace; nothing more.
		CapAdd: []string{"NET_ADMIN"},
		Sysctls: map[string]string{
			"net.ipv4.ip_forward":             "1",
			"net.ipv4.conf.all.rp_filter":     "0",
			"net.ipv4.conf.default.rp_filter": "0",
		},
		// The API is published on the host's loopback only.
		Publish:              []string{APIPort},
		RestartUnlessStopped: true,
	}
	for _, l := range s.Legs {
		ip, err := netip.ParseAddr(l.Address)
		if err != nil {
			return ds, fmt.Errorf("TGW leg on %s: %w", l.Network, err)
		}
		ds.Networks = append(ds.Networks, docker.Attachment{Network: l.Network, IP: ip})
	}
	return ds, nil
}

// Endpoint is the EC2 API of the TGW container name, as published on the host's loopback.
func Endpoint(ctx context.Context, eng containers, name string) (string, error) {
	hp, err := eng.PublishedPort(ctx, name, APIPort)
	if err != nil {
		return "", fmt.Errorf("the TGW's API: %w", err)
	}
	return "http://" + hp, nil
}

// waitAPI waits until the TGW's API answers its route view, for at most d.
func waitAPI(ctx context.Context, endpoint string, d time.Duration) error {
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

// LiveEndpoint is the lab's TGW API endpoint as its container publishes it now, or recorded when
// Docker cannot say (the container is gone or stopped).
func LiveEndpoint(ctx context.Context, eng containers, containerName, recorded string) string {
	if ep, err := Endpoint(ctx, eng, containerName); err == nil {
		return ep
	}
	return recorded
}

// cmd is the server's command line: the API on every address, from the host only (every leg's host
// address, besides loopback and the default gateway), the state on the volume.
func (s ContainerSpec) cmd() []string {
	cmd := []string{"tgw", "serve", "--listen", "0.0.0.0:4566", "--api-from", "host", "--state", StateFile}
	for _, l := range s.Legs {
		if l.Host != "" {
			cmd = append(cmd, "--api-host", l.Host)
		}
	}
	return cmd
}
