package preflight

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"

	"github.com/netlab-dev/netlab/egress"
	"github.com/netlab-dev/netlab/internal/hint"
	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/provision/gatewayapi"
)

// Measured costs on a 2-core host (shared/notes/offline-kind.md): a control plane uses about
// 450 MiB, a worker about 100 MiB, and each node about 1 GB of disk.
const (
	ControlPlaneMiB = 450
	WorkerMiB       = 100
	NodeDiskMiB     = 1024
)

// Nodes counts the plan's control-plane and worker nodes.
func Nodes(p *plan.Plan) (controlPlanes, workers int) {
	for _, c := range p.Clusters {
		for _, n := range c.Nodes {
			if n.Role == "control-plane" {
				controlPlanes++
			} else {
				workers++
			}
		}
	}
	return controlPlanes, workers
}

// Memory refuses a lab that needs more memory than availMiB.
func Memory(controlPlanes, workers int, availMiB int64) error {
	need := int64(controlPlanes*ControlPlaneMiB + workers*WorkerMiB)
	if availMiB >= need {
		return nil
	}
	return fmt.Errorf("the lab needs about %d MiB of memory (%d control planes x %d MiB + %d workers x %d MiB) and %d MiB are available; free memory or use a smaller scenario", need, controlPlanes, ControlPlaneMiB, workers, WorkerMiB, availMiB)
}

// MemAvailableMiB parses MemAvailable out of /proc/meminfo's text.
func MemAvailableMiB(meminfo string) (int64, bool) {
	for _, line := range strings.Split(meminfo, "\n") {
		var kb int64
		if n, _ := fmt.Sscanf(line, "MemAvailable: %d kB", &kb); n == 1 {
			return kb / 1024, true
		}
	}
	return 0, false
}

// Inotify refuses a lab of more than four nodes on a host whose inotify instance limit is below
// 512: measured here, eight kind nodes fail in kubeadm at the default 128 (kubelet and containerd
// in every node take their instances from the host's one per-user budget). limit is the text of
// /proc/sys/fs/inotify/max_user_instances; one that does not parse is not checked.
func Inotify(nodes int, limit string) error {
	var n int
	if nodes <= 4 {
		return nil
	}
	if _, err := fmt.Sscan(strings.TrimSpace(limit), &n); err != nil || n >= 512 {
		return nil
	}
	return fmt.Errorf("the lab has %d nodes and fs.inotify.max_user_instances is %d: kind nodes fail to start above four nodes at this limit; raise it with 'sysctl -w fs.inotify.max_user_instances=512' (ci/setup.d/20-docker.sh does) or use a smaller scenario", nodes, n)
}

// Disk refuses a lab of nodes nodes when the file system of dockerRoot (Docker's root directory,
// where the node containers live) has less than about 1 GB free per node. An empty or unreadable
// root is not checked.
func Disk(nodes int, dockerRoot string) error {
	if dockerRoot == "" {
		return nil
	}
	var s syscall.Statfs_t
	if err := syscall.Statfs(dockerRoot, &s); err != nil {
		return nil
	}
	return diskFree(nodes, dockerRoot, int64(s.Bavail)*int64(s.Bsize)/(1<<20))
}

func diskFree(nodes int, dockerRoot string, freeMiB int64) error {
	need := int64(nodes) * NodeDiskMiB
	if freeMiB >= need {
		return nil
	}
	return fmt.Errorf("the lab needs about %d MiB of disk in %s (about 1 GB per node) and %d MiB are free; free disk space ('docker system prune') or use a smaller scenario", need, dockerRoot, freeMiB)
}

// CNIs asks check about every cluster's CNI and joins its refusals, each naming the scenario file,
// the cluster, the CNI and the mode. check returns why the cluster's CNI cannot be installed as
// planned: an unknown CNI (naming the available ones), a mode this build cannot install
// (component.Registry.Check), or images that cannot run the mode (Registry.CheckImages).
func CNIs(p *plan.Plan, check func(c plan.ClusterPlan) error) error {
	var errs []error
	for _, c := range p.Clusters {
		if err := check(c); err != nil {
			errs = append(errs, fmt.Errorf("%s: cluster %s (cni: %s, mode %s): %w", p.Source, c.Name, c.CNI.Type, c.CNI.Mode, err))
		}
	}
	return errors.Join(errs...)
}

// Host runs the checks that need no Docker engine: CNI availability, kernel features, memory and
// the inotify limit, and joins what fails. The disk check (Disk) needs Docker's root directory and
// is run once the engine answers.
func Host(p *plan.Plan, checkCNI func(c plan.ClusterPlan) error) error {
	errs := []error{CNIs(p, checkCNI)}
	needs := map[string][]string{}
	for _, c := range p.Clusters {
		needs[c.Name] = c.KernelFeatures
	}
	if err := CheckKernel(needs); err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", p.Source, err))
	}
	cp, w := Nodes(p)
	if data, err := os.ReadFile("/proc/meminfo"); err == nil {
		if avail, ok := MemAvailableMiB(string(data)); ok {
			errs = append(errs, Memory(cp, w, avail))
		}
	}
	if data, err := os.ReadFile("/proc/sys/fs/inotify/max_user_instances"); err == nil {
		errs = append(errs, Inotify(cp+w, string(data)))
	}
	errs = append(errs, EgressGuard(p, egress.CanInstall))
	errs = append(errs, GatewayAPI(p, func() error { _, err := gatewayapi.CRDs(gatewayapi.DefaultDir()); return err }))
	return errors.Join(errs...)
}

// GatewayAPI refuses a plan with a cluster that serves the Gateway API when its CRDs cannot be
// read (load fails: not built on this host, or not the pinned ones), naming the way to build them.
func GatewayAPI(p *plan.Plan, load func() error) error {
	for _, c := range p.Clusters {
		if c.Ingress == nil || !c.Ingress.GatewayAPI {
			continue
		}
		if err := load(); err != nil {
			return fmt.Errorf("%s: cluster %s (ingress.gatewayAPI): %w", p.Source, c.Name, err)
		}
		return nil
	}
	return nil
}

// EgressGuard refuses a plan whose egress guard cannot be installed (canInstall fails: no
// nftables, or no permission to write the host's tables), naming 'egress: allow' as the way out.
// A plan with 'egress: allow' needs nothing.
func EgressGuard(p *plan.Plan, canInstall func() error) error {
	if !p.Outside.Guarded() {
		return nil
	}
	if err := canInstall(); err != nil {
		return hint.Wrap(fmt.Errorf("%s: the egress guard (an nftables table on the host that keeps the lab's packets on this machine) cannot be installed: %w", p.Source, err),
			"run netlab as root (it needs CAP_NET_ADMIN on the host), or let the lab reach the outside on purpose with 'egress: allow' in the scenario")
	}
	return nil
}
