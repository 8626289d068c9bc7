// Package live runs 'netlab conformance' against a running lab: it makes the suite's images
// available in each selected cluster's nodes, runs each suite as a Job there (conformance.RunSuite
// through kubeCluster, its API server) in parallel across clusters, and reads the lab's egress
// guard before and after.
package live

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	utilexec "k8s.io/client-go/util/exec"

	"github.com/netlab-dev/netlab/conformance"
	"github.com/netlab-dev/netlab/provision/kube"
)

// kubeCluster is conformance.Cluster on a cluster's API server.
type kubeCluster struct {
	name string
	kube *kube.Client
	// stream has no client timeout: it follows the runner's output for as long as the suite runs.
	stream kubernetes.Interface
}

func newKubeCluster(name string, k *kube.Client) (*kubeCluster, error) {
	cfg := rest.CopyConfig(k.Config)
	cfg.Timeout = 0
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	return &kubeCluster{name: name, kube: k, stream: cs}, nil
}

func (c *kubeCluster) Name() string { return c.name }

func (c *kubeCluster) Apply(ctx context.Context, objs []runtime.Object) error {
	u, err := kube.Unstructured(objs)
	if err != nil {
		return err
	}
	return c.kube.Apply(ctx, u)
}

// suiteNamespaces selects the namespaces the e2e framework creates for its specs (it labels each
// with its run's ID). It deletes them itself after each spec; a run that was interrupted leaves
// them, and Clean removes them.
const suiteNamespaces = "e2e-run"

// Clean deletes the binding, the namespace, and any namespace the suite left, and waits (at most
// three minutes) until netlab's namespace is gone.
func (c *kubeCluster) Clean(ctx context.Context) error {
	cs := c.kube.Clientset
	left, err := cs.CoreV1().Namespaces().List(ctx, metav1.ListOptions{LabelSelector: suiteNamespaces})
	if err != nil {
		return err
	}
	bg := metav1.DeletePropagationBackground
	for _, ns := range left.Items {
		if err := kube.IgnoreNotFound(cs.CoreV1().Namespaces().Delete(ctx, ns.Name, metav1.DeleteOptions{PropagationPolicy: &bg})); err != nil {
			return err
		}
	}
	if err := kube.IgnoreNotFound(cs.RbacV1().ClusterRoleBindings().Delete(ctx, conformance.ClusterRoleBinding, metav1.DeleteOptions{})); err != nil {
		return err
	}
	if err := kube.IgnoreNotFound(cs.CoreV1().Namespaces().Delete(ctx, conformance.Namespace, metav1.DeleteOptions{PropagationPolicy: &bg})); err != nil {
		return err
	}
	return kube.Poll(ctx, 3*time.Minute, func(ctx context.Context) (bool, string, error) {
		_, err := cs.CoreV1().Namespaces().Get(ctx, conformance.Namespace, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return true, "", nil
		}
		if err != nil {
			return false, err.Error(), nil
		}
		return false, "namespace " + conformance.Namespace + " is terminating", nil
	})
}

// pod is the Job's Pod, once there is one.
func (c *kubeCluster) pod(ctx context.Context, job string) (*corev1.Pod, error) {
	pods, err := c.kube.Clientset.CoreV1().Pods(conformance.Namespace).List(ctx, metav1.ListOptions{LabelSelector: "job-name=" + job})
	if err != nil {
		return nil, err
	}
	for i := range pods.Items {
		if pods.Items[i].DeletionTimestamp == nil {
			return &pods.Items[i], nil
		}
	}
	return nil, nil
}

// cannotStart are the waiting reasons after which the runner never starts by itself.
var cannotStart = map[string]bool{
	"ErrImagePull": true, "ImagePullBackOff": true, "ErrImageNeverPull": true, "InvalidImageName": true,
	"CreateContainerConfigError": true, "CreateContainerError": true, "RunContainerError": true,
}

// WaitStarted waits at most five minutes for the runner container to run.
func (c *kubeCluster) WaitStarted(ctx context.Context, job string) error {
	return kube.Poll(ctx, 5*time.Minute, func(ctx context.Context) (bool, string, error) {
		p, err := c.pod(ctx, job)
		if err != nil {
			return false, err.Error(), nil
		}
		if p == nil {
			return false, "no Pod of Job " + job + " yet", nil
		}
		for _, st := range p.Status.ContainerStatuses {
			if st.Name != conformance.RunnerContainer {
				continue
			}
			switch {
			case st.State.Running != nil || st.State.Terminated != nil:
				return true, "", nil
			case st.State.Waiting != nil && cannotStart[st.State.Waiting.Reason]:
				return false, "", fmt.Errorf("container %s of Pod %s: %s: %s", st.Name, p.Name, st.State.Waiting.Reason, st.State.Waiting.Message)
			case st.State.Waiting != nil:
				return false, st.State.Waiting.Reason, nil
			}
		}
		return false, "Pod " + p.Name + " is " + string(p.Status.Phase), nil
	})
}

func (c *kubeCluster) Logs(ctx context.Context, job string) (io.ReadCloser, error) {
	p, err := c.pod(ctx, job)
	if err != nil {
		return nil, err
	}
	if p == nil {
		return nil, fmt.Errorf("the Job %s has no Pod", job)
	}
	return c.stream.CoreV1().Pods(conformance.Namespace).GetLogs(p.Name, &corev1.PodLogOptions{Container: conformance.RunnerContainer, Follow: true}).Stream(ctx)
}

// resultsCommand is what Tarball execs in the results container (netlab's image: /netlab).
var resultsCommand = []string{"/netlab", "probe", "results", "--dir", conformance.ResultsDir, "--tarball"}

func (c *kubeCluster) Tarball(ctx context.Context, job string) ([]byte, error) {
	p, err := c.pod(ctx, job)
	if err != nil {
		return nil, err
	}
	if p == nil {
		return nil, fmt.Errorf("the Job %s has no Pod", job)
	}
	out, stderr, err := c.kube.Exec(ctx, conformance.Namespace, p.Name, conformance.ResultsContainer, resultsCommand)
	var code utilexec.CodeExitError
	if errors.As(err, &code) && code.Code == 3 {
		return nil, conformance.ErrNotDone
	}
	if err != nil {
		return nil, fmt.Errorf("exec %v in %s/%s: %w (%s)", resultsCommand, p.Name, conformance.ResultsContainer, err, stderr)
	}
	return out, nil
}
