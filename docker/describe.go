package docker

import (
	"context"
	"fmt"

	"github.com/moby/moby/api/types/system"
	"github.com/moby/moby/client"
)

// Description is what a lab depends on in the engine it runs on: what changed between Debian's
// 20.10 and Docker 28/29 (docs/notes/docker-28-29-research.md).
type Description struct {
	Version string `json:"version"`
	// API is the API version netlab and the engine agreed on.
	API     string `json:"api"`
	RootDir string `json:"rootDir"`
	// ImageStore is "containerd" (the containerd image store, Docker 29's default) or the
	// graph driver's name.
	ImageStore string `json:"imageStore"`
	// Firewall is the firewall backend: iptables (the only one before Docker 28) or nftables.
	Firewall string `json:"firewall"`
}

func (d Description) String() string {
	return fmt.Sprintf("Docker %s (API %s), image store %s, firewall %s", d.Version, d.API, d.ImageStore, d.Firewall)
}

// Describe asks the engine what it is.
func (e *Engine) Describe(ctx context.Context) (Description, error) {
	info, err := e.c.Info(ctx, client.InfoOptions{})
	if err != nil {
		return Description{}, fmt.Errorf("ask the Docker engine what it is: %w", err)
	}
	return describe(info.Info, e.c.ClientVersion()), nil
}

func describe(info system.Info, api string) Description {
	d := Description{Version: info.ServerVersion, API: api, RootDir: info.DockerRootDir, ImageStore: info.Driver, Firewall: "iptables"}
	for _, kv := range info.DriverStatus {
		if kv[0] == "driver-type" && kv[1] == "io.containerd.snapshotter.v1" {
			d.ImageStore = "containerd"
		}
	}
	if info.FirewallBackend != nil && info.FirewallBackend.Driver != "" {
		d.Firewall = info.FirewallBackend.Driver
	}
	return d
}
