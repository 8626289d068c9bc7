package docker

import (
	"testing"

	"github.com/moby/moby/api/types/system"
)

// Debian's 20.10 reports a graph driver and no firewall backend (iptables, the only one then);
// Docker 29 on a fresh data root reports the containerd snapshotter and its backend.
func TestDescribe(t *testing.T) {
	old := describe(system.Info{ServerVersion: "20.10.24+dfsg1", Driver: "overlay2", DockerRootDir: "/var/lib/docker",
		DriverStatus: [][2]string{{"Backing Filesystem", "extfs"}}}, "1.41")
	if old.String() != "Docker 20.10.24+dfsg1 (API 1.41), image store overlay2, firewall iptables" || old.RootDir != "/var/lib/docker" {
		t.Errorf("20.10: %s %+v", old, old)
	}
	cur := describe(system.Info{ServerVersion: "29.8.1", Driver: "overlayfs",
		DriverStatus:    [][2]string{{"driver-type", "io.containerd.snapshotter.v1"}},
		FirewallBackend: &system.FirewallInfo{Driver: "nftables"}}, "1.52")
	if cur.String() != "Docker 29.8.1 (API 1.52), image store containerd, firewall nftables" {
		t.Errorf("29: %s", cur)
	}
}
