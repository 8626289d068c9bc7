// Package docker is netlab's one way to the Docker engine: a lab's VPC networks, the containers
// netlab runs itself (EnsureContainer), commands inside containers (Exec), images (build, list,
// remove, load into kind's node containers), and the inventory of every container, network and
// volume that belongs to a lab (for status and down).
//
// Identity: objects netlab creates itself carry the label netlab.dev/lab=<lab>. kind's node
// containers cannot be given extra Docker labels through kind's API; they carry kind's own label
// io.x-k8s.kind.cluster=<lab>-<cluster>, and are found through the lab's cluster names.
package docker

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
	"github.com/moby/moby/client/pkg/versions"
)

// Labels.
const (
	LabelLab    = "netlab.dev/lab"
	LabelRole   = "netlab.dev/role"
	LabelVPC    = "netlab.dev/vpc"
	LabelSubnet = "netlab.dev/subnet"
	// LabelKindCluster is kind's own label on node containers and their volumes.
	LabelKindCluster = "io.x-k8s.kind.cluster"
)

// Engine is a connection to the Docker engine.
type Engine struct{ c *client.Client }

// Connect reaches the engine named by DOCKER_HOST (or the default socket) and checks that it
// answers within a few seconds.
func Connect(ctx context.Context) (*Engine, error) {
	c, err := client.New(client.FromEnv)
	if err != nil {
		return nil, fmt.Errorf("docker client: %w", err)
	}
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := c.Ping(pctx, client.PingOptions{NegotiateAPIVersion: true}); err != nil {
		host := os.Getenv("DOCKER_HOST")
		if host == "" {
			host = "unix:///var/run/docker.sock"
		}
		return nil, fmt.Errorf("the Docker engine at %s does not answer (%v); start dockerd (on this project's CI machines: bash ci/setup.d/20-docker.sh) or set DOCKER_HOST", host, err)
	}
	return &Engine{c: c}, nil
}

// Close releases the connection.
func (e *Engine) Close() error { return e.c.Close() }

// NetworkSpec is a VPC subnet as a Docker network.
type NetworkSpec struct {
	Name      string
	Subnet    netip.Prefix
	Gateway   netip.Addr
	IPRange   netip.Prefix
	MTU       int
	Lab, VPC  string
	SubnetTag string
}

// EnsureNetwork creates the network, or accepts an existing one that matches the spec. An existing
// network with the same name but another subnet or owner is an error that says what to do.
// It reports whether it created the network.
func (e *Engine) EnsureNetwork(ctx context.Context, s NetworkSpec) (bool, error) {
	res, err := e.c.NetworkInspect(ctx, s.Name, client.NetworkInspectOptions{})
	if err == nil {
		return false, checkNetwork(res.Network, s)
	}
	if !isNotFound(err) {
		return false, fmt.Errorf("inspect network %s: %w", s.Name, err)
	}
	enable4 := true
	_, err = e.c.NetworkCreate(ctx, s.Name, client.NetworkCreateOptions{
		Driver:     "bridge",
		EnableIPv4: &enable4,
		IPAM: &network.IPAM{Driver: "default", Config: []network.IPAMConfig{{
			Subnet: s.Subnet, IPRange: s.IPRange, Gateway: s.Gateway,
		}}},
		Options: vpcNetworkOptions(s.MTU, e.c.ClientVersion()),
		Labels:  map[string]string{LabelLab: s.Lab, LabelRole: "vpc", LabelVPC: s.VPC, LabelSubnet: s.SubnetTag},
	})
	if err != nil {
		if strings.Contains(err.Error(), "overlap") {
			return false, fmt.Errorf("create network %s (%s): %w; another Docker network on this host uses an overlapping range: remove it ('docker network ls') or give the VPC another cidr", s.Name, s.Subnet, err)
		}
		return false, fmt.Errorf("create network %s (%s): %w", s.Name, s.Subnet, err)
	}
	return true, nil
}

// gatewayModeAPI is the first API version (Docker 28.0) that knows the bridge driver's
// gateway_mode_ipv4 option and its nat-unprotected mode.
const gatewayModeAPI = "1.48"

// vpcNetworkOptions are the bridge driver options of a VPC network, for an engine that speaks API
// version api (the version negotiated with it). From Docker 28 the default gateway mode ("nat")
// puts a raw-table rule per container that drops packets addressed to it from outside its own
// bridge: a VPC's nodes would not be reachable through the transit gateway, which routes between
// bridges (measured on Docker 29.8: the TCP connect timed out, the DROP rule counted the packets).
// nat-unprotected keeps masquerading and leaves routed traffic to the lab's own rules, as engines
// before 28 did. Older engines do not know the option, so it is sent to 28 and newer only.
func vpcNetworkOptions(mtu int, api string) map[string]string {
	opts := map[string]string{"com.docker.network.driver.mtu": strconv.Itoa(mtu)}
	if versions.GreaterThanOrEqualTo(api, gatewayModeAPI) {
		opts["com.docker.network.bridge.gateway_mode_ipv4"] = "nat-unprotected"
	}
	return opts
}

