// Package e2e holds the end-to-end tests: real kind clusters built by netlab's own code from the
// hermetic images (ci/images/build.sh), on this machine, with no registry. They run in the e2e stage
// of ci/test (NETLAB_E2E=1); see docs/ci.md. Every lab a test creates is removed when it ends,
// pass or fail.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"github.com/netlab-dev/netlab/internal/status"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/netlab-dev/netlab/docker"
	"github.com/netlab-dev/netlab/labstate"
	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/probe"
	"github.com/netlab-dev/netlab/provision"
	"github.com/netlab-dev/netlab/provision/images"
	"github.com/netlab-dev/netlab/provision/kube"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// testLog adapts t.Log to an io.Writer for progress lines.
type testLog struct{ t *testing.T }

func (w testLog) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..")
}

// planFor resolves a scenario (a built-in name or inline YAML) with the hermetic node image.
func planFor(t *testing.T, name string, yaml []byte) *plan.Plan {
	t.Helper()
	p, diags := plan.Build(name, yaml, plan.Options{NodeImage: images.HermeticNodeImage})
	if p == nil {
		t.Fatalf("scenario %s: %s", name, diags.Error())
	}
	return p
}

// up creates the lab and registers its removal, which must leave nothing behind. It returns the
// kubeconfig file it wrote the lab's contexts to (for a second 'up' of the same lab).
func up(t *testing.T, p *plan.Plan) string {
	t.Helper()
	t.Setenv("NETLAB_STATE_DIR", t.TempDir())
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	meter := startLeakMeter(t, p)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		rm, err := provision.Down(ctx, p.Lab, kubeconfig)
		if err != nil {
			t.Errorf("down: %v", err)
			return
		}
		t.Logf("down removed: %+v", *rm)
		assertNothingLeft(t, p)
		assertNoContexts(t, p, kubeconfig)
		if p.Outside.Guarded() && !rm.EgressGuard {
			t.Error("down did not remove the lab's egress guard")
		}
		meter.stop(t)
	})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	start := time.Now()
	if err := provision.Up(ctx, p, p.Source, provision.Options{Offline: true, KubeconfigPath: kubeconfig, Status: status.New(testLog{t}, 1, false)}); err != nil {
		t.Fatalf("up: %v", err)
	}
	if data, err := os.ReadFile(kubeconfig); err != nil || !bytes.Contains(data, []byte("name: "+p.Clusters[0].Context+"\n")) {
		t.Fatalf("up did not write context %s to %s: %v", p.Clusters[0].Context, kubeconfig, err)
	}
	t.Logf("up %s took %s", p.Lab, time.Since(start).Round(time.Second))
	return kubeconfig
}

func assertNothingLeft(t *testing.T, p *plan.Plan) {
	t.Helper()
	ctx := context.Background()
	eng, err := docker.Connect(ctx)
	if err != nil {
		t.Error(err)
		return
	}
	defer eng.Close()
	var kinds []string
	for _, c := range p.Clusters {
		kinds = append(kinds, c.KindName)
	}
	objs, err := eng.LabObjects(ctx, p.Lab, kinds)
	if err != nil {
		t.Error(err)
	} else if !objs.Empty() {
		t.Errorf("lab %s left Docker objects behind: %+v", p.Lab, objs)
	}
	if _, err := labstate.Load(p.Lab); err == nil {
		t.Errorf("lab %s left its state behind", p.Lab)
	}
}

// assertNoContexts checks that the kubeconfig 'up' wrote to holds none of the lab's contexts.
func assertNoContexts(t *testing.T, p *plan.Plan, kubeconfig string) {
	t.Helper()
	data, err := os.ReadFile(kubeconfig)
	if err != nil {
		return // kind removes the file when its last context goes
	}
	for _, c := range p.Clusters {
		if bytes.Contains(data, []byte("name: "+c.Context+"\n")) {
			t.Errorf("kubeconfig %s still holds context %s after down", kubeconfig, c.Context)
		}
	}
}

var (
	selfOnce sync.Once
	selfErr  error
)

