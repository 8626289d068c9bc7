package catalog

import (
	"context"
	"fmt"
	"time"

	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/checks/hop"
	"github.com/netlab-dev/netlab/checks/live"
	"github.com/netlab-dev/netlab/checks/report"
	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/provision/traefik"
)

// ingress/gateway-api: the check HTTPRoute (live.httpRouteObjects), attached to the cluster's
// Gateway, is Accepted by Traefik's gateway controller with its backends resolved; from the VPC
// client, requests to the Gateway's address (Traefik's LoadBalancer address) with the route's
// hostname reach the backends its two path prefixes name, which see the Host and path sent.
// Negative control: a hostname the route does not have gets 404 and no backend.
func ingressGatewayAPI() checks.Definition {
	return checks.Definition{
		ID:      "ingress/gateway-api",
		Targets: each(func(c plan.ClusterPlan) bool { return c.Ingress != nil && c.Ingress.GatewayAPI }, "serves the Gateway API (ingress: {gatewayAPI: true})"),
		Hops:    ingressGatewayAPIHops,
		Run: inCluster(func(ctx context.Context, env *checks.Env, l checks.Lab, c *checks.Cluster, b *builder) report.Result {
			e, res := enterIngress(ctx, l, c, b)
			if res != nil {
				return *res
			}
			defer e.unlock()
			gateway := traefik.Namespace + "/" + traefik.GatewayName
			var st checks.RouteStatus
			var err error
			var parent checks.RouteParent
			accepted := poll(ctx, gatewayAccepted, 2*gatewayEvery, func() bool {
				st, err = l.RouteStatus(ctx, c.Plan.Name, live.HTTPRouteName)
				parent = routeParent(st, gateway)
				return err == nil && parent.Accepted.Status == "True" && parent.ResolvedRefs.Status == "True"
			})
			if err != nil {
				return b.errorf("%v", err)
			}
			b.add(fmt.Sprintf("HTTPRoute %s on Gateway %s: Accepted", live.HTTPRouteName, gateway), conditionText(parent.Accepted, parent.Controller), "True, by "+traefik.GatewayControllerName, accepted && parent.Controller == traefik.GatewayControllerName)
			b.add("its backends resolved (ResolvedRefs)", conditionText(parent.ResolvedRefs, parent.Controller), "True", parent.ResolvedRefs.Status == "True")
			host := live.GatewayHost(c.Plan)
			assertRoutes(ctx, b, e.get, []routeCase{
				{host, "/", e.echo, live.DeployEcho},
				{host, live.IngressPathPinned + "/x", e.pinned, live.DeployPinned},
			})
			unknown := "gw-nobody." + c.Plan.Name + ".netlab.test"
			r, nerr := e.get(unknown, "/")
			b.negative("a hostname the HTTPRoute does not have ("+unknown+")", r.HTTPStatus == 404 && !answered(r, nerr), ingressSeen(r, nerr), "HTTP 404 from the Gateway, no backend")
			return b.done(fmt.Sprintf("%s: HTTPRoute %s (host %s, two path prefixes) through Gateway %s", e.ip, live.HTTPRouteName, host, gateway))
		}),
	}
}

// How long the check waits for the route's status, and how often it asks. Variables so that the
// fake lab's tests can shorten them.
var (
	gatewayAccepted = 60 * time.Second
	gatewayEvery    = time.Second
)

// routeParent is the route's status for gateway ("namespace/name"); zero when it has none.
func routeParent(st checks.RouteStatus, gateway string) checks.RouteParent {
	for _, p := range st.Parents {
		if p.Gateway == gateway {
			return p
		}
	}
	return checks.RouteParent{}
}

func conditionText(c checks.Condition, controller string) string {
	if c.Status == "" {
		return "no status from any controller yet"
	}
	return fmt.Sprintf("%s (%s), by %s", c.Status, orText(c.Reason, "no reason"), orText(controller, "no controller"))
}

func ingressGatewayAPIHops(x *hop.Context) []string {
	return []string{
		"client -> the Gateway's address (Traefik's LoadBalancer address from MetalLB; its HTTP listener is Traefik's web entry point)",
		"Traefik's gateway provider matches the HTTPRoute's hostname, then its longest matching path prefix",
		"-> the backend Service the matching rule names -> a new connection to one of its Pods (EndpointSlices); no match: 404",
	}
}
