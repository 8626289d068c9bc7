package istio

import (
	"bytes"
	"context"
	"fmt"
	"net/netip"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/provision/helm"
	"github.com/netlab-dev/netlab/provision/istio/meshca"
	"github.com/netlab-dev/netlab/provision/kube"
)

// This file installs the mesh into one cluster and joins the clusters; the step of 'up' (package
// provision/steps/mesh) calls it for every member.

// Member is one cluster of the mesh as Install needs it.
type Member struct {
	Cluster plan.IstioClusterPlan
	Values  ClusterValues
	CACerts map[string][]byte // the cacerts secret's data (meshca.CA.SecretData)
}

// ImagesFor are the images a mesh runs: netlab's own build of istiod and the proxyless agent on
// one network; Istio's published images, with Envoy, where east-west gateways are needed.
func ImagesFor(p *plan.IstioPlan) Images {
	if p.MultiNetwork {
		return UpstreamImages
	}
	return LocalImages
}

// Refs are the image references of im that a mesh member's nodes need.
func (im Images) Refs() []string {
	return []string{im.Hub + "/pilot:" + im.Tag, im.Hub + "/proxyv2:" + im.Tag}
}

// Install reconciles the mesh in one cluster, in the order istiod needs: the istio-system
// namespace labelled with the member's network, the cacerts secret (before istiod starts, or
// istiod makes a root of its own), Istio's base and istiod charts (and on several networks the
// east-west gateway and its AUTO_PASSTHROUGH Gateway), each applied through the Helm SDK and
// waited for. It returns this cluster as a remote-secret target: the reader's token and the
// cluster's CA, and its control plane's address. Each wait is bounded by timeout.
func Install(ctx context.Context, kc *kube.Client, m Member, timeout time.Duration) (Target, error) {
	if err := ensureNamespace(ctx, kc, m.Cluster.Network); err != nil {
		return Target{}, err
	}
	if err := ensureSecret(ctx, kc, &corev1.Secret{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: metav1.ObjectMeta{Name: meshca.SecretName, Namespace: Namespace},
		Data:       m.CACerts,
	}); err != nil {
		return Target{}, err
	}
	rels, err := m.Values.releases()
	if err != nil {
		return Target{}, fmt.Errorf("cluster %s: %w", m.Cluster.Cluster, err)
	}
	hc := helm.New(kc.Kubeconfig, nil)
	for _, r := range rels {
		ch, err := r.chart.Load()
		if err != nil {
			return Target{}, err
		}
		if _, err := hc.ApplyChart(ctx, r.Release, ch, timeout); err != nil {
			return Target{}, fmt.Errorf("cluster %s: %w", m.Cluster.Cluster, err)
		}
	}
	if m.Values.EastWest != nil {
		if err := kc.Apply(ctx, []*unstructured.Unstructured{CrossNetworkGateway()}); err != nil {
			return Target{}, fmt.Errorf("cluster %s: the cross-network Gateway: %w", m.Cluster.Cluster, err)
		}
	}
	token, ca, err := readerToken(ctx, kc, timeout)
	if err != nil {
		return Target{}, fmt.Errorf("cluster %s: %w", m.Cluster.Cluster, err)
	}
	addr, err := ControlPlaneAddress(ctx, kc)
	if err != nil {
		return Target{}, fmt.Errorf("cluster %s: %w", m.Cluster.Cluster, err)
	}
	return Target{Cluster: m.Cluster.Cluster, Address: addr, CA: ca, Token: token}, nil
}

// release is a Helm release of one of Istio's charts.
type release struct {
	helm.Release
	chart Chart
}

// releases are the member's releases in install order: base, istiod, then the east-west gateway
// when there is one.
func (v ClusterValues) releases() ([]release, error) {
	var out []release
	add := func(name string, c Chart, vals helm.Values, err error) error {
		if err != nil {
			return fmt.Errorf("values of %s: %w", name, err)
		}
		out = append(out, release{Release: helm.Release{Name: name, Namespace: Namespace, Chart: c.Pin(), Values: vals}, chart: c})
		return nil
	}
	base, err := helm.ValuesOf(v.Base)
	if err := add(BaseRelease, BaseChart, base, err); err != nil {
		return nil, err
	}
	istiod, err := helm.ValuesOf(v.Istiod)
	if err := add(IstiodRelease, IstiodChart, istiod, err); err != nil {
		return nil, err
	}
	if v.EastWest != nil {
		gw, err := helm.ValuesOf(*v.EastWest)
		if err := add(EastWestRelease, GatewayChart, gw, err); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// CrossNetworkGateway is the Gateway of Istio's multi-network guide: the east-west gateway passes
// mTLS through by SNI on 15443 for every *.local service, without terminating it.
func CrossNetworkGateway() *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]interface{}{
		"apiVersion": "networking.istio.io/v1",
		"kind":       "Gateway",
		"metadata":   map[string]interface{}{"name": "cross-network-gateway", "namespace": Namespace},
		"spec": map[string]interface{}{
			"selector": map[string]interface{}{"istio": "eastwestgateway"},
			"servers": []interface{}{map[string]interface{}{
				"port":  map[string]interface{}{"number": int64(15443), "name": "tls", "protocol": "TLS"},
				"tls":   map[string]interface{}{"mode": "AUTO_PASSTHROUGH"},
				"hosts": []interface{}{"*.local"},
			}},
		},
	}}
}

