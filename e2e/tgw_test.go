package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"github.com/netlab-dev/netlab/internal/status"
	tgwstep "github.com/netlab-dev/netlab/provision/steps/tgw"
	"io"
	"os/exec"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/netlab-dev/netlab/checks/report"
	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/provision"
	"github.com/netlab-dev/netlab/provision/tgw"
)

// tgwInspect is the part of 'docker inspect' of the TGW container that the lab depends on.
type tgwInspect struct {
	ID    string
	State struct {
		Status    string
		StartedAt string
	}
	Config struct {
		Image  string
		Labels map[string]string
		Cmd    []string
	}
	HostConfig struct {
		Privileged   bool
		CapAdd       []string
		Sysctls      map[string]string
		PortBindings map[string][]struct{ HostIp, HostPort string }
	}
	Mounts []struct {
		Type, Name, Destination string
	}
	NetworkSettings struct {
		Networks map[string]struct{ IPAddress string }
	}
}

func inspectTGW(t *testing.T, name string) tgwInspect {
	t.Helper()
	out, err := exec.Command("docker", "inspect", name).Output()
	if err != nil {
		t.Fatalf("docker inspect %s: %v", name, err)
	}
	var v []tgwInspect
	if err := json.Unmarshal(out, &v); err != nil || len(v) != 1 {
		t.Fatalf("docker inspect %s: %v %s", name, err, out)
	}
	return v[0]
}

// nodeSideSnapshot is what the tgw step changes on a node: its routes and nat POSTROUTING (with
// netlab's non-masquerade chain).
func nodeSideSnapshot(t *testing.T, node string) string {
	t.Helper()
	out, err := nodeExec(t, node, "sh", "-c", "ip -4 route show; iptables -t nat -S POSTROUTING; iptables -t nat -S "+tgwstep.PreserveChain+" 2>/dev/null || true")
	if err != nil {
		t.Fatalf("node %s: %v\n%s", node, err, out)
	}
	return out
}

// assertTGWLab checks what the tgw step of 'up' made in a tgw-two-vpc lab: the container as
// specified (netlab's image, NET_ADMIN only, forwarding sysctls, a leg per attached subnet at the
// plan's address, the API on loopback only, state on its labelled volume), status and EndpointFor
// agreeing on the endpoint, every node's VPC routes via its TGW leg, the non-masquerade chain first
// in POSTROUTING on the preserve cluster's nodes and absent on the masquerade cluster's; then that a
// second 'up' makes no API change, keeps the container (not re-created, not restarted) and leaves
// every node's routes and nat POSTROUTING as they were.
func assertTGWLab(t *testing.T, p *plan.Plan, kubeconfig string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	tp := p.TransitGateway
	c := inspectTGW(t, tp.Container)
	if c.State.Status != "running" || c.Config.Labels["netlab.dev/lab"] != p.Lab || !strings.HasPrefix(c.Config.Image, "netlab.local/netlab:") {
		t.Errorf("TGW container %s: state %s, labels %v, image %s", tp.Container, c.State.Status, c.Config.Labels, c.Config.Image)
	}
	caps := c.HostConfig.CapAdd // Docker 20.10 reports what it was given as CAP_NET_ADMIN
	if len(caps) == 1 {
		caps = []string{strings.TrimPrefix(caps[0], "CAP_")}
	}
	if c.HostConfig.Privileged || !reflect.DeepEqual(caps, []string{"NET_ADMIN"}) || c.HostConfig.Sysctls["net.ipv4.ip_forward"] != "1" {
		t.Errorf("TGW container %s: privileged %v, caps %v, sysctls %v; want NET_ADMIN only and ip_forward=1", tp.Container, c.HostConfig.Privileged, c.HostConfig.CapAdd, c.HostConfig.Sysctls)
	}
	for port, bs := range c.HostConfig.PortBindings {
		for _, b := range bs {
			if b.HostIp != "127.0.0.1" {
				t.Errorf("TGW container %s publishes %s on %q; only 127.0.0.1 is allowed", tp.Container, port, b.HostIp)
			}
		}
	}
	legs := 0
	for _, a := range tp.Attachments {
		for _, l := range a.Legs {
			legs++
			if got := c.NetworkSettings.Networks[l.Network].IPAddress; got != l.Address.String() {
				t.Errorf("TGW leg on %s: %q, the plan says %s", l.Network, got, l.Address)
			}
		}
	}
	if len(c.NetworkSettings.Networks) != legs {
		t.Errorf("TGW container %s is on %d networks, the plan has %d legs: %v", tp.Container, len(c.NetworkSettings.Networks), legs, c.NetworkSettings.Networks)
	}
	volume := tgw.ContainerSpec{Name: tp.Container}.Volume()
	if len(c.Mounts) != 1 || c.Mounts[0].Type != "volume" || c.Mounts[0].Name != volume || c.Mounts[0].Destination != tgw.StateDir {
		t.Errorf("TGW state mount: %+v, want volume %s at %s", c.Mounts, volume, tgw.StateDir)
	}
	if out, err := exec.Command("docker", "volume", "inspect", "-f", `{{index .Labels "netlab.dev/lab"}}`, volume).Output(); err != nil || strings.TrimSpace(string(out)) != p.Lab {
		t.Errorf("TGW state volume %s: label %q %v", volume, out, err)
	}

	st, err := provision.Status(ctx, p.Lab)
	if err != nil {
		t.Fatal(err)
	}
	ep, err := tgw.EndpointFor(p.Lab)
	if err != nil || st.TGW == nil || st.TGW.State != "running" || st.TGW.Endpoint != ep || !strings.HasPrefix(ep, "http://127.0.0.1:") || !st.Complete {
		t.Fatalf("status TGW %+v complete %v; EndpointFor %q %v", st.TGW, st.Complete, ep, err)
	}
	var table bytes.Buffer
	if err := st.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	t.Logf("netlab status:\n%s", table.String())

	before := map[string]string{}
	for _, cp := range p.Clusters {
		for _, n := range cp.Nodes {
			snap := nodeSideSnapshot(t, n.Name)
			before[n.Name] = snap
			for _, r := range cp.VPCRoutes {
				if !strings.Contains(snap, r.CIDR.String()+" via "+r.Via.String()+" ") {
					t.Errorf("node %s has no VPC route %s via %s (%s):\n%s", n.Name, r.CIDR, r.Via, r.Target, snap)
				}
			}
			jump := "-A POSTROUTING -j " + tgwstep.PreserveChain + "\n"
			lines := strings.SplitN(snap[strings.Index(snap, "-P POSTROUTING"):], "\n", 3)
			first := ""
			if len(lines) > 1 {
				first = lines[1] + "\n"
			}
			switch cp.CNI.CrossClusterSource {
			case "preserve":
				if first != jump {
					t.Errorf("node %s (preserve): the first nat POSTROUTING rule is %q, want %q", n.Name, first, jump)
				}
				for _, cidr := range cp.CNI.NonMasqueradeCIDRs {
					if !strings.Contains(snap, "-A "+tgwstep.PreserveChain+" -s "+cp.PodCIDR.String()+" -d "+cidr.String()+" -j ACCEPT") {
						t.Errorf("node %s (preserve): no exemption for %s -> %s:\n%s", n.Name, cp.PodCIDR, cidr, snap)
					}
				}
			default:
				if strings.Contains(snap, tgwstep.PreserveChain) {
					t.Errorf("node %s (masquerade) must not have %s:\n%s", n.Name, tgwstep.PreserveChain, snap)
				}
			}
		}
	}

	var out bytes.Buffer
	start := time.Now()
	if err := provision.Up(ctx, p, p.Source, provision.Options{Offline: true, KubeconfigPath: kubeconfig, Status: status.New(io.MultiWriter(testLog{t}, &out), 0, false)}); err != nil {
		t.Fatalf("second up: %v", err)
	}
	t.Logf("second up took %s", time.Since(start).Round(100*time.Millisecond))
	if !strings.Contains(out.String(), "transit gateway "+tp.Name+" (tgw-") || !strings.Contains(out.String(), ", 0 API change(s)") {
		t.Errorf("a second up must make no TGW API change:\n%s", out.String())
	}
	c2 := inspectTGW(t, tp.Container)
	if c2.ID != c.ID || c2.State.StartedAt != c.State.StartedAt || c2.State.Status != "running" {
		t.Errorf("a second up must keep the TGW container as it is: id %s -> %s, started %s -> %s, %s", c.ID[:12], c2.ID[:12], c.State.StartedAt, c2.State.StartedAt, c2.State.Status)
	}
	if ep2, err := tgw.EndpointFor(p.Lab); err != nil || ep2 != ep {
		t.Errorf("the endpoint moved: %s -> %s (%v)", ep, ep2, err)
	}
	for node, snap := range before {
		if after := nodeSideSnapshot(t, node); after != snap {
			t.Errorf("a second up changed node %s:\nbefore:\n%s\nafter:\n%s", node, snap, after)
		}
	}
}

