package catalog

import (
	"context"
	"strings"
	"testing"

	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/checks/live"
	"github.com/netlab-dev/netlab/checks/report"
	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/provision/traefik"
)

// routesAsDeclared routes as the check's HTTPRoute says (the longest matching prefix wins).
func routesAsDeclared(host, path string) string {
	switch {
	case host == "gw.c1.netlab.test" && strings.HasPrefix(path, "/pinned"):
		return "echo-pinned-x"
	case host == "gw.c1.netlab.test":
		return "echo-a"
	}
	return ""
}

func accepted(controller string) checks.RouteStatus {
	return checks.RouteStatus{Parents: []checks.RouteParent{{Gateway: "traefik/traefik", Controller: controller,
		Accepted: checks.Condition{Status: "True", Reason: "Accepted"}, ResolvedRefs: checks.Condition{Status: "True", Reason: "ResolvedRefs"}}}}
}

func fakeGateway(t *testing.T, route ingressController, st checks.RouteStatus) *fakeLab {
	f := fakeIngress(t, "10.0.1.200", route)
	f.clusters["c1"].Plan.Ingress.GatewayAPI = true
	f.p.Clusters[0].Ingress = f.clusters["c1"].Plan.Ingress
	f.httpRoutes = map[string]checks.RouteStatus{"c1/" + live.HTTPRouteName: st}
	return f
}

func TestIngressGatewayAPI(t *testing.T) {
	f := fakeGateway(t, routesAsDeclared, accepted(traefik.GatewayControllerName))
	r := runDef(t, f, "ingress/gateway-api", context.Background())
	if r.Verdict != report.Pass || r.Negative == nil || r.Negative.Verdict != report.Pass {
		t.Fatalf("verdict %s (%s), negative %+v, evidence %+v", r.Verdict, r.Reason, r.Negative, r.Evidence)
	}

	// A route no controller accepted fails, whatever answers.
	notYet := accepted(traefik.GatewayControllerName)
	notYet.Parents[0].Accepted = checks.Condition{Status: "False", Reason: "NotAllowedByListeners"}
	r = runDef(t, fakeGateway(t, routesAsDeclared, notYet), "ingress/gateway-api", context.Background())
	if e, ok := hasEvidence(r, "HTTPRoute netlab-checks on Gateway traefik/traefik: Accepted"); r.Verdict != report.Fail || !ok || e.OK {
		t.Fatalf("not accepted: verdict %s, evidence %+v", r.Verdict, e)
	}

	// Accepted by another controller is not Traefik's Gateway at work.
	r = runDef(t, fakeGateway(t, routesAsDeclared, accepted("example.com/other")), "ingress/gateway-api", context.Background())
	if r.Verdict != report.Fail {
		t.Fatalf("another controller: verdict %s", r.Verdict)
	}

	// A Gateway that ignores the path (everything to the echo Pods) fails the /pinned rule.
	r = runDef(t, fakeGateway(t, func(host, path string) string {
		if host == "gw.c1.netlab.test" {
			return "echo-a"
		}
		return ""
	}, accepted(traefik.GatewayControllerName)), "ingress/gateway-api", context.Background())
	if e, ok := hasEvidence(r, "Host gw.c1.netlab.test, path /pinned/x"); r.Verdict != report.Fail || !ok || e.OK {
		t.Fatalf("path ignored: verdict %s, evidence %+v", r.Verdict, e)
	}

	// A Gateway that answers every hostname fails the negative control.
	r = runDef(t, fakeGateway(t, func(host, path string) string { return routesAsDeclared("gw.c1.netlab.test", path) }, accepted(traefik.GatewayControllerName)), "ingress/gateway-api", context.Background())
	if r.Negative == nil || r.Negative.Verdict != report.Fail {
		t.Fatalf("every host answered: negative %+v", r.Negative)
	}
}

// Only clusters that ask for the Gateway API are targets; the others say what they need.
func TestIngressGatewayAPITargets(t *testing.T) {
	p := builtin(t, "ingress-two-clusters")
	ts, _ := targets(t, p, "ingress/gateway-api")
	if len(ts) != 1 || ts[0].Cluster != "east" {
		t.Fatalf("targets %+v, want east only", ts)
	}
	p.Clusters[0].Ingress = &plan.IngressPlan{Controller: "traefik"}
	if _, why := targets(t, p, "ingress/gateway-api"); !strings.Contains(why, "gatewayAPI") {
		t.Fatalf("why: %q", why)
	}
}
