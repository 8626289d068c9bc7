package live

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/internal/names"
	"github.com/netlab-dev/netlab/probe"
)

// istiod's Pods and container, and its debug endpoint of endpoint shards. istiod serves its debug
// endpoints on the monitoring port (15014) to authenticated callers only, and to its own Pod's
// loopback without authentication: 'pilot-discovery request', run inside the istiod container,
// is Istio's own way in (it asks 127.0.0.1:15014).
const (
	istiodSelector  = "app=istiod"
	istiodContainer = "discovery"
	endpointShardz  = "/debug/endpointShardz"
	maxDebugReply   = 32 << 20
	restoreTimeout  = 20 * time.Second
)

// MeshEndpoints reads istiod's /debug/endpointShardz from inside the istiod Pod, and keeps
// host's shards: registry ("Kubernetes/<cluster>") to endpoint addresses.
func (l *Lab) MeshEndpoints(ctx context.Context, cluster, host string) (map[string][]string, error) {
	c, err := l.kube(cluster)
	if err != nil {
		return nil, err
	}
	pods, err := c.Kube.Clientset.CoreV1().Pods(names.IstioNamespace).List(ctx, metav1.ListOptions{LabelSelector: istiodSelector})
	checks.Record(ctx, "cluster "+cluster, "list pods "+names.IstioNamespace+" -l "+istiodSelector, "", err)
	if err != nil {
		return nil, fmt.Errorf("cluster %s: istiod's Pods: %w", cluster, err)
	}
	var pod string
	for _, p := range pods.Items {
		if p.Status.Phase == corev1.PodRunning && p.DeletionTimestamp == nil {
			pod = p.Name
			break
		}
	}
	if pod == "" {
		return nil, fmt.Errorf("cluster %s: no running istiod Pod in %s (is the mesh installed? 'netlab up' installs it)", cluster, names.IstioNamespace)
	}
	cmd := []string{"pilot-discovery", "request", "GET", endpointShardz}
	raw, stderr, err := c.Kube.Exec(ctx, names.IstioNamespace, pod, istiodContainer, cmd)
	checks.Record(ctx, "cluster "+cluster, "exec "+pod+"/"+istiodContainer+": "+strings.Join(cmd, " "), fmt.Sprintf("%d bytes", len(raw)), err)
	if err != nil {
		return nil, fmt.Errorf("cluster %s: istiod's endpoint shards (%s): %w: %s", cluster, strings.Join(cmd, " "), err, strings.TrimSpace(string(stderr)))
	}
	if len(raw) > maxDebugReply {
		return nil, fmt.Errorf("cluster %s: istiod's endpoint shards: reply of %d bytes is too large", cluster, len(raw))
	}
	return ShardsOf(raw, host)
}

// ShardsOf reads host's shards from istiod's endpointShardz reply: host, then namespace, then
// {"Shards": {registry: [endpoint]}}. istiod keeps one endpoint per Pod and Service port, so a
// Pod's address comes once per port: each registry's addresses are returned sorted and unique.
func ShardsOf(raw []byte, host string) (map[string][]string, error) {
	var all map[string]map[string]struct {
		Shards map[string][]struct {
			Addresses []string `json:"Addresses"`
		} `json:"Shards"`
	}
	if err := json.Unmarshal(raw, &all); err != nil {
		return nil, fmt.Errorf("istiod's endpoint shards: %w", err)
	}
	out := map[string][]string{}
	for _, byNS := range all[host] {
		for registry, eps := range byNS.Shards {
			for _, ep := range eps {
				out[registry] = append(out[registry], ep.Addresses...)
			}
		}
	}
	for k := range out {
		sort.Strings(out[k])
		out[k] = slices.Compact(out[k])
	}
	return out, nil
}

