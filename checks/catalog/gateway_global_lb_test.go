package catalog

import (
	"context"
	"errors"
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

// A load balancer without health checks keeps sending to the member whose ingress is down: those
// requests fail, and the negative control says so.
func TestGatewayGlobalLBWithoutHealthChecks(t *testing.T) {
	f := fakeGlobalLB(t, func(*fakeLab, string) bool { return true })
	answer := f.httpHost
	var mu sync.Mutex
	n := 0
	f.httpHost = func(w checks.Where, url, host string) (probe.Result, error) {
		mu.Lock()
		m := f.p.GlobalLB.Members[n%2].Cluster
		n++
		mu.Unlock()
		if !f.ingressUp(m) {
			return probe.Result{Proto: "http", HTTPStatus: 502, Error: "HTTP 502 without a probe report"}, nil
		}
		return answer(w, url, host)
	}
	r := runDef(t, f, "gateway/global-lb", context.Background())
	if r.Negative == nil || r.Negative.Verdict != report.Fail || r.Verdict != report.Fail {
		t.Fatalf("verdict %s, negative %+v", r.Verdict, r.Negative)
	}
}

// A load balancer that does not answer (its container stopped) fails the check at once, and no
// member's ingress is scaled down for a negative control that could not tell anything.
func TestGatewayGlobalLBDown(t *testing.T) {
	f := fakeGlobalLB(t, func(*fakeLab, string) bool { return true })
	f.httpHost = func(checks.Where, string, string) (probe.Result, error) {
		return probe.Result{Proto: "http", Error: "dial tcp 10.30.1.252:80: connect: no route to host"}, errors.New("no route to host")
	}
	r := runDef(t, f, "gateway/global-lb", context.Background())
	if e, ok := hasEvidence(r, "the global load balancer answers"); r.Verdict != report.Fail || !ok || e.OK || r.Negative != nil {
		t.Fatalf("verdict %s, evidence %+v, negative %+v", r.Verdict, r.Evidence, r.Negative)
	}
	if f.ingressReplicas != nil {
		t.Fatalf("scaled %v", f.ingressReplicas)
	}
}

// Without a globalLoadBalancer section the path does not apply, and says what it needs.
func TestGatewayGlobalLBTargets(t *testing.T) {
	_, why := targets(t, builtin(t, "tgw-two-vpc"), "gateway/global-lb")
	if !strings.Contains(why, "globalLoadBalancer") {
		t.Fatalf("why: %q", why)
	}
}