// ensureNamespace creates istio-system, or sets its network label (topology.istio.io/network),
// which istiod reads to place the cluster's workloads on their network.
func ensureNamespace(ctx context.Context, kc *kube.Client, network string) error {
	nss := kc.Clientset.CoreV1().Namespaces()
	ns, err := nss.Get(ctx, Namespace, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		_, err = nss.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: Namespace, Labels: map[string]string{networkLabel: network}}}, metav1.CreateOptions{})
		if err != nil {
			return fmt.Errorf("create namespace %s: %w", Namespace, err)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("namespace %s: %w", Namespace, err)
	}
	if ns.Labels[networkLabel] == network {
		return nil
	}
	if ns.Labels == nil {
		ns.Labels = map[string]string{}
	}
	ns.Labels[networkLabel] = network
	if _, err := nss.Update(ctx, ns, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("label namespace %s with %s=%s: %w", Namespace, networkLabel, network, err)
	}
	return nil
}

// ensureSecret creates s, or updates it when its data or metadata differ.
func ensureSecret(ctx context.Context, kc *kube.Client, s *corev1.Secret) error {
	secrets := kc.Clientset.CoreV1().Secrets(s.Namespace)
	old, err := secrets.Get(ctx, s.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		if _, err := secrets.Create(ctx, s, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("create secret %s/%s: %w", s.Namespace, s.Name, err)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("secret %s/%s: %w", s.Namespace, s.Name, err)
	}
	if sameData(old.Data, s.Data) && sameMap(old.Labels, s.Labels) && sameMap(old.Annotations, s.Annotations) {
		return nil
	}
	upd := s.DeepCopy()
	upd.ResourceVersion = old.ResourceVersion
	if _, err := secrets.Update(ctx, upd, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("update secret %s/%s: %w", s.Namespace, s.Name, err)
	}
	return nil
}

// ApplyRemoteSecret puts a remote secret into a cluster (created, or updated when it differs).
func ApplyRemoteSecret(ctx context.Context, kc *kube.Client, s *corev1.Secret) error {
	return ensureSecret(ctx, kc, s)
}

// readerToken makes the reader's long-lived token secret and waits until Kubernetes has filled in
// its token and CA.
func readerToken(ctx context.Context, kc *kube.Client, timeout time.Duration) (token, ca []byte, err error) {
	secrets := kc.Clientset.CoreV1().Secrets(Namespace)
	if _, err := secrets.Get(ctx, ReaderTokenSecret, metav1.GetOptions{}); apierrors.IsNotFound(err) {
		if _, err := secrets.Create(ctx, ReaderToken(), metav1.CreateOptions{}); err != nil {
			return nil, nil, fmt.Errorf("create the reader's token secret: %w", err)
		}
	} else if err != nil {
		return nil, nil, err
	}
	err = kube.Poll(ctx, timeout, func(ctx context.Context) (bool, string, error) {
		s, err := secrets.Get(ctx, ReaderTokenSecret, metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		var ok bool
		token, ca, ok = TokenData(s)
		return ok, "Kubernetes has not filled in secret " + Namespace + "/" + ReaderTokenSecret + " yet", nil
	})
	return token, ca, err
}

// ControlPlaneAddress is the InternalIP of the cluster's first control-plane node: its address
// on the VPC, which the other clusters' Pods reach through the transit gateway and which the API
// server's certificate names (kubeadm's advertise address).
func ControlPlaneAddress(ctx context.Context, kc *kube.Client) (netip.Addr, error) {
	nodes, err := kc.Clientset.CoreV1().Nodes().List(ctx, metav1.ListOptions{LabelSelector: "node-role.kubernetes.io/control-plane"})
	if err != nil {
		return netip.Addr{}, fmt.Errorf("control-plane nodes: %w", err)
	}
	for _, n := range nodes.Items {
		for _, a := range n.Status.Addresses {
			if a.Type != corev1.NodeInternalIP {
				continue
			}
			if ip, err := netip.ParseAddr(a.Address); err == nil && ip.Is4() {
				return ip, nil
			}
		}
	}
	return netip.Addr{}, fmt.Errorf("no control-plane node with an IPv4 InternalIP")
}

func sameData(a, b map[string][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || !bytes.Equal(v, w) {
			return false
		}
	}
	return true
}

func sameMap(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || v != w {
			return false
		}
	}
	return true
}