// RemoveRemoteSecret deletes cluster's remote secret for remote and returns its restore.
func (l *Lab) RemoveRemoteSecret(ctx context.Context, cluster, remote string) (func() error, error) {
	c, err := l.kube(cluster)
	if err != nil {
		return nil, err
	}
	secrets := c.Kube.Clientset.CoreV1().Secrets(names.IstioNamespace)
	name := names.IstioRemoteSecret(remote)
	old, err := secrets.Get(ctx, name, metav1.GetOptions{})
	checks.Record(ctx, "cluster "+cluster, "get secret "+names.IstioNamespace+"/"+name, "", err)
	if err != nil {
		return nil, fmt.Errorf("cluster %s: the remote secret for cluster %s: %w", cluster, remote, err)
	}
	err = secrets.Delete(ctx, name, metav1.DeleteOptions{})
	checks.Record(ctx, "cluster "+cluster, "delete secret "+names.IstioNamespace+"/"+name, "", err)
	if err != nil {
		return nil, fmt.Errorf("cluster %s: delete the remote secret for cluster %s: %w", cluster, remote, err)
	}
	keep := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: old.Name, Namespace: old.Namespace, Labels: old.Labels, Annotations: old.Annotations},
		Type:       old.Type,
		Data:       old.Data,
	}
	return func() error {
		// The check's own context may have ended; the repair gets a bounded one of its own.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), restoreTimeout)
		defer cancel()
		_, err := secrets.Create(rctx, keep, metav1.CreateOptions{})
		checks.Record(ctx, "cluster "+cluster, "create secret "+names.IstioNamespace+"/"+name+" (restore)", "", err)
		if err != nil {
			return fmt.Errorf("cluster %s: put back the remote secret for cluster %s: %w", cluster, remote, err)
		}
		return nil
	}, nil
}

// SetMeshMTLS sets the mTLS mode of the checks' namespace in cluster (its PeerAuthentication)
// and returns the function that puts the scenario's mode back.
func (l *Lab) SetMeshMTLS(ctx context.Context, cluster, mode string) (func() error, error) {
	c, err := l.kube(cluster)
	if err != nil {
		return nil, err
	}
	if l.Plan.Istio == nil {
		return nil, fmt.Errorf("the scenario has no mesh")
	}
	set := func(ctx context.Context, mode string) error {
		err := c.Kube.Apply(ctx, []*unstructured.Unstructured{peerAuthentication(mode)})
		checks.Record(ctx, "cluster "+cluster, "apply PeerAuthentication "+Namespace+"/"+meshPeerAuth+" mtls "+mode, "", err)
		if err != nil {
			return fmt.Errorf("cluster %s: PeerAuthentication %s/%s to %s: %w", cluster, Namespace, meshPeerAuth, mode, err)
		}
		return nil
	}
	if err := set(ctx, mode); err != nil {
		return nil, err
	}
	return func() error {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), restoreTimeout)
		defer cancel()
		return set(rctx, l.Plan.Istio.MTLS)
	}, nil
}

// GRPC makes the mesh probe's call from w: target is xds:///<name>.svc.cluster.local:<port>
// (resolved by istiod inside the Pod, every dialed address checked by the probe's own guard) or
// an address of the lab in plain gRPC.
func (l *Lab) GRPC(ctx context.Context, w Where, target string) (probe.GRPCResult, error) {
	if name, ok := strings.CutPrefix(target, "xds:///"); ok {
		host, _, _ := strings.Cut(name, ":")
		if !strings.HasSuffix(host, ".svc.cluster.local") {
			return probe.GRPCResult{Target: target}, fmt.Errorf("target %q is not a Service of the mesh (NAME.NAMESPACE.svc.cluster.local)", target)
		}
	} else if err := l.CheckTarget(target); err != nil {
		return probe.GRPCResult{Target: target}, err
	}
	var r probe.GRPCResult
	err := l.probeJSON(ctx, w, &r, "probe", "--timeout", meshCallTimeout, "grpc", target)
	return r, err
}

// meshCallTimeout bounds a mesh call: the first call through xDS waits for istiod's listener,
// route, cluster and endpoint answers.
const meshCallTimeout = "20s"
