package catalog

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/checks/report"
	"github.com/netlab-dev/netlab/probe"
	"github.com/netlab-dev/netlab/tgw/api"
)

// RouteTo records the opened route; its repair removes it (or fails when routeBack is set).
func (f *fakeLab) RouteTo(ctx context.Context, t api.TableView, cidr, attachment string) (func() error, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.opened == nil {
		f.opened = map[string]string{}
	}
	f.opened[cidr] = attachment
	return func() error {
		f.mu.Lock()
		defer f.mu.Unlock()
		if f.routeBack != nil {
			return f.routeBack
		}
		delete(f.opened, cidr)
		return nil
	}, nil
}

// isolatedSpokes is tgw-isolated-spokes' spoke-a -> spoke-b in the fake: probe Pods in each
// cluster's Pod CIDR, the "spokes" table blackholing both spokes. The network answers a call to
// spoke-b's probe Pod only when both blocked parts (the way there, 10.2.64.0/18 toward spoke-b,
// and the way back to spoke-a's Pod IP, 10.1.64.0/18 toward spoke-a) are opened; otherwise the
// call is dropped and counted on the blackhole.
func isolatedSpokes(t *testing.T) (f *fakeLab, cli, srv string) {
	f = newFake(t, "tgw-isolated-spokes")
	a, b := f.clusters["spoke-a"], f.clusters["spoke-b"]
	na, nb := a.Nodes[0].Name, b.Nodes[len(b.Nodes)-1].Name
	cli, srv = "10.1.64.5", "10.2.64.5"
	a.Probe[na] = checks.Pod{Name: "probe-a", Node: na, IP: cli}
	b.Probe[nb] = checks.Pod{Name: "probe-b", Node: nb, IP: srv}
	f.tgwRoutes = []string{"10.0.0.0/16"}
	f.tgwBlackholes = []string{"10.1.0.0/16", "10.2.0.0/16"}
	return f, cli, srv
}

func (f *fakeLab) bothOpened() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.opened["10.2.64.0/18"] == "spoke-b" && f.opened["10.1.64.0/18"] == "spoke-a"
}

func (f *fakeLab) drop() (probe.Result, error) {
	f.mu.Lock()
	f.tgwDropped++
	f.mu.Unlock()
	return tmo()
}

func TestTGWIsolationThroughTheFakeLab(t *testing.T) {
	cases := []struct {
		name string
		// network answers the call to the server; nil: the isolated spokes as designed
		network   func(f *fakeLab, cli, srv string) (probe.Result, error)
		routeBack error
		ctx       func() context.Context
		want      report.Verdict
		bad       string
	}{
		{name: "pass", want: report.Pass},
		{name: "the spokes talk: no isolation", network: func(f *fakeLab, cli, srv string) (probe.Result, error) {
			return ans{pod: "probe-b", ip: srv, remote: cli, ttl: 61}.get()
		}, want: report.Fail, bad: "probe-a"},
		{name: "no answer, but not dropped by the blackhole", network: func(f *fakeLab, cli, srv string) (probe.Result, error) {
			if f.bothOpened() {
				return ans{pod: "probe-b", ip: srv, remote: cli, ttl: 61}.get()
			}
			return tmo()
		}, want: report.Fail, bad: "TGW table spokes, forward leg"},
		{name: "opening the routes does not connect", network: func(f *fakeLab, cli, srv string) (probe.Result, error) {
			return f.drop()
		}, want: report.Fail, bad: "negative control"},
		{name: "the probe crashed", network: func(f *fakeLab, cli, srv string) (probe.Result, error) {
			return crash()
		}, want: report.Error},
		{name: "the routes cannot be put back", routeBack: errors.New("ReplaceTransitGatewayRoute: AuthFailure"), want: report.Error},
		{name: "expired context", ctx: func() context.Context {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return ctx
		}, want: report.Error},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, cli, srv := isolatedSpokes(t)
			f.routeBack = c.routeBack
			f.call = func(w checks.Where, proto, target string) (probe.Result, error) {
				if target != srv+":7001" {
					return tmo()
				}
				if c.network != nil {
					return c.network(f, cli, srv)
				}
				if f.bothOpened() {
					return ans{pod: "probe-b", ip: srv, remote: cli, ttl: 61}.get()
				}
				return f.drop()
			}
			ctx := context.Background()
			if c.ctx != nil {
				ctx = c.ctx()
			}
			r := runDefOn(t, f, "cross-cluster/tgw-isolation", "", ctx)
			if r.Verdict != c.want {
				t.Fatalf("verdict %s, want %s: %s %+v %+v", r.Verdict, c.want, r.Reason, r.Evidence, r.Negative)
			}
			if c.bad != "" && !strings.Contains(r.Reason, c.bad) {
				t.Errorf("reason %q does not name %q", r.Reason, c.bad)
			}
			if c.want == report.Pass && len(r.Evidence) != 3 {
				t.Errorf("want the silent call, the counter and the call after the repair: %+v", r.Evidence)
			}
			if c.routeBack == nil && len(f.opened) != 0 {
				t.Errorf("routes left open: %v", f.opened)
			}
		})
	}
}

// The first target is spoke-a -> spoke-b; the pass case's control opens exactly the two blocked
// parts, each toward the attachment it must reach.
func TestTGWIsolationOpensBothLegs(t *testing.T) {
	f, cli, srv := isolatedSpokes(t)
	var seenOpen []string
	f.call = func(w checks.Where, proto, target string) (probe.Result, error) {
		f.mu.Lock()
		for k, v := range f.opened {
			seenOpen = append(seenOpen, k+"->"+v)
		}
		f.mu.Unlock()
		if f.bothOpened() {
			return ans{pod: "probe-b", ip: srv, remote: cli, ttl: 61}.get()
		}
		return f.drop()
	}
	r := runDefOn(t, f, "cross-cluster/tgw-isolation", "", context.Background())
	if r.Verdict != report.Pass {
		t.Fatalf("verdict %s: %s %+v", r.Verdict, r.Reason, r.Evidence)
	}
	joined := strings.Join(seenOpen, " ")
	for _, want := range []string{"10.2.64.0/18->spoke-b", "10.1.64.0/18->spoke-a"} {
		if !strings.Contains(joined, want) {
			t.Errorf("the control did not open %s: %s", want, joined)
		}
	}
	if r.Negative == nil || !strings.Contains(r.Negative.Summary, "forward 10.2.64.0/18 -> spoke-b in table spokes") {
		t.Errorf("negative control summary: %+v", r.Negative)
	}
}
