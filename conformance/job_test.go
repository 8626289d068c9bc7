package conformance

import (
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	batchv1 "k8s.io/api/batch/v1"

	"github.com/netlab-dev/netlab/internal/golden"
)

// The Job runs upstream's runner with its own environment contract (go-runner's E2E_* variables),
// so that the same objects serve netlab's hermetic image and upstream's.
func TestObjectsGolden(t *testing.T) {
	objs, err := Objects(testJob(t))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, o := range objs {
		y, err := yaml.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString("---\n")
		b.Write(y)
	}
	golden.Check(t, "testdata/objects-sig-network.yaml", []byte(b.String()))

	job := objs[3].(*batchv1.Job)
	env := map[string]string{}
	for _, e := range job.Spec.Template.Spec.Containers[0].Env {
		env[e.Name] = e.Value
	}
	if env["E2E_FOCUS"] != SigNetwork.Focus || !strings.Contains(env["E2E_SKIP"], "Internet connection") ||
		env["E2E_PARALLEL"] != "false" || env["RESULTS_DIR"] != ResultsDir || !strings.Contains(env["E2E_EXTRA_GINKGO_ARGS"], "--timeout=9m0s") {
		t.Errorf("env %v", env)
	}
	if *job.Spec.ActiveDeadlineSeconds != 600 || *job.Spec.BackoffLimit != 0 {
		t.Errorf("deadline %d, backoff %d", *job.Spec.ActiveDeadlineSeconds, *job.Spec.BackoffLimit)
	}
}

func TestObjectsRefuses(t *testing.T) {
	j := testJob(t)
	j.Deadline = time.Minute
	if _, err := Objects(j); err == nil || !strings.Contains(err.Error(), "at least 2m") {
		t.Errorf("short deadline: %v", err)
	}
	j = testJob(t)
	j.Selection.Focus = "("
	if _, err := Objects(j); err == nil || !strings.Contains(err.Error(), "focus") {
		t.Errorf("bad focus: %v", err)
	}
}