// loadProbe builds netlab's own image once per test binary and side-loads it into the clusters.
func loadProbe(t *testing.T, p *plan.Plan) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	eng, err := docker.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	selfOnce.Do(func() {
		dir, err := os.MkdirTemp("", "netlab-self")
		if err != nil {
			selfErr = err
			return
		}
		defer func() { _ = os.RemoveAll(dir) }() // a temporary build directory; best effort
		bin, err := images.SelfBinary(ctx, repoRoot(), dir)
		if err == nil {
			err = images.BuildSelf(ctx, eng, bin, images.Self())
		}
		selfErr = err
	})
	if selfErr != nil {
		t.Fatalf("netlab's own image: %v", selfErr)
	}
	for _, c := range p.Clusters {
		if err := eng.LoadKindImages(ctx, nil, docker.KindImageLoad{KindCluster: c.KindName, Images: []string{images.Self()}}); err != nil {
			t.Fatal(err)
		}
	}
}

func client(t *testing.T, p *plan.Plan, name string) *kube.Client {
	t.Helper()
	kc, err := labstate.ReadFile(p.Lab, "kubeconfig-"+name)
	if err != nil {
		t.Fatal(err)
	}
	c, err := kube.New(name, kc)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// probePod is a Pod running netlab's probe with args, on node (tolerating control-plane taints).
func probePod(name, node string, args ...string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"app": name}},
		Spec: corev1.PodSpec{
			NodeName:      node,
			RestartPolicy: corev1.RestartPolicyNever,
			Tolerations:   []corev1.Toleration{{Operator: corev1.TolerationOpExists}},
			Containers: []corev1.Container{{
				Name: "probe", Image: images.Self(), ImagePullPolicy: corev1.PullNever,
				Args: args,
				Env: []corev1.EnvVar{
					{Name: "POD_NAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}}},
					{Name: "POD_IP", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "status.podIP"}}},
					{Name: "NODE_NAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "spec.nodeName"}}},
				},
			}},
		},
	}
}

// runPod creates the Pod and waits until it runs (wantDone false) or has finished (true).
func runPod(t *testing.T, c *kube.Client, pod *corev1.Pod, wantDone bool) *corev1.Pod {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	pods := c.Clientset.CoreV1().Pods("default")
	if _, err := pods.Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	var got *corev1.Pod
	err := kube.Poll(ctx, 3*time.Minute, func(ctx context.Context) (bool, string, error) {
		var err error
		got, err = pods.Get(ctx, pod.Name, metav1.GetOptions{})
		if err != nil {
			return false, err.Error(), nil
		}
		switch got.Status.Phase {
		case corev1.PodRunning:
			return !wantDone && got.Status.PodIP != "", "running", nil
		case corev1.PodSucceeded, corev1.PodFailed:
			return true, "", nil
		}
		return false, kube.PodTrouble([]corev1.Pod{*got}), nil
	})
	if err != nil {
		t.Fatalf("pod %s: %v", pod.Name, err)
	}
	return got
}

func podLogs(t *testing.T, c *kube.Client, name string) []byte {
	t.Helper()
	b, err := c.Clientset.CoreV1().Pods("default").GetLogs(name, &corev1.PodLogOptions{}).DoRaw(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// probeResult runs a client probe Pod and decodes its result line.
func probeResult(t *testing.T, c *kube.Client, name, node string, args ...string) (probe.Result, *corev1.Pod) {
	t.Helper()
	pod := runPod(t, c, probePod(name, node, append([]string{"probe"}, args...)...), true)
	out := podLogs(t, c, name)
	var r probe.Result
	// The result is the last JSON line: a failed probe also writes its error to stderr, which the
	// Pod's log holds too, before or after it.
	var line []byte
	for _, l := range bytes.Split(bytes.TrimSpace(out), []byte("\n")) {
		if l = bytes.TrimSpace(l); bytes.HasPrefix(l, []byte("{")) {
			line = l
		}
	}
	if err := json.Unmarshal(line, &r); err != nil {
		t.Fatalf("probe %s printed no result (%v):\n%s", name, err, out)
	}
	return r, pod
}

func nodeNames(t *testing.T, p *plan.Plan, cluster string) []string {
	c, ok := p.Cluster(cluster)
	if !ok {
		t.Fatalf("no cluster %s", cluster)
	}
	var out []string
	for _, n := range c.Nodes {
		out = append(out, n.Name)
	}
	return out
}
