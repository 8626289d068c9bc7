package catalog

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/checks/report"
	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/probe"
)

// fakeGlobalLB is ingress-two-clusters with its global load balancer: requests for its Host at
// its leg in east's subnet go round robin over the members pick says may take them.
func fakeGlobalLB(t *testing.T, pick func(f *fakeLab, member string) bool) *fakeLab {
	f := newFake(t, "ingress-two-clusters")
	g := f.p.GlobalLB
	var mu sync.Mutex
	next := 0
	f.httpHost = func(w checks.Where, url, host string) (probe.Result, error) {
		if w.Client == "" || url != "http://"+g.Members[0].Address.String()+"/" || host != plan.GlobalLBHost {
			t.Errorf("a call from %s to %s (Host %s), want the VPC client to the load balancer's leg with %s", w, url, host, plan.GlobalLBHost)
			return timedOut("http")
		}
		mu.Lock()
		defer mu.Unlock()
		for range g.Members {
			m := g.Members[next%len(g.Members)]
			next++
			if pick(f, m.Cluster) {
				return probe.Result{Proto: "http", OK: true, HTTPStatus: 200, Server: &probe.Report{
					HTTP: &probe.HTTPSeen{Host: host, Path: "/"}, Server: probe.Identity{PodName: "echo-" + m.Cluster, ClusterName: m.Cluster}}}, nil
			}
		}
		return probe.Result{Proto: "http", HTTPStatus: 503, Error: "HTTP 503 without a probe report"}, nil
	}
	return f
}

func TestGatewayGlobalLB(t *testing.T) {
	healthy := func(f *fakeLab, m string) bool { return f.ingressUp(m) }
	f := fakeGlobalLB(t, healthy)
	r := runDef(t, f, "gateway/global-lb", context.Background())
	if r.Verdict != report.Pass || r.Negative == nil || r.Negative.Verdict != report.Pass {
		t.Fatalf("verdict %s (%s), negative %+v, evidence %+v", r.Verdict, r.Reason, r.Negative, r.Evidence)
	}
	if !f.ingressUp("east") {
		t.Fatal("east's ingress was not scaled back")
	}
	if e, ok := hasEvidence(r, "cluster east takes requests again"); !ok || !e.OK {
		t.Fatalf("east back: %+v", e)
	}

	// A load balancer that sends everything to one member fails the spread.
	f = fakeGlobalLB(t, func(f *fakeLab, m string) bool { return m == "west" })
	r = runDef(t, f, "gateway/global-lb", context.Background())
	if e, ok := hasEvidence(r, "requests answered by cluster east"); r.Verdict != report.Fail || !ok || e.OK {
		t.Fatalf("one member only: verdict %s, evidence %+v", r.Verdict, e)
	}
}

// Without a globalLoadBalancer section the path does not apply, and says what it needs.
func TestGatewayGlobalLBTargets(t *testing.T) {
	_, why := targets(t, builtin(t, "tgw-two-vpc"), "gateway/global-lb")
	if !strings.Contains(why, "globalLoadBalancer") {
		t.Fatalf("why: %q", why)
	}
}
