package docker_test

import (
	"context"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/netlab-dev/netlab/docker"
	"github.com/netlab-dev/netlab/internal/testenv"
)

// TestNetworksAgainstTheEngine runs against the real Docker engine (e2e stage).
func TestNetworksAgainstTheEngine(t *testing.T) {
	testenv.RequireDocker(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	e, err := docker.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() }) // registered first, so it runs after the network cleanup below
	lab := "nltest-docker"
	spec := docker.NetworkSpec{Name: lab + "-vpc", Subnet: netip.MustParsePrefix("10.250.1.0/24"), Gateway: netip.MustParseAddr("10.250.1.1"),
		IPRange: netip.MustParsePrefix("10.250.1.0/25"), MTU: 1450, Lab: lab, VPC: "vpc", SubnetTag: "nodes"}
	t.Cleanup(func() {
		if err := e.RemoveNetworks(context.Background(), []string{spec.Name, "nltest-foreign"}); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})

	created, err := e.EnsureNetwork(ctx, spec)
	if err != nil || !created {
		t.Fatalf("create: created=%v err=%v", created, err)
	}
	created, err = e.EnsureNetwork(ctx, spec)
	if err != nil || created {
		t.Fatalf("second ensure must accept the existing network: created=%v err=%v", created, err)
	}
	n, err := docker.InspectNetwork(ctx, e, spec.Name)
	if err != nil {
		t.Fatal(err)
	}
	if n.Labels[docker.LabelLab] != lab || n.Options["com.docker.network.driver.mtu"] != "1450" || len(n.IPAM.Config) != 1 ||
		n.IPAM.Config[0].Subnet != spec.Subnet || n.IPAM.Config[0].IPRange != spec.IPRange || n.IPAM.Config[0].Gateway != spec.Gateway {
		t.Fatalf("network as created: labels %v options %v ipam %+v", n.Labels, n.Options, n.IPAM.Config)
	}
	changed := spec
	changed.Subnet = netip.MustParsePrefix("10.250.2.0/24")
	if _, err := e.EnsureNetwork(ctx, changed); err == nil || !strings.Contains(err.Error(), "netlab down "+lab) {
		t.Fatalf("a changed subnet must be refused with what to do, got %v", err)
	}
	foreign := spec
	foreign.Lab = "someone-else"
	if _, err := e.EnsureNetwork(ctx, foreign); err == nil || !strings.Contains(err.Error(), "does not belong to lab someone-else") {
		t.Fatalf("another lab's network must be refused, got %v", err)
	}
	overlap := docker.NetworkSpec{Name: "nltest-foreign", Subnet: netip.MustParsePrefix("10.250.1.0/25"), Gateway: netip.MustParseAddr("10.250.1.1"),
		IPRange: netip.MustParsePrefix("10.250.1.0/26"), MTU: 1500, Lab: "other", VPC: "v", SubnetTag: "s"}
	if _, err := e.EnsureNetwork(ctx, overlap); err == nil || !strings.Contains(err.Error(), "overlapping") {
		t.Fatalf("an overlapping network must fail with advice, got %v", err)
	}
	objs, err := e.LabObjects(ctx, lab, nil)
	if err != nil || len(objs.Networks) != 1 || objs.Networks[0] != spec.Name {
		t.Fatalf("inventory: %+v %v", objs, err)
	}
	if err := e.RemoveNetworks(ctx, objs.Networks); err != nil {
		t.Fatal(err)
	}
	if objs, _ := e.LabObjects(ctx, lab, nil); !objs.Empty() {
		t.Fatalf("left after removal: %+v", objs)
	}
	if err := e.RemoveNetworks(ctx, []string{spec.Name}); err != nil {
		t.Fatalf("removing a missing network is not an error: %v", err)
	}
}
