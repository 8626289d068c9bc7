package catalog

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/checks/hop"
	"github.com/netlab-dev/netlab/checks/live"
	"github.com/netlab-dev/netlab/checks/report"
	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/probe"
)

// Where the ingress controller 'up' installs listens (provision/traefik): its Service in its
// namespace, with the LoadBalancer address MetalLB gives it.
const (
	ingressNamespace = "traefik"
	ingressService   = "traefik"
)

// ingress/host-path: the VPC client calls the ingress controller's LoadBalancer address with the
// check Ingress's hosts and paths (live.ingressObjects): each rule must pick its own backend (the
// echo host's "/" an echo Pod, its /pinned path and the pinned host the pinned Pod), and the
// backend must see the Host and path the client sent. Over https the controller terminates TLS
// with the certificate netlab issued from the lab's CA (it verifies for the host), and a name no
// rule has gets another certificate. Negative control: a Host no rule names gets the
// controller's 404 and no backend.
func ingressHostPath() checks.Definition {
	return checks.Definition{
		ID:      "ingress/host-path",
		Targets: each(func(c plan.ClusterPlan) bool { return c.Ingress != nil }, "has an ingress controller (add ingress: {} to a cluster)"),
		Hops:    ingressHostPathHops,
		Run: inCluster(func(ctx context.Context, env *checks.Env, l checks.Lab, c *checks.Cluster, b *builder) report.Result {
			if c.Plan.Ingress.Controller != "traefik" {
				return b.skip(fmt.Sprintf("not run here: controller %s is not installed by this version of netlab (only from upstream's images on a connected host); controller: traefik is", c.Plan.Ingress.Controller))
			}
			if c.Plan.MetalLB == nil {
				return b.skip("the ingress controller's Service is a NodePort without MetalLB; this check calls its LoadBalancer address (add metallb: {} to the cluster)")
			}
			// service/clusterip scales the echo Pods to 0, gateway/global-lb the controller, for
			// their negative controls: not meanwhile.
			unlock := l.Lock(c.Plan.Name+"/"+live.DeployEcho, false)
			defer unlock()
			unlockIngress := l.Lock("ingress/"+c.Plan.Name, false)
			defer unlockIngress()
			var svc checks.Service
			var err error
			poll(ctx, 60*time.Second, 2*time.Second, func() bool {
				svc, err = l.Service(ctx, c.Plan.Name, ingressNamespace, ingressService)
				return err == nil && svc.LoadBalancerIP() != ""
			})
			if err != nil {
				return b.errorf("the ingress controller's Service: %v", err)
			}
			ip := svc.LoadBalancerIP()
			b.add("the controller's Service has an address from the MetalLB pool", orText(ip, "none"), strings.Join(c.Plan.MetalLB.Addresses, ","), ip != "" && InPool(ip, c.Plan.MetalLB.Addresses))
			if ip == "" {
				return b.done("no LoadBalancer address for the ingress controller")
			}
			client, err := l.ClientFor(c.Plan)
			if err != nil {
				return b.errorf("%v", err)
			}
			echo, err := runningPods(ctx, l, c, live.DeployEcho)
			if err != nil {
				return b.errorf("%v", err)
			}
			pinned, err := runningPods(ctx, l, c, live.DeployPinned)
			if err != nil {
				return b.errorf("%v", err)
			}
			from := checks.InClient(client)
			get := func(host, path string) (probe.Result, error) {
				return l.HTTP(ctx, from, "http://"+ip+path, host)
			}
			echoHost, pinnedHost := live.IngressHostEcho(c.Plan), live.IngressHostPinned(c.Plan)
			cases := []struct {
				host, path string
				want       []checks.Pod
				backend    string
			}{
				{echoHost, "/", echo, live.DeployEcho},
				{echoHost, live.IngressPathPinned + "/x", pinned, live.DeployPinned},
				{pinnedHost, "/", pinned, live.DeployPinned},
			}
			for i, k := range cases {
				var r probe.Result
				var err error
				if i == 0 {
					// The controller learns the Ingress from the API server: give it time once.
					poll(ctx, 60*time.Second, 2*time.Second, func() bool { r, err = get(k.host, k.path); return answered(r, err) })
				} else {
					r, err = get(k.host, k.path)
				}
				b.add(fmt.Sprintf("Host %s, path %s -> a Pod of %s", k.host, k.path, k.backend), ingressSeen(r, err), "one of "+podNames(k.want), answered(r, err) && slices.ContainsFunc(k.want, func(p checks.Pod) bool { return p.Name == r.Server.Server.PodName }))
				if answered(r, err) {
					h := r.Server.HTTP
					got := "no HTTP report"
					if h != nil {
						got = h.Host + " " + h.Path
					}
					b.add("the backend saw the Host and path sent", got, k.host+" "+k.path, h != nil && h.Host == k.host && h.Path == k.path)
				}
			}
			// TLS: the echo host over https (its name as SNI) is answered by its backend, with the
			// certificate netlab issued from the lab's CA; a name no rule has gets another one.
			unknown := "nobody." + c.Plan.Name + ".netlab.test"
			ca, caErr := l.LabCA()
			if caErr != nil {
				return b.errorf("%v", caErr)
			}
			rt, terr := l.HTTP(ctx, from, "https://"+ip+"/", echoHost)
			b.add("https, server name "+echoHost+" -> a Pod of "+live.DeployEcho, ingressSeen(rt, terr), "one of "+podNames(echo), answered(rt, terr) && slices.ContainsFunc(echo, func(p checks.Pod) bool { return p.Name == rt.Server.Server.PodName }))
			b.add("the certificate the client saw is the lab's", certSeen(rt), "issued by "+ca.Subject()+" for "+echoHost, rt.TLS != nil && ca.Verify([]byte(rt.TLS.LeafPEM), echoHost, time.Now()) == nil)
			ru, _ := l.HTTP(ctx, from, "https://"+ip+"/", unknown)
			b.add("a server name no rule has gets a certificate that is not the lab's", certSeen(ru), "not issued by "+ca.Subject(), ru.TLS != nil && ca.Verify([]byte(ru.TLS.LeafPEM), unknown, time.Now()) != nil)

			// Negative control: a Host no rule names.
			r, nerr := get(unknown, "/")
			b.negative("a Host no rule names ("+unknown+")", r.HTTPStatus == 404 && !answered(r, nerr), ingressSeen(r, nerr), "HTTP 404 from the controller, no backend")
			return b.done(fmt.Sprintf("%s: two hosts and two paths to their own backends through %s", ip, c.Plan.Ingress.Controller))
		}),
	}
}

