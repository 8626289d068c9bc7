package catalog

import (
	"context"
	"testing"
	"time"

	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/checks/live"
	"github.com/netlab-dev/netlab/checks/report"
	"github.com/netlab-dev/netlab/probe"
)

// inCluster is an answer from a Pod of the named cluster.
func (a ans) inCluster(name string) func() (probe.Result, error) {
	return func() (probe.Result, error) {
		r, err := a.get()
		r.Server.Server.ClusterName = name
		return r, err
	}
}

// cross-cluster/tgw-internal-lb on tgw-two-vpc a->b: a's probe Pod calls the LoadBalancer address
// MetalLB gave b's echo-cluster Service from VPC b's pool; the TGW counter on the route carrying it
// grows, a backend of b answers, and a /32 blackhole of the address stops the path until repaired.
func TestTGWInternalLBThroughTheFakeLab(t *testing.T) {
	const (
		lbIP    = "10.1.1.200" // the first address of b's pool
		backend = "10.1.65.9"
	)
	fromB := ans{pod: "echo-pinned-x", node: "tgw-two-vpc-b-worker", ip: backend, remote: "10.0.1.10"}
	// path is what the network does with a call to the LB address; the default goes through the
	// fake TGW (counted, dropped while blackholed) to a backend of b.
	type path func(f *fakeLab) (probe.Result, error)
	viaTGW := func(g func() (probe.Result, error)) path {
		return func(f *fakeLab) (probe.Result, error) { return f.throughTGW(g) }
	}
	cases := []struct {
		name     string
		lbIPs    []string // the Service's LoadBalancer addresses (default lbIP)
		path     path
		fresh    func() path // a path with state of its own, made for the run (instead of path)
		noTable  bool
		timeout  time.Duration // the check's context (0: none)
		expired  bool
		want     report.Verdict
		bad      string // an evidence item that must not hold
		negative report.Verdict
	}{
		{name: "pass", path: viaTGW(fromB.inCluster("b")), want: report.Pass, negative: report.Pass},
		{name: "an address outside b's pool", lbIPs: []string{"10.1.1.99"}, path: viaTGW(fromB.inCluster("b")),
			want: report.Fail, bad: "LB address from b's pool", negative: report.Pass},
		{name: "a backend of the client's own cluster answered", path: viaTGW(fromB.inCluster("a")),
			want: report.Fail, bad: "the backend in b answered", negative: report.Pass},
		{name: "the call does not cross the TGW (its counter stands still)", path: func(f *fakeLab) (probe.Result, error) {
			return fromB.inCluster("b")()
		}, want: report.Fail, bad: "TGW table main", negative: report.Fail},
		{name: "negative control: the blackhole does not stop the path", path: func(f *fakeLab) (probe.Result, error) {
			f.mu.Lock()
			f.tgwPackets++ // counted, but the blackhole is ignored
			f.mu.Unlock()
			return fromB.inCluster("b")()
		}, want: report.Fail, negative: report.Fail},
		{name: "the path stays broken once the route is restored", fresh: func() path {
			broken := false // once blackholed, for good
			return func(f *fakeLab) (probe.Result, error) {
				f.mu.Lock()
				broken = broken || f.blackholed != ""
				b := broken
				f.mu.Unlock()
				if b {
					return tmo()
				}
				return f.throughTGW(fromB.inCluster("b"))
			}
		}, want: report.Fail, bad: "answers again once the route is restored", negative: report.Pass},
		{name: "the probe under the blackhole crashed", path: func(f *fakeLab) (probe.Result, error) {
			f.mu.Lock()
			bh := f.blackholed
			f.mu.Unlock()
			if bh != "" {
				return crash()
			}
			return f.throughTGW(fromB.inCluster("b"))
		}, want: report.Error},
		{name: "no TGW route view", noTable: true, path: viaTGW(fromB.inCluster("b")), want: report.Error, bad: "TGW route counter"},
		{name: "no answer", path: func(f *fakeLab) (probe.Result, error) { return tmo() },
			want: report.Fail, bad: "probe-0", negative: report.Pass},
		{name: "MetalLB assigned no address", lbIPs: []string{}, timeout: 100 * time.Millisecond, path: viaTGW(fromB.inCluster("b")), want: report.Error},
		{name: "expired", expired: true, path: viaTGW(fromB.inCluster("b")), want: report.Error},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFake(t, "tgw-two-vpc")
			ips := []string{lbIP}
			if c.lbIPs != nil {
				ips = c.lbIPs
			}
			f.services["b/"+live.Namespace+"/"+live.SvcCluster] = checks.Service{Name: live.SvcCluster, Type: "LoadBalancer", NodePort: 30001, LoadBalancerIPs: ips}
			if !c.noTable {
				f.tgwRoutes = []string{"10.1.0.0/16"}
			}
			p := c.path
			if c.fresh != nil {
				p = c.fresh()
			}
			f.call = func(w checks.Where, proto, target string) (probe.Result, error) {
				if target != ips0(ips)+":7001" {
					return tmo()
				}
				return p(f)
			}
			ctx := context.Background()
			if c.expired {
				ctx = expired()
			}
			if c.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, c.timeout)
				defer cancel()
			}
			r := runDef(t, f, "cross-cluster/tgw-internal-lb", ctx)
			if r.Verdict != c.want {
				t.Fatalf("verdict %s, want %s: %s %+v %+v", r.Verdict, c.want, r.Reason, r.Evidence, r.Negative)
			}
			if c.bad != "" {
				if e, ok := hasEvidence(r, c.bad); !ok || e.OK {
					t.Errorf("evidence %q: %+v (found %v)", c.bad, e, ok)
				}
			}
			if c.negative != "" {
				if r.Negative == nil || r.Negative.Verdict != c.negative {
					t.Errorf("negative control %+v, want %s", r.Negative, c.negative)
				} else if r.Negative.Summary != "blackhole "+lbIP+"/32 in TGW table main (EC2 API)" && c.lbIPs == nil {
					t.Errorf("the control broke %q, want the LB address's /32", r.Negative.Summary)
				}
			}
			if f.blackholed != "" {
				t.Errorf("the check left %s blackholed", f.blackholed)
			}
		})
	}
}

func ips0(ips []string) string {
	if len(ips) == 0 {
		return ""
	}
	return ips[0]
}
