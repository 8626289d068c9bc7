package conformance

import (
	"fmt"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// Names of what a run creates in a cluster (and removes after it).
const (
	// Namespace holds the runner Jobs and their service account.
	Namespace = "netlab-conformance"
	// ServiceAccount runs the suite; ClusterRoleBinding makes it cluster-admin, as the suite
	// creates namespaces, CRDs and cluster-scoped objects of its own (hydrophone does the same).
	ServiceAccount     = "netlab-conformance"
	ClusterRoleBinding = "netlab-conformance"
	// RunnerContainer runs go-runner (ginkgo and e2e.test); ResultsContainer is netlab's image,
	// holding the results directory they share until netlab has read it.
	RunnerContainer  = "e2e"
	ResultsContainer = "results"
	// ResultsDir is where go-runner writes e2e.log, junit_01.xml, the tarball of both and "done".
	ResultsDir = "/tmp/results"
	// RunnerRepo is upstream's conformance image; its tag is the cluster's server version.
	RunnerRepo = "registry.k8s.io/conformance"
)

// Runner is upstream's conformance image for a cluster whose API server reports serverVersion
// (its gitVersion, such as v1.33.13): the suite must match the cluster's version.
func Runner(serverVersion string) string { return RunnerRepo + ":" + serverVersion }

// JobName is the Job that runs suite s.
func JobName(s Suite) string { return "e2e-" + s.Name }

// Job is what Objects needs to run one selection.
type Job struct {
	Selection Selection
	// RunnerImage is the conformance image; ResultsImage netlab's own (already on every node).
	RunnerImage  string
	ResultsImage string
	// Deadline bounds the run: the Job's activeDeadlineSeconds, and ginkgo's own --timeout
	// a little under it so that the suite reports before it is killed.
	Deadline time.Duration
}

var labels = map[string]string{"app.kubernetes.io/part-of": "netlab", "app.kubernetes.io/component": "conformance"}

// Objects are what a run creates in a cluster, in apply order: the namespace, the service account
// and its binding, and the Job.
func Objects(j Job) ([]runtime.Object, error) {
	if err := j.Selection.Validate(); err != nil {
		return nil, err
	}
	if j.Deadline < 2*time.Minute {
		return nil, fmt.Errorf("deadline %s: want at least 2m", j.Deadline)
	}
	ginkgoTimeout := j.Deadline - time.Minute
	deadline := int64(j.Deadline / time.Second)
	tmp := corev1.VolumeMount{Name: "tmp", MountPath: "/tmp"}
	env := []corev1.EnvVar{
		{Name: "E2E_FOCUS", Value: j.Selection.Focus},
		{Name: "E2E_SKIP", Value: j.Selection.SkipPattern()},
		{Name: "E2E_PROVIDER", Value: "skeleton"}, // no cloud; "local" would let specs try SSH to the nodes
		{Name: "E2E_PARALLEL", Value: "false"},
		{Name: "RESULTS_DIR", Value: ResultsDir},
		{Name: "KUBECONFIG", Value: ""},
		// --v: a line per finished spec, which is netlab's progress; --silence-skips: none for
		// the thousands of specs outside the focus.
		{Name: "E2E_EXTRA_GINKGO_ARGS", Value: strings.Join([]string{"--v", "--silence-skips", "--timeout=" + ginkgoTimeout.String()}, " ")},
	}
	job := &batchv1.Job{
		TypeMeta:   metav1.TypeMeta{APIVersion: "batch/v1", Kind: "Job"},
		ObjectMeta: metav1.ObjectMeta{Name: JobName(j.Selection.Suite), Namespace: Namespace, Labels: labels},
		Spec: batchv1.JobSpec{
			BackoffLimit:          ptr(int32(0)),
			ActiveDeadlineSeconds: &deadline,
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					ServiceAccountName: ServiceAccount,
					RestartPolicy:      corev1.RestartPolicyNever,
					Tolerations:        []corev1.Toleration{{Operator: corev1.TolerationOpExists}},
					Volumes:            []corev1.Volume{{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}},
					Containers: []corev1.Container{
						{
							Name: RunnerContainer, Image: j.RunnerImage, ImagePullPolicy: corev1.PullIfNotPresent,
							Env: env, VolumeMounts: []corev1.VolumeMount{tmp},
						},
						{
							Name: ResultsContainer, Image: j.ResultsImage, ImagePullPolicy: corev1.PullNever,
							Args:         []string{"probe", "results", "--dir", ResultsDir, "--hold", (j.Deadline + 5*time.Minute).String()},
							VolumeMounts: []corev1.VolumeMount{tmp},
						},
					},
				},
			},
		},
	}
	return []runtime.Object{
		&corev1.Namespace{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"}, ObjectMeta: metav1.ObjectMeta{Name: Namespace, Labels: labels}},
		&corev1.ServiceAccount{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"}, ObjectMeta: metav1.ObjectMeta{Name: ServiceAccount, Namespace: Namespace, Labels: labels}},
		&rbacv1.ClusterRoleBinding{
			TypeMeta:   metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRoleBinding"},
			ObjectMeta: metav1.ObjectMeta{Name: ClusterRoleBinding, Labels: labels},
			RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "cluster-admin"},
			Subjects:   []rbacv1.Subject{{Kind: "ServiceAccount", Name: ServiceAccount, Namespace: Namespace}},
		},
		job,
	}, nil
}

func ptr[T any](v T) *T { return &v }
