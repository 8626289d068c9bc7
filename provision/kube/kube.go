// Package kube is netlab's small client-go layer: a client for one cluster from its kubeconfig,
// server-side apply of rendered objects, and waits that say exactly what is not ready.
package kube

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"
)

// FieldManager names netlab in server-side apply.
const FieldManager = "netlab"

// Client talks to one cluster.
type Client struct {
	Name string
	// Kubeconfig is the kubeconfig the client was built from (Helm's client is built from it).
	Kubeconfig []byte
	Config     *rest.Config
	Clientset  kubernetes.Interface
	Dynamic    dynamic.Interface
	mapper     *restmapper.DeferredDiscoveryRESTMapper
}

// New builds a client from kubeconfig bytes (its current context). name labels errors.
func New(name string, kubeconfig []byte) (*Client, error) {
	cfg, err := clientcmd.RESTConfigFromKubeConfig(kubeconfig)
	if err != nil {
		return nil, fmt.Errorf("cluster %s: kubeconfig: %w", name, err)
	}
	cfg.QPS, cfg.Burst = 50, 100
	cfg.Timeout = 30 * time.Second
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, err
	}
	return &Client{Name: name, Kubeconfig: kubeconfig, Config: cfg, Clientset: cs, Dynamic: dyn,
		mapper: restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc))}, nil
}

// Apply server-side-applies the objects in order. After CustomResourceDefinitions it waits for them
// to be established and refreshes its view of the API, so that custom resources later in the list
// can be applied in the same call.
func (c *Client) Apply(ctx context.Context, objs []*unstructured.Unstructured) error {
	for i, o := range objs {
		if err := c.applyOne(ctx, o); err != nil {
			return err
		}
		if o.GetKind() == "CustomResourceDefinition" && (i+1 == len(objs) || objs[i+1].GetKind() != "CustomResourceDefinition") {
			if err := c.waitCRDs(ctx, objs[:i+1]); err != nil {
				return err
			}
			c.mapper.Reset()
		}
	}
	return nil
}

func (c *Client) applyOne(ctx context.Context, o *unstructured.Unstructured) error {
	gvk := o.GroupVersionKind()
	m, err := c.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		c.mapper.Reset()
		if m, err = c.mapper.RESTMapping(gvk.GroupKind(), gvk.Version); err != nil {
			return fmt.Errorf("cluster %s: %s %s: the API server does not serve this kind: %w", c.Name, gvk.Kind, o.GetName(), err)
		}
	}
	var ri dynamic.ResourceInterface = c.Dynamic.Resource(m.Resource)
	if m.Scope.Name() == meta.RESTScopeNameNamespace {
		ns := o.GetNamespace()
		if ns == "" {
			ns = "default"
		}
		ri = c.Dynamic.Resource(m.Resource).Namespace(ns)
	}
	data, err := o.MarshalJSON()
	if err != nil {
		return err
	}
	force := true
	_, err = ri.Patch(ctx, o.GetName(), types.ApplyPatchType, data, metav1.PatchOptions{FieldManager: FieldManager, Force: &force})
	if err != nil {
		return fmt.Errorf("cluster %s: apply %s %s: %w", c.Name, gvk.Kind, qualified(o), err)
	}
	return nil
}

func qualified(o *unstructured.Unstructured) string {
	if o.GetNamespace() != "" {
		return o.GetNamespace() + "/" + o.GetName()
	}
	return o.GetName()
}

var crdGVR = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}

func (c *Client) waitCRDs(ctx context.Context, objs []*unstructured.Unstructured) error {
	for _, o := range objs {
		if o.GetKind() != "CustomResourceDefinition" {
			continue
		}
		name := o.GetName()
		err := Poll(ctx, time.Minute, func(ctx context.Context) (bool, string, error) {
			got, err := c.Dynamic.Resource(crdGVR).Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return false, "not found yet", nil
			}
			conds, _, _ := unstructured.NestedSlice(got.Object, "status", "conditions")
			for _, cd := range conds {
				m, _ := cd.(map[string]any)
				if m["type"] == "Established" && m["status"] == "True" {
					return true, "", nil
				}
			}
			return false, "not established", nil
		})
		if err != nil {
			return fmt.Errorf("cluster %s: CRD %s: %w", c.Name, name, err)
		}
	}
	return nil
}

// Poll calls check every second until it reports done, returns an error, or timeout passes. On
// timeout the error carries check's last explanation of what is not ready.
func Poll(ctx context.Context, timeout time.Duration, check func(context.Context) (bool, string, error)) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	why := "no answer yet"
	for {
		done, reason, err := check(ctx)
		if err != nil {
			return err
		}
		if done {
			return nil
		}
		if reason != "" {
			why = reason
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("not ready after %s: %s", timeout, why)
		case <-time.After(time.Second):
		}
	}
}

