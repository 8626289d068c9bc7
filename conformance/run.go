package conformance

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
)

// Cluster is what running a suite needs of one cluster; conformance/live implements it with the
// cluster's API server, tests with a fake.
type Cluster interface {
	// Name is the cluster's name in the plan.
	Name() string
	// Apply creates or updates objects.
	Apply(ctx context.Context, objs []runtime.Object) error
	// Clean removes what a run created (the namespace with its Jobs, the binding) and waits
	// until the namespace is gone, so that the next run starts from nothing.
	Clean(ctx context.Context) error
	// WaitStarted waits until the Job's runner container has started (or already ended); it
	// fails at once when the container cannot start (an image that cannot be pulled, say).
	WaitStarted(ctx context.Context, job string) error
	// Logs follows the runner container's output until it ends.
	Logs(ctx context.Context, job string) (io.ReadCloser, error)
	// Tarball is the results tarball from the Job's results container; ErrNotDone while the
	// runner has not finished.
	Tarball(ctx context.Context, job string) ([]byte, error)
}

// Limits of one run.
const (
	// tarballWait bounds the wait for the done file after the runner's output has ended (go-runner
	// writes the tarball, then the done file, after the suite exits).
	tarballWait = 2 * time.Minute
	// keepLines is how much of the suite's output a run that ends in an error keeps.
	keepLines = 40
	// resultLimit bounds each file read from the tarball (the JUnit report lists every spec the
	// suite has, about 7,000: a few MB).
	resultLimit = 64 << 20
)

// RunSuite runs job on cluster c and returns the run, judged. progress, when set, is called as
// specs finish. It cleans up before (what an interrupted run left) and after, whatever happened.
func RunSuite(ctx context.Context, c Cluster, job Job, progress func(Progress)) (run Run) {
	run = Run{Selection: job.Selection, Runner: job.RunnerImage}
	start := time.Now()
	defer func() { run.Seconds = time.Since(start).Round(100 * time.Millisecond).Seconds() }()
	if job.Selection.NotApplicable != "" {
		run.Judge()
		return run
	}
	fail := func(format string, args ...any) Run {
		run.Verdict, run.Reason = Error, fmt.Sprintf(format, args...)
		return run
	}
	objs, err := Objects(job)
	if err != nil {
		return fail("%v", err)
	}
	if err := c.Clean(ctx); err != nil {
		return fail("removing what an earlier run left: %v", err)
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 3*time.Minute)
		defer cancel()
		if err := c.Clean(cctx); err != nil && run.Verdict != Error {
			run.Verdict, run.Reason = Error, fmt.Sprintf("the suite ran, but removing its namespace %s failed: %v", Namespace, err)
		}
	}()
	rctx, cancel := context.WithTimeout(ctx, job.Deadline+3*time.Minute)
	defer cancel()
	if err := c.Apply(rctx, objs); err != nil {
		return fail("creating the Job: %v", err)
	}
	name := JobName(job.Selection.Suite)
	if err := c.WaitStarted(rctx, name); err != nil {
		return fail("the runner did not start: %v", err)
	}
	logs, err := c.Logs(rctx, name)
	if err != nil {
		return fail("following the runner's output: %v", err)
	}
	var p Progress
	tail, ferr := p.Follow(logs, keepLines, progress)
	logs.Close()
	run.OutputTail = tail
	tarball, err := waitTarball(rctx, c, name)
	if err != nil {
		if ferr != nil {
			err = fmt.Errorf("%w (and the output broke off: %v)", err, ferr)
		}
		return fail("no results: %v", err)
	}
	files, err := ReadTarball(bytes.NewReader(tarball), resultLimit, JUnitFile)
	if err != nil {
		return fail("%v", err)
	}
	report, ok := files[JUnitFile]
	if !ok {
		return fail("the results hold no %s: the suite ended before it wrote its report", JUnitFile)
	}
	specs, err := ParseJUnit(bytes.NewReader(report), job.Selection)
	if err != nil {
		return fail("%s: %v", JUnitFile, err)
	}
	run.Specs = specs
	run.Judge()
	if run.Verdict != Error {
		run.OutputTail = nil
	}
	return run
}

// waitTarball asks for the tarball every few seconds until the done file is there, for at most
// tarballWait.
func waitTarball(ctx context.Context, c Cluster, job string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, tarballWait)
	defer cancel()
	for {
		b, err := c.Tarball(ctx, job)
		if err == nil {
			return b, nil
		}
		if !errors.Is(err, ErrNotDone) {
			return nil, err
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%w after %s", err, tarballWait)
		case <-time.After(3 * time.Second):
		}
	}
}
