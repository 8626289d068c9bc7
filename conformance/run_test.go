package conformance

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
)

// fakeCluster plays a cluster: it records the calls, serves a log and a tarball (ErrNotDone the
// first notDone times), and fails where told.
type fakeCluster struct {
	calls    []string
	applied  []runtime.Object
	log      string
	tarball  []byte
	notDone  int
	startErr error
	cleanErr error
}

func (f *fakeCluster) Name() string { return "c1" }
func (f *fakeCluster) Apply(_ context.Context, objs []runtime.Object) error {
	f.calls = append(f.calls, "apply")
	f.applied = objs
	return nil
}
func (f *fakeCluster) Clean(context.Context) error {
	f.calls = append(f.calls, "clean")
	return f.cleanErr
}
func (f *fakeCluster) WaitStarted(_ context.Context, job string) error {
	f.calls = append(f.calls, "wait "+job)
	return f.startErr
}
func (f *fakeCluster) Logs(context.Context, string) (io.ReadCloser, error) {
	f.calls = append(f.calls, "logs")
	return io.NopCloser(strings.NewReader(f.log)), nil
}
func (f *fakeCluster) Tarball(context.Context, string) ([]byte, error) {
	f.calls = append(f.calls, "tarball")
	if f.notDone > 0 {
		f.notDone--
		return nil, ErrNotDone
	}
	return f.tarball, nil
}

// tarballOf is a results tarball as go-runner writes it (names relative to the results directory).
func tarballOf(t *testing.T, files map[string][]byte) []byte {
	t.Helper()
	var b bytes.Buffer
	gz := gzip.NewWriter(&b)
	tw := tar.NewWriter(gz)
	for name, data := range files {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func testJob(t *testing.T) Job {
	return Job{Selection: sigNetworkSelection(t), RunnerImage: Runner("v1.33.13"), ResultsImage: "netlab.local/netlab:test", Deadline: 10 * time.Minute}
}

func TestRunSuiteReadsTheResults(t *testing.T) {
	f := &fakeCluster{
		log:     string(readTestdata(t, "e2e.log")),
		tarball: tarballOf(t, map[string][]byte{"junit_01.xml": readTestdata(t, "junit_01.xml"), "e2e.log": []byte("log")}),
		notDone: 1,
	}
	var progress []Progress
	run := RunSuite(context.Background(), f, testJob(t), func(p Progress) { progress = append(progress, p) })
	if run.Verdict != Fail || run.Reason != "1 of 2 specs failed" {
		t.Errorf("verdict %s %q", run.Verdict, run.Reason)
	}
	if c := run.Counts(); c[Passed] != 1 || c[Failed] != 1 || c[Skipped] != 1 || c[Excluded] != 1 {
		t.Errorf("counts %v", c)
	}
	if len(progress) != 3 || progress[2].Done != 2 {
		t.Errorf("progress %+v", progress)
	}
	want := "clean apply wait e2e-sig-network logs tarball tarball clean"
	if got := strings.Join(f.calls, " "); got != want {
		t.Errorf("calls %q, want %q", got, want)
	}
	if len(f.applied) != 4 || run.Runner != "registry.k8s.io/conformance:v1.33.13" || run.OutputTail != nil {
		t.Errorf("applied %d objects, runner %q, tail %q", len(f.applied), run.Runner, run.OutputTail)
	}
}

func TestRunSuiteErrors(t *testing.T) {
	junit := readTestdata(t, "junit_01.xml")
	for _, tc := range []struct {
		name  string
		f     *fakeCluster
		cause string
		calls string
	}{
		{"image cannot be pulled", &fakeCluster{startErr: errors.New("container e2e: ErrImagePull: registry.k8s.io/conformance:v1.33.13: not found")},
			"the runner did not start: container e2e: ErrImagePull", "clean apply wait e2e-sig-network clean"},
		{"no report in the results", &fakeCluster{log: "Will run 3 of 7086 specs\npanic: boom\n", tarball: tarballOf(t, map[string][]byte{"e2e.log": []byte("x")})},
			"the results hold no junit_01.xml", "clean apply wait e2e-sig-network logs tarball clean"},
		{"results not a tarball", &fakeCluster{tarball: []byte("not gzip")}, "results tarball", "clean apply wait e2e-sig-network logs tarball clean"},
		{"an earlier run cannot be removed", &fakeCluster{cleanErr: errors.New("namespace stuck")}, "removing what an earlier run left: namespace stuck", "clean"},
		{"cleanup after fails", &fakeCluster{tarball: tarballOf(t, map[string][]byte{"junit_01.xml": junit})}, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.cause == "" { // a run whose own cleanup fails afterwards is an error, even if its specs passed
				tc.f.tarball = tarballOf(t, map[string][]byte{"junit_01.xml": junit})
				failing := &cleanAfterFails{fakeCluster: tc.f}
				run := RunSuite(context.Background(), failing, testJob(t), nil)
				if run.Verdict != Error || !strings.Contains(run.Reason, "removing its namespace") {
					t.Errorf("verdict %s %q", run.Verdict, run.Reason)
				}
				return
			}
			run := RunSuite(context.Background(), tc.f, testJob(t), nil)
			if run.Verdict != Error || !strings.Contains(run.Reason, tc.cause) {
				t.Errorf("verdict %s %q, want error %q", run.Verdict, run.Reason, tc.cause)
			}
			if got := strings.Join(tc.f.calls, " "); got != tc.calls {
				t.Errorf("calls %q, want %q", got, tc.calls)
			}
		})
	}
}

// cleanAfterFails cleans fine before the run and fails after it.
type cleanAfterFails struct {
	*fakeCluster
	n int
}

func (c *cleanAfterFails) Clean(ctx context.Context) error {
	c.n++
	if c.n > 1 {
		return errors.New("namespace stuck terminating")
	}
	return nil
}

func TestRunSuiteNotApplicableTouchesNothing(t *testing.T) {
	j := testJob(t)
	j.Selection.NotApplicable = "not applicable: flannel does not enforce NetworkPolicy"
	f := &fakeCluster{}
	run := RunSuite(context.Background(), f, j, nil)
	if run.Verdict != NotApplicable || len(f.calls) != 0 {
		t.Errorf("verdict %s, calls %v", run.Verdict, f.calls)
	}
}
