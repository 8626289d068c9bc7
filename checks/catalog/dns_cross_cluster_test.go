package catalog

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/checks/live"
	"github.com/netlab-dev/netlab/checks/report"
	"github.com/netlab-dev/netlab/internal/names"
	"github.com/netlab-dev/netlab/probe"
)

// dns/cross-cluster on tgw-two-vpc a->b: a's probe Pod asks a's CoreDNS for b's headless echo
// name; the answer is the Pod IP of b's pinned backend, b's CoreDNS is exposed on an address of
// VPC b's pool, and the answer is reachable from a. The check has no negative control.
func TestDNSCrossClusterThroughTheFakeLab(t *testing.T) {
	defer func(w time.Duration) { reloadWait = w }(reloadWait)
	reloadWait = 60 * time.Millisecond

	const (
		kubeDNS = "172.20.0.10" // a's kube-dns
		exposed = "10.1.1.201"  // b's CoreDNS, from b's pool
		backend = "10.1.65.9"   // b's pinned backend
	)
	asked := live.SvcHeadless + "." + live.Namespace + ".svc." + names.DNSZone("b")
	// resolver is a's CoreDNS: the name of b's zone resolves to answers; anything else, or a query
	// to another server, is NXDOMAIN.
	resolver := func(answers ...string) func(server, name string) (probe.DNSResult, error) {
		return func(server, name string) (probe.DNSResult, error) {
			if server != kubeDNS || name != asked || len(answers) == 0 {
				return probe.DNSResult{Name: name, OK: true, NXDomain: true}, nil
			}
			return probe.DNSResult{Name: name, OK: true, Answers: answers}, nil
		}
	}
	fromB := ans{pod: "echo-pinned-x", node: "tgw-two-vpc-b-worker", ip: backend, remote: "10.0.65.5"}.inCluster("b")
	cases := []struct {
		name       string
		dnsIPs     []string // b's exposed CoreDNS addresses (nil: exposed)
		noExposed  bool     // b has no netlab-dns Service
		noKubeDNS  bool
		noBackend  bool
		dns        func(server, name string) (probe.DNSResult, error)
		tcp        func() (probe.Result, error) // the call to the answer
		expired    bool
		want       report.Verdict
		bad        string
		reasonHas  string
		noReachRun bool // the reachability item must be absent (the answer was wrong)
	}{
		{name: "pass", dns: resolver(backend), tcp: fromB, want: report.Pass},
		{name: "b's CoreDNS on an address outside its pool", dnsIPs: []string{"10.1.1.99"}, dns: resolver(backend), tcp: fromB,
			want: report.Fail, bad: "b's CoreDNS on an internal address"},
		{name: "b's CoreDNS has no address yet", dnsIPs: []string{}, dns: resolver(backend), tcp: fromB,
			want: report.Fail, bad: "b's CoreDNS on an internal address"},
		{name: "the answer is not b's backend", dns: resolver("10.0.65.9"), tcp: fromB,
			want: report.Fail, bad: asked, noReachRun: true},
		{name: "the answer holds a stranger beside b's backend", dns: resolver(backend, "10.0.65.9"), tcp: fromB,
			want: report.Fail, bad: asked, noReachRun: true},
		{name: "no answer (NXDOMAIN until the wait ends)", dns: resolver(), tcp: fromB,
			want: report.Fail, bad: asked, noReachRun: true},
		{name: "the answer does not answer across the TGW", dns: resolver(backend), tcp: tmo,
			want: report.Fail, bad: "the answer is reachable from a"},
		{name: "a Pod of the client's own cluster answered", dns: resolver(backend),
			tcp:  ans{pod: "echo-pinned-y", ip: backend, remote: "10.0.65.5"}.inCluster("a"),
			want: report.Fail, bad: "the answer is reachable from a"},
		{name: "no kube-dns in a", noKubeDNS: true, dns: resolver(backend), tcp: fromB, want: report.Error},
		{name: "b does not expose its CoreDNS", noExposed: true, dns: resolver(backend), tcp: fromB,
			want: report.Error, reasonHas: "netlab up tgw-two-vpc"},
		{name: "no backend in b", noBackend: true, dns: resolver(backend), tcp: fromB, want: report.Error},
		{name: "expired", expired: true, dns: resolver(backend), tcp: fromB, want: report.Error, reasonHas: "ran out of time"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFake(t, "tgw-two-vpc")
			if !c.noKubeDNS {
				f.services["a/kube-system/kube-dns"] = checks.Service{Name: "kube-dns", ClusterIP: kubeDNS}
			}
			if !c.noExposed {
				ips := []string{exposed}
				if c.dnsIPs != nil {
					ips = c.dnsIPs
				}
				f.services["b/kube-system/"+names.DNSServiceName] = checks.Service{Name: names.DNSServiceName, Type: "LoadBalancer", LoadBalancerIPs: ips}
			}
			if !c.noBackend {
				f.pods["b/"+live.DeployPinned] = []checks.Pod{{Name: "echo-pinned-x", Node: "tgw-two-vpc-b-worker", IP: backend}}
			}
			f.dns = c.dns
			f.call = func(w checks.Where, proto, target string) (probe.Result, error) {
				if w.Cluster != "a" || target != backend+":7001" {
					return tmo()
				}
				return c.tcp()
			}
			ctx := context.Background()
			if c.expired {
				ctx = expired()
			}
			r := runDef(t, f, "dns/cross-cluster", ctx)
			if r.Verdict != c.want {
				t.Fatalf("verdict %s, want %s: %s %+v", r.Verdict, c.want, r.Reason, r.Evidence)
			}
			if c.bad != "" {
				e, ok := hasEvidence(r, c.bad)
				if !ok || e.OK {
					t.Errorf("evidence %q: %+v (found %v)", c.bad, e, ok)
				}
				if !strings.Contains(r.Reason, e.Name) {
					t.Errorf("the reason does not name %q: %s", e.Name, r.Reason)
				}
			}
			if c.reasonHas != "" && !strings.Contains(r.Reason, c.reasonHas) {
				t.Errorf("reason %q, want it to say %q", r.Reason, c.reasonHas)
			}
			if _, ok := hasEvidence(r, "the answer is reachable"); ok == c.noReachRun && c.want != report.Error {
				t.Errorf("reachability item present %v, want %v: %+v", ok, !c.noReachRun, r.Evidence)
			}
			if r.Negative != nil {
				t.Errorf("dns/cross-cluster has no negative control, got %+v", r.Negative)
			}
		})
	}
}