// assertTGWEvidence logs the evidence of the checks that cross the TGW and asserts that each has
// the counter growth on the TGW route and the source address the scenario declares (preserve: the
// client Pod IP; masquerade: the client's node IP). runChecks already requires them to pass; this
// keeps the figures in the test log and fails if the checks stop collecting that evidence.
func assertTGWEvidence(t *testing.T, rep *report.Report) {
	t.Helper()
	n := 0
	for _, r := range rep.Results {
		if r.Path != "cross-cluster/tgw-pod" && r.Path != "cross-cluster/tgw-internal-lb" {
			continue
		}
		n++
		counter, source := false, r.Path != "cross-cluster/tgw-pod"
		for _, e := range r.Evidence {
			t.Logf("%s [%s]: %s: %s (want %s) ok=%v", r.Path, r.Cluster, e.Name, e.Observed, e.Expected, e.OK)
			if strings.HasPrefix(e.Name, "TGW table ") && e.Expected == "grows" && e.OK {
				counter = true
			}
			if strings.HasPrefix(e.Name, "server in ") && e.OK {
				source = true
			}
		}
		if !counter || !source {
			t.Errorf("%s [%s]: missing evidence (TGW counter grows: %v, source as declared: %v)", r.Path, r.Cluster, counter, source)
		}
	}
	if n != 4 {
		t.Errorf("want the 4 TGW checks (tgw-pod and tgw-internal-lb, both directions), got %d", n)
	}
}

// assertTGWGoneAfterDown registers a check, to run after the lab's down, that the TGW container
// and its state volume are gone.
func assertTGWGoneAfterDown(t *testing.T, p *plan.Plan) {
	t.Helper()
	if p.TransitGateway == nil {
		return
	}
	name := p.TransitGateway.Container
	volume := tgw.ContainerSpec{Name: name}.Volume()
	t.Cleanup(func() {
		if out, err := exec.Command("docker", "ps", "-aq", "--filter", "name=^"+name+"$").Output(); err != nil || len(bytes.TrimSpace(out)) != 0 {
			t.Errorf("down left the TGW container %s: %q %v", name, out, err)
		}
		if err := exec.Command("docker", "volume", "inspect", volume).Run(); err == nil {
			t.Errorf("down left the TGW state volume %s", volume)
		}
	})
}