// ingressSeen is one line of what an HTTP call through the controller showed.
func ingressSeen(r probe.Result, err error) string {
	if answered(r, err) {
		return fmt.Sprintf("HTTP %d from %s (source %s)", r.HTTPStatus, r.Server.Server.PodName, r.Server.RemoteIP)
	}
	if r.HTTPStatus != 0 {
		return fmt.Sprintf("HTTP %d, not from a backend", r.HTTPStatus)
	}
	return seen(r, err)
}

// certSeen is the certificate an https call was shown, in one line.
func certSeen(r probe.Result) string {
	if r.TLS == nil {
		return orText(r.Error, "no TLS handshake")
	}
	return fmt.Sprintf("%s (%v), issued by %s, %s", r.TLS.Subject, r.TLS.DNSNames, r.TLS.Issuer, r.TLS.Version)
}

func podNames(ps []checks.Pod) string {
	var names []string
	for _, p := range ps {
		names = append(names, p.Name)
	}
	return strings.Join(names, ",")
}

func ingressHostPathHops(x *hop.Context) []string {
	return []string{
		x.Client() + " -> the ingress controller's LoadBalancer IP (MetalLB) -> kube-proxy -> the Traefik Pod",
		"Traefik matches the Host header and the longest path prefix against the Ingress rules",
		"it proxies to the matching Service's endpoints (a backend Pod); an unknown host gets Traefik's 404",
	}
}
