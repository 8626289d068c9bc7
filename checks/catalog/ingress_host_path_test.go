package catalog

import (
	"context"
	"crypto/rand"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/checks/live"
	"github.com/netlab-dev/netlab/checks/report"
	"github.com/netlab-dev/netlab/labca"
	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/probe"
)

// ingressController is how the fake's ingress controller routes: the backend Pod a Host and path
// reach ("" for its 404).
type ingressController func(host, path string) string

// rulesAsDeclared routes as the check's Ingress says.
func rulesAsDeclared(host, path string) string {
	switch {
	case host == "echo.c1.netlab.test" && strings.HasPrefix(path, "/pinned"):
		return "echo-pinned-x"
	case host == "echo.c1.netlab.test":
		return "echo-a"
	case host == "pinned.c1.netlab.test":
		return "echo-pinned-x"
	}
	return ""
}

// fakeIngress is c1 with Traefik behind the MetalLB address lb, routing by route; over https it
// presents the lab's leaf for the Ingress's hosts and a certificate of its own for other names.
func fakeIngress(t *testing.T, lb string, route ingressController) *fakeLab {
	f := fakeC1(t)
	now := time.Now()
	ca, err := labca.New("flannel-basic", now, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _, err := ca.Leaf("ingress/c1", []string{"echo.c1.netlab.test", "pinned.c1.netlab.test"}, now, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	own, _ := labca.New("traefik default", now, rand.Reader)
	ownLeaf, _, _ := own.Leaf("x", []string{"traefik.default"}, now, rand.Reader)
	f.ca = ca
	c := f.clusters["c1"]
	c.Plan.Ingress = &plan.IngressPlan{Controller: "traefik"}
	f.p.Clusters[0].Ingress = c.Plan.Ingress
	f.pods["c1/"+live.DeployEcho] = []checks.Pod{{Name: "echo-a", Node: n0, IP: pod0}, {Name: "echo-b", Node: n1, IP: "10.244.1.7"}}
	if lb != "" {
		f.services["c1/traefik/traefik"] = checks.Service{Name: "traefik", Type: "LoadBalancer", LoadBalancerIPs: []string{lb}}
	}
	f.httpHost = func(w checks.Where, url, host string) (probe.Result, error) {
		if w.Client == "" {
			t.Errorf("an ingress call from %s, want the VPC client", w)
		}
		scheme, rest, _ := strings.Cut(url, "://")
		if !strings.HasPrefix(rest, lb+"/") {
			return timedOut("http")
		}
		path := strings.TrimPrefix(rest, lb)
		var seen *probe.TLSSeen
		if scheme == "https" {
			cert := ownLeaf.CertPEM
			if host == "echo.c1.netlab.test" || host == "pinned.c1.netlab.test" {
				cert = f.servedCert(leaf.CertPEM)
			}
			seen = &probe.TLSSeen{Version: "TLS 1.3", ServerName: host, LeafPEM: cert, Subject: "CN=" + host, Issuer: "CN=someone"}
		}
		pod := route(host, path)
		if pod == "" {
			return probe.Result{Proto: "http", HTTPStatus: 404, TLS: seen, Error: `HTTP 404 without a probe report: "404 page not found"`}, nil
		}
		return probe.Result{Proto: "http", OK: true, HTTPStatus: 200, TLS: seen, Server: &probe.Report{RemoteIP: ip0,
			HTTP: &probe.HTTPSeen{Method: "GET", Host: host, Path: path}, Server: probe.Identity{PodName: pod}}}, nil
	}
	return f
}

func TestIngressHostPath(t *testing.T) {
	lb := "10.0.1.200"
	cases := []struct {
		name  string
		lb    string
		route ingressController
		want  report.Verdict
		bad   string
	}{
		{"pass", lb, rulesAsDeclared, report.Pass, ""},
		{"the path rule is ignored", lb, func(host, path string) string {
			if host == "echo.c1.netlab.test" {
				return "echo-a"
			}
			return rulesAsDeclared(host, path)
		}, report.Fail, "Host echo.c1.netlab.test, path /pinned/x"},
		{"every host lands on one backend", lb, func(host, path string) string { return "echo-a" }, report.Fail, "Host pinned.c1.netlab.test"},
		{"an address outside the pool", "10.0.1.99", rulesAsDeclared, report.Fail, "the controller's Service has an address"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := fakeIngress(t, c.lb, c.route)
			r := runDef(t, f, "ingress/host-path", context.Background())
			if r.Verdict != c.want {
				t.Fatalf("verdict %s, want %s: %s %+v", r.Verdict, c.want, r.Reason, r.Evidence)
			}
			if c.bad != "" {
				if e, ok := hasEvidence(r, c.bad); !ok || e.OK {
					t.Fatalf("evidence %q: %+v (found %v)", c.bad, e, ok)
				}
			}
			if c.want == report.Pass && (r.Negative == nil || r.Negative.Verdict != report.Pass) {
				t.Fatalf("negative control: %+v", r.Negative)
			}
		})
	}
	// The negative control: a catch-all rule that sends an unknown Host to a backend fails it.
	f := fakeIngress(t, lb, func(host, path string) string {
		if r := rulesAsDeclared(host, path); r != "" {
			return r
		}
		return "echo-b"
	})
	r := runDef(t, f, "ingress/host-path", context.Background())
	if r.Verdict != report.Fail || r.Negative == nil || r.Negative.Verdict != report.Fail {
		t.Fatalf("an unknown Host answered by a backend: verdict %s, negative %+v", r.Verdict, r.Negative)
	}
	// A backend that does not see the Host the client sent (a controller rewriting it) fails.
	f = fakeIngress(t, lb, rulesAsDeclared)
	inner := f.httpHost
	f.httpHost = func(w checks.Where, url, host string) (probe.Result, error) {
		res, err := inner(w, url, host)
		if res.Server != nil {
			res.Server.HTTP.Host = "rewritten"
		}
		return res, err
	}
	if r := runDef(t, f, "ingress/host-path", context.Background()); r.Verdict != report.Fail {
		t.Fatalf("a rewritten Host: verdict %s", r.Verdict)
	}
}

// A controller that terminates TLS with a certificate other than the lab's (its own default, or
// another lab's) fails the TLS evidence.
func TestIngressHostPathTLSIsTheLabs(t *testing.T) {
	f := fakeIngress(t, "10.0.1.200", rulesAsDeclared)
	other, _ := labca.New("another lab", time.Now(), rand.Reader)
	foreign, _, _ := other.Leaf("x", []string{"echo.c1.netlab.test", "pinned.c1.netlab.test"}, time.Now(), rand.Reader)
	f.serveCert = foreign.CertPEM
	r := runDef(t, f, "ingress/host-path", context.Background())
	if e, ok := hasEvidence(r, "the certificate the client saw is the lab's"); r.Verdict != report.Fail || !ok || e.OK {
		t.Fatalf("another lab's certificate: verdict %s, evidence %+v", r.Verdict, e)
	}
	f = fakeIngress(t, "10.0.1.200", rulesAsDeclared)
	f.ca = nil
	if r := runDef(t, f, "ingress/host-path", context.Background()); r.Verdict != report.Error {
		t.Fatalf("no lab CA: verdict %s", r.Verdict)
	}
}

// Without MetalLB, and with ingress-nginx (not installed here), the check skips and says why.
func TestIngressHostPathSkips(t *testing.T) {
	f := fakeIngress(t, "10.0.1.200", rulesAsDeclared)
	f.clusters["c1"].Plan.Ingress = &plan.IngressPlan{Controller: "ingress-nginx"}
	if r := runDef(t, f, "ingress/host-path", context.Background()); r.Verdict != report.Skip || !strings.Contains(r.Reason, "not run here") {
		t.Fatalf("ingress-nginx: %s %s", r.Verdict, r.Reason)
	}
	f = fakeIngress(t, "10.0.1.200", rulesAsDeclared)
	f.clusters["c1"].Plan.MetalLB = nil
	if r := runDef(t, f, "ingress/host-path", context.Background()); r.Verdict != report.Skip || !strings.Contains(r.Reason, "metallb") {
		t.Fatalf("no MetalLB: %s %s", r.Verdict, r.Reason)
	}
}

// servedCert is the certificate the fake controller presents for the Ingress's hosts: the lab's
// leaf, unless a test set another.
func (f *fakeLab) servedCert(leaf string) string {
	if f.serveCert != "" {
		return f.serveCert
	}
	return leaf
}

// With --perf the check measures through the controller, to the echo host, beside the host
// baseline: bulk HTTP and HTTP request latency, each with its ratio.
func TestIngressHostPathPerf(t *testing.T) {
	f := fakeIngress(t, "10.0.1.200", rulesAsDeclared)
	f.baseline = &probe.BaselineResult{Bulk: probe.BulkResult{Gbps: 40, Stopped: "duration"}, RR: probe.RRResult{LatencyStats: probe.LatencyStats{P50Us: 25, P99Us: 45}}}
	env := f.env()
	env.Perf = true
	d, _ := checks.Lookup(All(), "ingress/host-path")
	r := d.Run(context.Background(), env, checks.Target{Cluster: "c1"})
	if r.Verdict != report.Pass || len(r.Perf) != 3 {
		t.Fatalf("verdict %s (%s), perf %+v", r.Verdict, r.Reason, r.Perf)
	}
	want := []string{"bulk HTTP", "HTTP latency p50", "HTTP latency p99"}
	for i, m := range r.Perf {
		if m.Name != want[i] || m.Ratio == 0 {
			t.Errorf("figure %d: %+v, want %s with a ratio", i, m, want[i])
		}
	}
	if r.Perf[0].Ratio != 2.0/40 || r.Perf[1].Ratio != 400.0/25 {
		t.Errorf("ratios %+v", r.Perf)
	}
	if !slices.Equal(f.httpPerf, []string{"bulk http://10.0.1.200/ echo.c1.netlab.test", "rr http://10.0.1.200/ echo.c1.netlab.test"}) {
		t.Errorf("measured %q", f.httpPerf)
	}
}
