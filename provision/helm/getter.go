package helm

import (
	"fmt"
	"sync"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// getter is the RESTClientGetter Helm's action configuration needs, built in memory from a
// kubeconfig and a namespace: no file, no HELM_* or KUBECONFIG environment is read.
type getter struct {
	kubeconfig []byte
	namespace  string

	once      sync.Once
	discovery discovery.CachedDiscoveryInterface
	err       error
}

func (g *getter) ToRawKubeConfigLoader() clientcmd.ClientConfig {
	cfg, err := clientcmd.Load(g.kubeconfig)
	if err != nil {
		// ClientConfig() then reports it, with the same error each time.
		return brokenConfig{fmt.Errorf("kubeconfig: %w", err)}
	}
	overrides := &clientcmd.ConfigOverrides{}
	overrides.Context.Namespace = g.namespace
	return clientcmd.NewDefaultClientConfig(*cfg, overrides)
}

func (g *getter) ToRESTConfig() (*rest.Config, error) {
	return g.ToRawKubeConfigLoader().ClientConfig()
}

func (g *getter) ToDiscoveryClient() (discovery.CachedDiscoveryInterface, error) {
	g.once.Do(func() {
		cfg, err := g.ToRESTConfig()
		if err != nil {
			g.err = err
			return
		}
		dc, err := discovery.NewDiscoveryClientForConfig(cfg)
		if err != nil {
			g.err = err
			return
		}
		g.discovery = memory.NewMemCacheClient(dc)
	})
	return g.discovery, g.err
}

func (g *getter) ToRESTMapper() (meta.RESTMapper, error) {
	dc, err := g.ToDiscoveryClient()
	if err != nil {
		return nil, err
	}
	return restmapper.NewDeferredDiscoveryRESTMapper(dc), nil
}

// brokenConfig is a ClientConfig for a kubeconfig that does not parse: every use reports why.
type brokenConfig struct{ err error }

func (b brokenConfig) RawConfig() (clientcmdapi.Config, error) { return clientcmdapi.Config{}, b.err }
func (b brokenConfig) ClientConfig() (*rest.Config, error)     { return nil, b.err }
func (b brokenConfig) Namespace() (string, bool, error)        { return "", false, b.err }
func (b brokenConfig) ConfigAccess() clientcmd.ConfigAccess    { return nil }
