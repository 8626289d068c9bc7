package catalog

import (
	"context"
	"testing"

	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/checks/live"
	"github.com/netlab-dev/netlab/checks/report"
	"github.com/netlab-dev/netlab/probe"
	"github.com/netlab-dev/netlab/probe/node"
)

func TestClusterIPThroughTheFakeLab(t *testing.T) {
	const vip = "10.96.0.10"
	backends := []string{"10.244.1.20", "10.244.2.20"}
	chain := KubeSVCChain(live.Namespace+"/"+live.SvcEcho+":tcp", "tcp")
	// spread answers from each backend in turn while there are backends, refuses without.
	spread := func(f *fakeLab, n *int, answerer func(i int) string) func(checks.Where, string, string) (probe.Result, error) {
		return func(w checks.Where, proto, target string) (probe.Result, error) {
			if target != vip+":7001" {
				return tmo()
			}
			if f.scaledTo() == 0 {
				return ref()
			}
			*n++
			ip := answerer(*n)
			return ans{pod: "echo-" + ip, node: n1, ip: ip, remote: pod0, client: pod0}.get()
		}
	}
	cases := []struct {
		name     string
		answerer func(i int) string
		broken   func(f *fakeLab, next func(checks.Where, string, string) (probe.Result, error)) func(checks.Where, string, string) (probe.Result, error)
		expire   bool // the context ends during the negative control
		want     report.Verdict
		bad      string
	}{
		{name: "pass", answerer: func(i int) string { return backends[i%2] }, want: report.Pass},
		{name: "one backend answers every time", answerer: func(i int) string { return backends[0] }, want: report.Fail, bad: "more than one backend answered"},
		{name: "an address that is not a backend answers", answerer: func(i int) string { return []string{backends[0], "10.244.9.9"}[i%2] }, want: report.Fail, bad: "replies come from backend Pod IPs"},
		{name: "the ClusterIP still answers without backends", answerer: func(i int) string { return backends[i%2] },
			broken: func(f *fakeLab, next func(checks.Where, string, string) (probe.Result, error)) func(checks.Where, string, string) (probe.Result, error) {
				return func(w checks.Where, proto, target string) (probe.Result, error) {
					if f.scaledTo() == 0 {
						return ans{pod: "ghost", ip: backends[0], remote: pod0}.get()
					}
					return next(w, proto, target)
				}
			}, want: report.Fail},
		{name: "the probe crashed during the control", answerer: func(i int) string { return backends[i%2] },
			broken: func(f *fakeLab, next func(checks.Where, string, string) (probe.Result, error)) func(checks.Where, string, string) (probe.Result, error) {
				return func(w checks.Where, proto, target string) (probe.Result, error) {
					if f.scaledTo() == 0 {
						return crash()
					}
					return next(w, proto, target)
				}
			}, want: report.Error},
		{name: "time runs out mid-control", answerer: func(i int) string { return backends[i%2] }, expire: true, want: report.Error},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := fakeC1(t)
			f.services["c1/"+live.Namespace+"/"+live.SvcEcho] = checks.Service{Name: live.SvcEcho, Type: "ClusterIP", ClusterIP: vip}
			f.pods["c1/"+live.DeployEcho] = []checks.Pod{{Name: "echo-a", Node: n1, IP: backends[0]}, {Name: "echo-b", Node: n2, IP: backends[1]}}
			f.conn = []node.ConntrackEntry{{DNAT: true, OrigDst: vip, OrigDport: 7001, ReplySrc: backends[1], ReplySport: 7001}}
			f.rules = iptablesRules(chain)
			n := 0
			f.call = spread(f, &n, c.answerer)
			if c.broken != nil {
				f.call = c.broken(f, f.call)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if c.expire {
				f.onScale = func(r int32) {
					if r == 0 {
						cancel()
					}
				}
			}
			r := runDef(t, f, "service/clusterip", ctx)
			if r.Verdict != c.want {
				t.Fatalf("verdict %s, want %s: %s %+v", r.Verdict, c.want, r.Reason, r.Evidence)
			}
			if c.bad != "" {
				if e, ok := hasEvidence(r, c.bad); !ok || e.OK {
					t.Errorf("evidence %q: %+v (found %v)", c.bad, e, ok)
				}
			}
			if got := f.scaledTo(); got != echoReplicas {
				t.Errorf("the check left %s at %d replicas", live.DeployEcho, got)
			}
		})
	}
}
