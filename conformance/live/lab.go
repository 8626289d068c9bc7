package live

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/netlab-dev/netlab/conformance"
	"github.com/netlab-dev/netlab/docker"
	"github.com/netlab-dev/netlab/egress"
	"github.com/netlab-dev/netlab/internal/names"
	"github.com/netlab-dev/netlab/internal/status"
	"github.com/netlab-dev/netlab/labstate"
	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/provision/images"
	"github.com/netlab-dev/netlab/provision/kube"
)

// ErrUnreachable wraps every failure to reach the lab (no state, Docker or an API server down);
// the CLI maps it to exit code 2.
var ErrUnreachable = errors.New("lab unreachable")

// Options of a run.
type Options struct {
	// Clusters to run in (plan names); none means every cluster of the lab.
	Clusters []string
	Suites   []conformance.Suite
	// Focus replaces each suite's focus; Skip leaves out more specs.
	Focus, Skip string
	// Offline refuses to let the nodes pull an image the host does not have.
	Offline bool
	// Deadline bounds each suite's run in each cluster.
	Deadline time.Duration
}

// TestImages are the images the network specs of images.KubernetesVersion's suite ask for,
// besides the runner and the pause image every node has.
func TestImages() []string {
	return []string{images.E2EAgnhost, images.E2EJessieDnsutils, images.E2ENginx, images.E2EBusyBox}
}

// target is one selected cluster.
type target struct {
	plan    plan.ClusterPlan
	cluster *kubeCluster
	version string
	runner  string
}

// Run runs the suites of o in lab labName and reports them. An error means nothing ran: the lab
// cannot be reached (ErrUnreachable), or an image is missing offline.
func Run(ctx context.Context, labName string, o Options, st *status.Status) (*conformance.Report, error) {
	st = status.Or(st)
	state, err := labstate.Load(labName)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnreachable, err)
	}
	p := state.Plan
	if p == nil {
		return nil, fmt.Errorf("%w: lab %s has no recorded plan; run 'netlab up' for it first", ErrUnreachable, labName)
	}
	targets, err := selectClusters(ctx, labName, p, o.Clusters)
	if err != nil {
		return nil, err
	}
	eng, err := docker.Connect(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnreachable, err)
	}
	defer eng.Close()
	self, err := images.EnsureSelfImage(ctx, eng, st)
	if err != nil {
		return nil, fmt.Errorf("netlab's own image: %w", err)
	}
	for _, t := range targets {
		if err := loadImages(ctx, eng, t, self, o.Offline, st); err != nil {
			return nil, err
		}
	}
	host := HostKernel()
	rep := &conformance.Report{Lab: labName, Started: time.Now().UTC()}
	before, guardErr := readGuard(p)
	var (
		wg   sync.WaitGroup
		runs = make([][]conformance.Run, len(targets))
	)
	for i, t := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, s := range o.Suites {
				sel := conformance.Select(p, t.plan, s, host, o.Focus, o.Skip)
				job := conformance.Job{Selection: sel, RunnerImage: t.runner, ResultsImage: self, Deadline: o.Deadline}
				if sel.NotApplicable == "" {
					st.Printf("[%s] %s: running %s in Job %s/%s (at most %s)", t.plan.Name, s.Name, t.runner, conformance.Namespace, conformance.JobName(s), o.Deadline)
				}
				run := conformance.RunSuite(ctx, t.cluster, job, func(pr conformance.Progress) {
					st.Printf("[%s] %s: %d/%d specs done, %d failed", t.plan.Name, s.Name, pr.Done, pr.Total, pr.Failed)
				})
				run.ServerVersion = t.version
				st.Printf("[%s] %s: %s %s", t.plan.Name, s.Name, strings.ToUpper(string(run.Verdict)), run.Reason)
				runs[i] = append(runs[i], run)
			}
		}()
	}
	wg.Wait()
	for _, r := range runs {
		rep.Runs = append(rep.Runs, r...)
	}
	rep.Seconds = time.Since(rep.Started).Round(time.Second).Seconds()
	if guardErr == nil {
		after, err := readGuard(p)
		if err == nil {
			rep.Egress = guardDelta(p, before, after)
		} else {
			st.Printf("warning: the egress guard's counters could not be read after the run: %v", err)
		}
	} else {
		st.Printf("warning: the egress guard's counters could not be read: %v", guardErr)
	}
	return rep, nil
}