func checkNetwork(n network.Inspect, s NetworkSpec) error {
	if owner := n.Labels[LabelLab]; owner != s.Lab {
		return fmt.Errorf("a Docker network named %s already exists and does not belong to lab %s (label %s=%q); remove it or rename the lab", s.Name, s.Lab, LabelLab, owner)
	}
	for _, c := range n.IPAM.Config {
		if c.Subnet == s.Subnet {
			return nil
		}
	}
	return fmt.Errorf("network %s of lab %s exists with another subnet than the plan's %s; the scenario changed a VPC's addressing, which needs the lab recreated: run 'netlab down %s' first", s.Name, s.Lab, s.Subnet, s.Lab)
}

// Objects is everything on the engine that belongs to one lab.
type Objects struct {
	Containers []string `json:"containers"`
	Networks   []string `json:"networks"`
	Volumes    []string `json:"volumes"`
}

// Empty reports whether nothing of the lab is left.
func (o Objects) Empty() bool {
	return len(o.Containers) == 0 && len(o.Networks) == 0 && len(o.Volumes) == 0
}

// LabObjects lists the lab's containers (netlab's own and kind's nodes), networks and volumes.
// kindClusters are the lab's kind cluster names (<lab>-<cluster>).
func (e *Engine) LabObjects(ctx context.Context, lab string, kindClusters []string) (Objects, error) {
	var o Objects
	selectors := []string{LabelLab + "=" + lab}
	for _, k := range kindClusters {
		selectors = append(selectors, LabelKindCluster+"="+k)
	}
	seenC, seenV := map[string]bool{}, map[string]bool{}
	for _, sel := range selectors {
		cs, err := e.c.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: client.Filters{}.Add("label", sel)})
		if err != nil {
			return o, fmt.Errorf("list containers: %w", err)
		}
		for _, c := range cs.Items {
			name := c.ID[:12]
			if len(c.Names) > 0 {
				name = strings.TrimPrefix(c.Names[0], "/")
			}
			if !seenC[name] {
				seenC[name] = true
				o.Containers = append(o.Containers, name)
			}
		}
		vs, err := e.c.VolumeList(ctx, client.VolumeListOptions{Filters: client.Filters{}.Add("label", sel)})
		if err != nil {
			return o, fmt.Errorf("list volumes: %w", err)
		}
		for _, v := range vs.Items {
			if !seenV[v.Name] {
				seenV[v.Name] = true
				o.Volumes = append(o.Volumes, v.Name)
			}
		}
	}
	ns, err := e.c.NetworkList(ctx, client.NetworkListOptions{Filters: client.Filters{}.Add("label", LabelLab+"="+lab)})
	if err != nil {
		return o, fmt.Errorf("list networks: %w", err)
	}
	for _, n := range ns.Items {
		o.Networks = append(o.Networks, n.Name)
	}
	sort.Strings(o.Containers)
	sort.Strings(o.Networks)
	sort.Strings(o.Volumes)
	return o, nil
}

// RemoveContainers force-removes containers with their anonymous volumes.
func (e *Engine) RemoveContainers(ctx context.Context, names []string) error {
	var errs []error
	for _, n := range names {
		if _, err := e.c.ContainerRemove(ctx, n, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true}); err != nil && !isNotFound(err) {
			errs = append(errs, fmt.Errorf("remove container %s: %w", n, err))
		}
	}
	return errors.Join(errs...)
}

// RemoveNetworks removes networks; one still in use is an error naming it.
func (e *Engine) RemoveNetworks(ctx context.Context, names []string) error {
	var errs []error
	for _, n := range names {
		if _, err := e.c.NetworkRemove(ctx, n, client.NetworkRemoveOptions{}); err != nil && !isNotFound(err) {
			errs = append(errs, fmt.Errorf("remove network %s: %w", n, err))
		}
	}
	return errors.Join(errs...)
}

// RemoveVolumes removes volumes.
func (e *Engine) RemoveVolumes(ctx context.Context, names []string) error {
	var errs []error
	for _, n := range names {
		if _, err := e.c.VolumeRemove(ctx, n, client.VolumeRemoveOptions{Force: true}); err != nil && !isNotFound(err) {
			errs = append(errs, fmt.Errorf("remove volume %s: %w", n, err))
		}
	}
	return errors.Join(errs...)
}

func isNotFound(err error) bool {
	if err == nil {
		return false
	}
	if cerrdefs.IsNotFound(err) {
		return true
	}
	s := strings.ToLower(err.Error())
	return strings.Contains(s, "not found") || strings.Contains(s, "no such")
}