// WaitNodesReady waits until want nodes exist and all are Ready.
func (c *Client) WaitNodesReady(ctx context.Context, want int, timeout time.Duration) error {
	err := Poll(ctx, timeout, func(ctx context.Context) (bool, string, error) {
		nodes, err := c.Clientset.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, "API server: " + err.Error(), nil
		}
		var notReady []string
		for _, n := range nodes.Items {
			if !nodeReady(n) {
				notReady = append(notReady, n.Name+" ("+nodeReadyMessage(n)+")")
			}
		}
		if len(nodes.Items) < want {
			return false, fmt.Sprintf("%d of %d nodes registered", len(nodes.Items), want), nil
		}
		if len(notReady) > 0 {
			return false, "not Ready: " + strings.Join(notReady, ", "), nil
		}
		return true, "", nil
	})
	if err != nil {
		return fmt.Errorf("cluster %s: nodes %w", c.Name, err)
	}
	return nil
}

func nodeReady(n corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func nodeReadyMessage(n corev1.Node) string {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Message
		}
	}
	return "no Ready condition"
}

// WaitDaemonSet waits until every scheduled Pod of the DaemonSet is ready and up to date.
func (c *Client) WaitDaemonSet(ctx context.Context, ns, name string, timeout time.Duration) error {
	err := Poll(ctx, timeout, func(ctx context.Context) (bool, string, error) {
		ds, err := c.Clientset.AppsV1().DaemonSets(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err.Error(), nil
		}
		s := ds.Status
		if ds.Generation <= s.ObservedGeneration && s.DesiredNumberScheduled > 0 &&
			s.NumberReady == s.DesiredNumberScheduled && s.UpdatedNumberScheduled == s.DesiredNumberScheduled {
			return true, "", nil
		}
		return false, fmt.Sprintf("%d of %d Pods ready; %s", s.NumberReady, s.DesiredNumberScheduled, c.podTrouble(ctx, ns, ds.Spec.Selector)), nil
	})
	if err != nil {
		return fmt.Errorf("cluster %s: DaemonSet %s/%s %w", c.Name, ns, name, err)
	}
	return nil
}

// WaitDeployment waits until the Deployment's replicas are all available and up to date.
func (c *Client) WaitDeployment(ctx context.Context, ns, name string, timeout time.Duration) error {
	err := Poll(ctx, timeout, func(ctx context.Context) (bool, string, error) {
		d, err := c.Clientset.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err.Error(), nil
		}
		want := int32(1)
		if d.Spec.Replicas != nil {
			want = *d.Spec.Replicas
		}
		s := d.Status
		if d.Generation <= s.ObservedGeneration && s.UpdatedReplicas == want && s.AvailableReplicas == want {
			return true, "", nil
		}
		return false, fmt.Sprintf("%d of %d replicas available; %s", s.AvailableReplicas, want, c.podTrouble(ctx, ns, d.Spec.Selector)), nil
	})
	if err != nil {
		return fmt.Errorf("cluster %s: Deployment %s/%s %w", c.Name, ns, name, err)
	}
	return nil
}

// podTrouble summarises why the selected Pods are not ready.
func (c *Client) podTrouble(ctx context.Context, ns string, sel *metav1.LabelSelector) string {
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		s = labels.Everything()
	}
	pods, err := c.Clientset.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: s.String()})
	if err != nil {
		return "Pods: " + err.Error()
	}
	return PodTrouble(pods.Items)
}

// PodTrouble describes the Pods that are not ready: phase, waiting reasons with messages, node.
func PodTrouble(pods []corev1.Pod) string {
	var out []string
	for _, p := range pods {
		if podReady(p) {
			continue
		}
		var reasons []string
		for _, cs := range append(p.Status.InitContainerStatuses, p.Status.ContainerStatuses...) {
			if w := cs.State.Waiting; w != nil && w.Reason != "" {
				r := cs.Name + ": " + w.Reason
				if w.Message != "" {
					r += " (" + truncate(w.Message, 160) + ")"
				}
				reasons = append(reasons, r)
			}
			if t := cs.State.Terminated; t != nil && t.ExitCode != 0 {
				reasons = append(reasons, fmt.Sprintf("%s: exited %d %s", cs.Name, t.ExitCode, t.Reason))
			}
		}
		for _, cd := range p.Status.Conditions {
			if cd.Type == corev1.PodScheduled && cd.Status != corev1.ConditionTrue {
				reasons = append(reasons, "unschedulable: "+truncate(cd.Message, 160))
			}
		}
		if len(reasons) == 0 {
			reasons = append(reasons, string(p.Status.Phase))
		}
		where := p.Spec.NodeName
		if where == "" {
			where = "no node"
		}
		out = append(out, fmt.Sprintf("%s on %s: %s", p.Name, where, strings.Join(reasons, "; ")))
	}
	sort.Strings(out)
	if len(out) == 0 {
		return "no Pod is failing yet"
	}
	return strings.Join(out, " | ")
}

func podReady(p corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// IgnoreNotFound returns nil for a NotFound error.
func IgnoreNotFound(err error) error {
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

// ErrNotReady is wrapped by wait errors (for callers that classify failures).
var ErrNotReady = errors.New("not ready")