// selectClusters connects to the named clusters (all when none is named) and learns each one's
// server version, hence its runner image.
func selectClusters(ctx context.Context, labName string, p *plan.Plan, named []string) ([]target, error) {
	var known []string
	for _, c := range p.Clusters {
		known = append(known, c.Name)
	}
	for _, n := range named {
		if !slices.Contains(known, n) {
			return nil, fmt.Errorf("--cluster %s: lab %s has no such cluster (it has %s)", n, labName, strings.Join(known, ", "))
		}
	}
	var out []target
	for _, c := range p.Clusters {
		if len(named) > 0 && !slices.Contains(named, c.Name) {
			continue
		}
		kc, err := labstate.ReadFile(labName, names.KubeconfigFile(c.Name))
		if err != nil {
			return nil, fmt.Errorf("%w: cluster %s: no kubeconfig in the lab's state (%v); run 'netlab up %s' to finish the lab", ErrUnreachable, c.Name, err, labName)
		}
		k, err := kube.New(c.Name, kc)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrUnreachable, err)
		}
		v, err := k.Clientset.Discovery().ServerVersion()
		if err != nil {
			return nil, fmt.Errorf("%w: cluster %s: the API server does not answer: %v", ErrUnreachable, c.Name, err)
		}
		kc2, err := newKubeCluster(c.Name, k)
		if err != nil {
			return nil, err
		}
		out = append(out, target{plan: c, cluster: kc2, version: v.GitVersion, runner: conformance.Runner(v.GitVersion)})
	}
	return out, nil
}

// loadImages puts netlab's image, the runner and the test images into the cluster's nodes, each
// that the host has. One the host lacks is refused offline; online the nodes pull it themselves.
// The test images are known only for the hermetic build's Kubernetes version: another version's
// suite asks for its own, which its nodes pull.
func loadImages(ctx context.Context, eng *docker.Engine, t target, self string, offline bool, st *status.Status) error {
	want := []string{t.runner}
	if t.version == images.KubernetesVersion {
		want = append(want, TestImages()...)
	} else if offline {
		return fmt.Errorf("cluster %s runs Kubernetes %s, and offline netlab can only run the suite of %s (its hermetic build); run it on a connected host, or bring the lab up on netlab's node image", t.plan.Name, t.version, images.KubernetesVersion)
	}
	load := []string{self}
	var missing []string
	for _, ref := range want {
		ok, err := eng.ImageExists(ctx, ref)
		if err != nil {
			return fmt.Errorf("%w: %v", ErrUnreachable, err)
		}
		if ok {
			load = append(load, ref)
		} else {
			missing = append(missing, ref)
		}
	}
	if len(missing) > 0 {
		if offline {
			return fmt.Errorf("cluster %s: offline, and this host lacks the suite's images %s; build them with 'bash ci/images/build.sh conformance' (from Go modules and Debian packages), or carry them here with 'docker save'/'docker load'",
				t.plan.Name, strings.Join(missing, ", "))
		}
		st.Printf("[%s] the host lacks %s; the nodes will pull them", t.plan.Name, strings.Join(missing, ", "))
	}
	return st.Step(fmt.Sprintf("[%s] loading %d image(s) into the nodes", t.plan.Name, len(load)), func() error {
		return eng.LoadKindImages(ctx, st, docker.KindImageLoad{KindCluster: t.plan.KindName, Images: load, Label: "[" + t.plan.Name + "]"})
	})
}

// readGuard reads the lab's egress guard counters (zero when the lab has none).
func readGuard(p *plan.Plan) (egress.Counters, error) {
	if !p.Outside.Guarded() {
		return egress.Counters{}, nil
	}
	return egress.Read(p.Lab)
}

func guardDelta(p *plan.Plan, before, after egress.Counters) *conformance.Egress {
	if !p.Outside.Guarded() {
		return &conformance.Egress{}
	}
	return &conformance.Egress{Guarded: true, Refused: after.Refused.Since(before.Refused), DNS: after.DNS.Since(before.DNS), Escaped: after.Escaped.Since(before.Escaped)}
}

// HostKernel probes the kernel for what the suites' specs need: SCTP.
func HostKernel() conformance.Host {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, syscall.IPPROTO_SCTP)
	if err != nil {
		return conformance.Host{NoSCTP: "socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP): " + err.Error()}
	}
	syscall.Close(fd)
	return conformance.Host{SCTP: true}
}
