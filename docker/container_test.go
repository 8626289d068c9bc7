package docker_test

import (
	"context"
	"net/netip"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/netlab-dev/netlab/docker"
	"github.com/netlab-dev/netlab/internal/testenv"
)

// slimImage is the hermetic build's Debian root (ci/images), which has sh, cat and sleep.
func slimImage(t *testing.T, ctx context.Context, e *docker.Engine) string {
	t.Helper()
	ims, err := e.Images(ctx, "netlab.local/slim-root:*")
	if err != nil {
		t.Fatal(err)
	}
	if len(ims) == 0 || len(ims[0].Tags) == 0 {
		t.Fatal("no netlab.local/slim-root image on this host; build the hermetic images first (bash ci/images/build.sh)")
	}
	return ims[0].Tags[0]
}

// EnsureContainer keeps, starts and re-creates a container as its spec says, on two networks at
// fixed addresses, with a volume that outlives it and a port on loopback; Exec separates output,
// feeds input, returns the exit code and stops at the context's end.
func TestContainerAndExecAgainstTheEngine(t *testing.T) {
	testenv.RequireDocker(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	e, err := docker.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	img := slimImage(t, ctx, e)
	const lab = "nltest-ctr"
	other := "nltest-ctr/other:1"
	name := lab + "-c"
	nets := []docker.NetworkSpec{
		{Name: lab + "-a", Subnet: netip.MustParsePrefix("10.250.3.0/24"), Gateway: netip.MustParseAddr("10.250.3.1"), IPRange: netip.MustParsePrefix("10.250.3.0/25"), MTU: 1500, Lab: lab, VPC: "a", SubnetTag: "s"},
		{Name: lab + "-b", Subnet: netip.MustParsePrefix("10.250.4.0/24"), Gateway: netip.MustParseAddr("10.250.4.1"), IPRange: netip.MustParsePrefix("10.250.4.0/25"), MTU: 1500, Lab: lab, VPC: "b", SubnetTag: "s"},
	}
	t.Cleanup(func() {
		bg := context.Background()
		objs, _ := e.LabObjects(bg, lab, nil)
		if err := e.RemoveContainers(bg, objs.Containers); err != nil {
			t.Error(err)
		}
		if err := e.RemoveVolumes(bg, objs.Volumes); err != nil {
			t.Error(err)
		}
		if err := e.RemoveNetworks(bg, objs.Networks); err != nil {
			t.Error(err)
		}
		if err := e.RemoveImage(bg, other); err != nil {
			t.Error(err)
		}
		if left, _ := e.LabObjects(bg, lab, nil); !left.Empty() {
			t.Errorf("left behind: %+v", left)
		}
	})
	for _, n := range nets {
		if _, err := e.EnsureNetwork(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	spec := docker.ContainerSpec{
		Name: name, Image: img, Cmd: []string{"sleep", "infinity"},
		Env:      map[string]string{"GREETING": "hello"},
		Labels:   map[string]string{docker.LabelLab: lab},
		Networks: []docker.Attachment{{Network: nets[0].Name, IP: netip.MustParseAddr("10.250.3.200")}, {Network: nets[1].Name, IP: netip.MustParseAddr("10.250.4.200")}},
		Volumes:  []docker.Mount{{Volume: lab + "-vol", Target: "/data"}},
		Sysctls:  map[string]string{"net.ipv4.ip_forward": "1"},
		Publish:  []string{"7001/tcp"},
	}
	if err := e.EnsureContainer(ctx, spec); err != nil {
		t.Fatal(err)
	}
	id := func() string {
		out, err := exec.Command("docker", "inspect", "-f", "{{.Id}}", name).Output()
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(string(out))
	}
	id1 := id()
	sh := func(script string) docker.ExecResult {
		t.Helper()
		r, err := e.Exec(ctx, name, []string{"sh", "-c", script}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	r := sh("echo $GREETING; echo oops >&2; cat /proc/sys/net/ipv4/ip_forward; ip -4 -o addr 2>/dev/null || hostname -I; exit 3")
	if r.ExitCode != 3 || string(r.Stderr) != "oops\n" || !strings.HasPrefix(string(r.Stdout), "hello\n1\n") ||
		!strings.Contains(string(r.Stdout), "10.250.3.200") || !strings.Contains(string(r.Stdout), "10.250.4.200") {
		t.Fatalf("exec: code %d stdout %q stderr %q", r.ExitCode, r.Stdout, r.Stderr)
	}
	in, err := e.Exec(ctx, name, []string{"sh", "-c", "cat > /data/f; wc -c < /data/f"}, strings.NewReader(strings.Repeat("x", 1<<20)))
	if err != nil || in.ExitCode != 0 || strings.TrimSpace(string(in.Stdout)) != "1048576" {
		t.Fatalf("exec with input: %+v %v", in, err)
	}
	short, cancelShort := context.WithTimeout(ctx, time.Second)
	start := time.Now()
	_, err = e.Exec(short, name, []string{"sleep", "30"}, nil)
	cancelShort()
	if err == nil || time.Since(start) > 10*time.Second {
		t.Fatalf("exec must end with its context: %v after %s", err, time.Since(start))
	}
	if hp, err := e.PublishedPort(ctx, name, "7001/tcp"); err != nil || !strings.HasPrefix(hp, "127.0.0.1:") {
		t.Fatalf("published port: %q %v", hp, err)
	}

	// Running with the same image: kept.
	if err := e.EnsureContainer(ctx, spec); err != nil || id() != id1 {
		t.Fatalf("a running container must be kept: %v", err)
	}
	// Stopped: started again, the same container.
	if out, err := exec.Command("docker", "stop", "-t", "1", name).CombinedOutput(); err != nil {
		t.Fatalf("docker stop: %v %s", err, out)
	}
	if st, err := e.ContainerState(ctx, name); err != nil || st != "exited" {
		t.Fatalf("state after stop: %q %v", st, err)
	}
	if err := e.EnsureContainer(ctx, spec); err != nil || id() != id1 {
		t.Fatalf("a stopped container must be started, not replaced: %v", err)
	}
	if st, _ := e.ContainerState(ctx, name); st != "running" {
		t.Fatalf("state after EnsureContainer: %q", st)
	}
	// Stopped, and its network removed (Docker allows it: a stopped container's endpoint is not
	// active) and made anew: the container still names the old network and cannot start, so it is
	// replaced. A lab whose 'up' was killed part-way leaves exactly this.
	if out, err := exec.Command("docker", "stop", "-t", "1", name).CombinedOutput(); err != nil {
		t.Fatalf("docker stop: %v %s", err, out)
	}
	if out, err := exec.Command("docker", "network", "rm", nets[0].Name).CombinedOutput(); err != nil {
		t.Fatalf("docker network rm: %v %s", err, out)
	}
	if _, err := e.EnsureNetwork(ctx, nets[0]); err != nil {
		t.Fatal(err)
	}
	if err := e.EnsureContainer(ctx, spec); err != nil {
		t.Fatalf("a stopped container on a network made anew: %v", err)
	}
	if st, _ := e.ContainerState(ctx, name); st != "running" {
		t.Fatalf("state after EnsureContainer on a network made anew: %q", st)
	}
	id1 = id()
	// Another image: re-created; the volume stays.
	if out, err := exec.Command("docker", "tag", img, other).CombinedOutput(); err != nil {
		t.Fatalf("docker tag: %v %s", err, out)
	}
	spec.Image = other
	if err := e.EnsureContainer(ctx, spec); err != nil || id() == id1 {
		t.Fatalf("another image must re-create the container: %v", err)
	}
	if r := sh("wc -c < /data/f"); strings.TrimSpace(string(r.Stdout)) != "1048576" {
		t.Fatalf("the volume must outlive the container: %q %q", r.Stdout, r.Stderr)
	}
	// A network already joined at another address is refused with what to do.
	spec.Networks[1].IP = netip.MustParseAddr("10.250.4.201")
	if err := e.EnsureContainer(ctx, spec); err == nil || !strings.Contains(err.Error(), "netlab down") {
		t.Fatalf("a moved address must be refused: %v", err)
	}
	if err := e.RemoveContainers(ctx, []string{name}); err != nil {
		t.Fatal(err)
	}
	if st, err := e.ContainerState(ctx, name); err != nil || st != docker.StateMissing {
		t.Fatalf("state of a removed container: %q %v", st, err)
	}
}
