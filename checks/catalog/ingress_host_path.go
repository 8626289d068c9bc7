package catalog

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/checks/hop"
	"github.com/netlab-dev/netlab/checks/live"
	"github.com/netlab-dev/netlab/checks/report"
	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/probe"
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
			e, res := enterIngress(ctx, l, c, b)
			if res != nil {
				return *res
			}
			defer e.unlock()
			ip, from, echo, pinned, get := e.ip, e.from, e.echo, e.pinned, e.get
			echoHost, pinnedHost := live.IngressHostEcho(c.Plan), live.IngressHostPinned(c.Plan)
			assertRoutes(ctx, b, get, []routeCase{
				{echoHost, "/", echo, live.DeployEcho},
				{echoHost, live.IngressPathPinned + "/x", pinned, live.DeployPinned},
				{pinnedHost, "/", pinned, live.DeployPinned},
			})
			// TLS: the echo host over https (its name as SNI) is answered by its backend, with the
			// certificate netlab issued from the lab's CA; a name no rule has gets another one.
			unknown := "nobody." + c.Plan.Name + ".netlab.test"
			ca, caErr := l.LabCA()
			if caErr != nil {
				return b.errorf("%v", caErr)
			}
			rt, terr := l.HTTP(ctx, from, "https://"+ip+"/", echoHost)
			b.add("https, server name "+echoHost+" -> a Pod of "+live.DeployEcho, ingressSeen(rt, terr), "one of "+podNames(echo), answeredBy(rt, terr, echo))
			b.add("the certificate the client saw is the lab's", certSeen(rt), "issued by "+ca.Subject()+" for "+echoHost, rt.TLS != nil && ca.Verify([]byte(rt.TLS.LeafPEM), echoHost, time.Now()) == nil)
			ru, _ := l.HTTP(ctx, from, "https://"+ip+"/", unknown)
			b.add("a server name no rule has gets a certificate that is not the lab's", certSeen(ru), "not issued by "+ca.Subject(), ru.TLS != nil && ca.Verify([]byte(ru.TLS.LeafPEM), unknown, time.Now()) != nil)

			// --perf: through the controller to the echo Pods, beside the host baseline.
			if env.Perf {
				measureHTTP(ctx, l, b, from, "http://"+ip+"/", echoHost)
			}

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
