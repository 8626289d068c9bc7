package catalog

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/checks/report"
	"github.com/netlab-dev/netlab/egress"
	"github.com/netlab-dev/netlab/internal/nft"
	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/probe"
)

// lab/hermetic on flannel-basic: the guard is installed with nothing past it, a name outside the
// lab gets NXDOMAIN from the lab at once, and the canary is refused by the guard.
func TestLabHermeticThroughTheFakeLab(t *testing.T) {
	defer func(a, b time.Duration) { outsideNameWait, canaryWait = a, b }(outsideNameWait, canaryWait)
	outsideNameWait, canaryWait = 200*time.Millisecond, 60*time.Millisecond
	const kubeDNS = "10.96.0.10"
	nx := func(server, name string) (probe.DNSResult, error) {
		if server != kubeDNS || name != outsideName {
			return probe.DNSResult{Name: name}, errors.New("asked the wrong server or name")
		}
		return probe.DNSResult{Name: name, OK: true, NXDomain: true}, nil
	}
	installed := egress.Counters{Installed: true}
	cases := []struct {
		name      string
		guard     egress.Counters
		guardErr  error
		upstream  bool
		dns       func(f *fakeLab) func(server, name string) (probe.DNSResult, error)
		canary    func(f *fakeLab) error
		expired   bool
		want      report.Verdict
		bad       string // the evidence that must fail
		negFails  bool
		reasonHas string
		noDNS     bool // the DNS evidence must be absent
	}{
		{name: "pass", guard: installed, want: report.Pass},
		{name: "no guard on the host", guard: egress.Counters{}, want: report.Fail, bad: "egress guard on the host", reasonHas: "netlab up flannel-basic"},
		{name: "packets got past the guard", guard: egress.Counters{Installed: true, Escaped: count(3)}, want: report.Fail, bad: "packets that got past the guard"},
		{name: "a forwarder's query timed out at the guard", guard: installed,
			dns: func(f *fakeLab) func(string, string) (probe.DNSResult, error) {
				return func(string, string) (probe.DNSResult, error) {
					f.mu.Lock()
					f.guard.DNS.Packets++
					f.guard.Refused.Packets++
					f.mu.Unlock()
					return probe.DNSResult{}, errors.New("read udp: i/o timeout")
				}
			}, want: report.Fail, bad: outsideName},
		{name: "NXDOMAIN, but a query tried to leave meanwhile", guard: installed,
			dns: func(f *fakeLab) func(string, string) (probe.DNSResult, error) {
				return func(s, n string) (probe.DNSResult, error) {
					f.mu.Lock()
					f.guard.DNS.Packets++
					f.mu.Unlock()
					return nx(s, n)
				}
			}, want: report.Fail, bad: "DNS queries the guard refused meanwhile"},
		{name: "a slow NXDOMAIN (a forwarder answered after its timeout)", guard: installed,
			dns: func(*fakeLab) func(string, string) (probe.DNSResult, error) {
				return func(s, n string) (probe.DNSResult, error) { r, err := nx(s, n); r.RTTMillis = 300; return r, err }
			}, want: report.Fail, bad: outsideName},
		{name: "a slow exec around a quick NXDOMAIN: the Pod's clock counts", guard: installed,
			dns: func(*fakeLab) func(string, string) (probe.DNSResult, error) {
				return func(s, n string) (probe.DNSResult, error) {
					time.Sleep(300 * time.Millisecond)
					r, err := nx(s, n)
					r.RTTMillis = 3
					return r, err
				}
			}, want: report.Pass},
		{name: "the guard lets the canary through to the backstop", guard: installed,
			canary: func(f *fakeLab) error { f.guard.Canary.Packets++; f.guard.Backstop.Packets++; return nil },
			want:   report.Fail, negFails: true},
		{name: "the guard never sees the canary", guard: installed,
			canary: func(*fakeLab) error { return nil }, want: report.Fail, negFails: true},
		{name: "the canary seen but not refused", guard: installed,
			canary: func(f *fakeLab) error { f.guard.Canary.Packets++; return nil }, want: report.Fail, negFails: true},
		{name: "the canary cannot be sent", guard: installed,
			canary: func(*fakeLab) error { return errors.New("exec: container not found") }, want: report.Error, reasonHas: "canary could not be sent"},
		{name: "the counters cannot be read", guardErr: errors.New("operation not permitted"), want: report.Error, reasonHas: "operation not permitted"},
		{name: "dns.upstream: no DNS evidence", guard: installed, upstream: true, noDNS: true,
			dns: func(*fakeLab) func(string, string) (probe.DNSResult, error) {
				return func(string, string) (probe.DNSResult, error) {
					t.Error("DNS asked under dns.upstream")
					return probe.DNSResult{}, nil
				}
			}, want: report.Pass},
		{name: "expired", guard: installed, expired: true, want: report.Error, reasonHas: "ran out of time"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFake(t, "flannel-basic")
			f.p.Outside.DNSUpstream = c.upstream
			f.services["c1/kube-system/kube-dns"] = checks.Service{Name: "kube-dns", ClusterIP: kubeDNS}
			f.guard, f.guardErr, f.canary = c.guard, c.guardErr, c.canary
			f.dns = nx
			if c.dns != nil {
				f.dns = c.dns(f)
			}
			ctx := context.Background()
			if c.expired {
				ctx = expired()
			}
			r := runDef(t, f, "lab/hermetic", ctx)
			if r.Verdict != c.want {
				t.Fatalf("verdict %s, want %s: %s %+v %+v", r.Verdict, c.want, r.Reason, r.Evidence, r.Negative)
			}
			if c.bad != "" {
				e, ok := hasEvidence(r, c.bad)
				if !ok || e.OK {
					t.Errorf("evidence %q: %+v (found %v)", c.bad, e, ok)
				}
			}
			if c.want == report.Pass && (r.Negative == nil || r.Negative.Verdict != report.Pass) {
				t.Errorf("a pass without a passing negative control: %+v", r.Negative)
			}
			if c.negFails && (r.Negative == nil || r.Negative.Verdict != report.Fail || !strings.Contains(r.Reason, "negative control")) {
				t.Errorf("negative control: %+v, reason %q", r.Negative, r.Reason)
			}
			if c.reasonHas != "" && !strings.Contains(r.Reason+" "+r.Summary, c.reasonHas) {
				t.Errorf("reason %q (summary %q), want it to say %q", r.Reason, r.Summary, c.reasonHas)
			}
			if _, ok := hasEvidence(r, outsideName); c.noDNS && ok {
				t.Errorf("DNS evidence under dns.upstream: %+v", r.Evidence)
			}
		})
	}
}

func count(n uint64) nft.Count { return nft.Count{Packets: n, Bytes: 100 * n} }

// With 'egress: allow' there is nothing to prove: the path has no target, and says why.
func TestLabHermeticSkipsWithoutAGuard(t *testing.T) {
	p := builtin(t, "flannel-basic")
	d, _ := checks.Lookup(All(), "lab/hermetic")
	if ts, why := d.Targets(p); len(ts) != 1 || ts[0].Cluster != p.Clusters[0].Name || why != "" {
		t.Errorf("guarded lab: targets %v, reason %q", ts, why)
	}
	p.Outside.Egress = plan.EgressAllow
	if ts, why := d.Targets(p); len(ts) != 0 || !strings.Contains(why, "egress: allow") {
		t.Errorf("egress: allow: targets %v, reason %q", ts, why)
	}
}
