package istio

import (
	"errors"
	"fmt"
	"net/netip"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/netlab-dev/netlab/internal/names"
)

// This file holds the remote secrets: how each istiod reads the other clusters' API servers. The
// objects are the ones 'istioctl create-remote-secret' makes, built here as typed values.

// Names Istio gives the reader's objects (the base chart creates the service account; the
// istiod chart binds its ClusterRole).
const (
	Namespace          = "istio-system"
	ReaderAccount      = "istio-reader-service-account"
	ReaderTokenSecret  = ReaderAccount + "-istio-remote-secret-token"
	remoteSecretPrefix = "istio-remote-secret-"
	multiClusterLabel  = "istio/multiCluster"          // istiod watches secrets with this label
	clusterAnnotation  = "networking.istio.io/cluster" // the cluster the secret reaches
	networkLabel       = "topology.istio.io/network"
	apiServerPort      = 6443
)

// ReaderToken is the long-lived token secret of the reader service account, in the cluster being
// read. Kubernetes fills in its token and ca.crt.
func ReaderToken() *corev1.Secret {
	return &corev1.Secret{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: metav1.ObjectMeta{
			Name: ReaderTokenSecret, Namespace: Namespace,
			Annotations: map[string]string{corev1.ServiceAccountNameKey: ReaderAccount},
		},
		Type: corev1.SecretTypeServiceAccountToken,
	}
}

// TokenData reads the token and the cluster's CA from a filled-in reader token secret; ok is
// false while Kubernetes has not filled it in.
func TokenData(s *corev1.Secret) (token, ca []byte, ok bool) {
	token, ca = s.Data[corev1.ServiceAccountTokenKey], s.Data[corev1.ServiceAccountRootCAKey]
	return token, ca, len(token) > 0 && len(ca) > 0
}

// Target is the cluster a remote secret reaches.
type Target struct {
	Cluster string     // its name in the mesh (the clusterName istiod there runs with)
	Address netip.Addr // its control plane's VPC address: routable from the other clusters' Pods
	CA      []byte     // the API server's CA (PEM)
	Token   []byte     // the reader's token
}

// Server is the API server's URL as the other clusters' Pods dial it.
func (t Target) Server() string {
	return "https://" + netip.AddrPortFrom(t.Address, apiServerPort).String()
}

// RemoteSecretName is the name of the secret, in every other cluster, that reaches cluster.
func RemoteSecretName(cluster string) string { return names.IstioRemoteSecret(cluster) }

// RemoteSecret is the secret istiod in another cluster reads to watch t's API server: a
// kubeconfig with the reader's token, the VPC address of t's control plane and t's CA.
// A loopback or unspecified address is refused: istiod would dial itself (istio#31081).
func RemoteSecret(t Target) (*corev1.Secret, error) {
	switch {
	case t.Cluster == "":
		return nil, errors.New("remote secret: no cluster name")
	case !t.Address.IsValid() || t.Address.IsLoopback() || t.Address.IsUnspecified():
		return nil, fmt.Errorf("remote secret for cluster %s: address %q is not one other clusters can reach; use the control plane's VPC address", t.Cluster, t.Address)
	case len(t.CA) == 0 || len(t.Token) == 0:
		return nil, fmt.Errorf("remote secret for cluster %s: the reader's token or the cluster's CA is empty", t.Cluster)
	}
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters[t.Cluster] = &clientcmdapi.Cluster{Server: t.Server(), CertificateAuthorityData: t.CA}
	cfg.AuthInfos[t.Cluster] = &clientcmdapi.AuthInfo{Token: string(t.Token)}
	cfg.Contexts[t.Cluster] = &clientcmdapi.Context{Cluster: t.Cluster, AuthInfo: t.Cluster}
	cfg.CurrentContext = t.Cluster
	if err := clientcmd.Validate(*cfg); err != nil {
		return nil, fmt.Errorf("remote secret for cluster %s: %w", t.Cluster, err)
	}
	data, err := clientcmd.Write(*cfg)
	if err != nil {
		return nil, fmt.Errorf("remote secret for cluster %s: %w", t.Cluster, err)
	}
	return &corev1.Secret{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: metav1.ObjectMeta{
			Name:        RemoteSecretName(t.Cluster),
			Namespace:   Namespace,
			Labels:      map[string]string{multiClusterLabel: "true"},
			Annotations: map[string]string{clusterAnnotation: t.Cluster},
		},
		Data: map[string][]byte{t.Cluster: data},
	}, nil
}
