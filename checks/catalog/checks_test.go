package catalog

import (
	"context"
	"strings"
	"testing"

	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/checks/live"
	"github.com/netlab-dev/netlab/checks/report"
	"github.com/netlab-dev/netlab/probe"
	"github.com/netlab-dev/netlab/probe/node"
)

// net is a network as the fake sees it: what each target does, by target; any other target
// times out.
type net map[string]func() (probe.Result, error)

// ans is an answer: the server that answered and what it saw.
type ans struct {
	pod, node, ip  string // the server
	remote, client string // the source it saw; the client Pod's own IP
	ttl            int
	local          string // the address the server accepted on (default ip)
}

func (a ans) get() (probe.Result, error) {
	r, err := answer(a.pod, a.node, a.ip, a.remote, a.ttl)
	r.Client.PodIP = a.client
	if a.local != "" {
		r.Server.LocalIP = a.local
	}
	return r, err
}

func ref() (probe.Result, error)   { return refused("tcp") }
func tmo() (probe.Result, error)   { return timedOut("tcp") }
func crash() (probe.Result, error) { return crashed("tcp") }

// flannel-basic's c1 in the fake: three nodes, pinned backend on the last.
const (
	n0, n1, n2    = "flannel-basic-c1-control-plane", "flannel-basic-c1-worker", "flannel-basic-c1-worker2"
	ip0, ip1, ip2 = "10.0.1.10", "10.0.1.11", "10.0.1.12"
	pod0, pod2    = "10.244.0.5", "10.244.2.5"
	pinnedIP      = "10.244.2.9"
	vpcClient     = "10.0.1.250"
)

// healthy is c1 where every path works as its definition says.
func healthy() net {
	return net{
		// pod/localhost: the peer on loopback; the same port on the Pod IP is closed
		"127.0.0.1:7101": ans{pod: "probe-0", node: n0, ip: pod0, remote: "127.0.0.1", client: pod0, local: "127.0.0.1"}.get,
		pod0 + ":7101":   ref,
		// node/from-pod: the Pod on the last node calls its node
		ip2 + ":7201": ans{pod: "probe-host-2", node: n2, ip: ip2, remote: pod2, client: pod2}.get,
		// pod-to-pod/same-node: the pinned backend, on the client's node, bridged (TTL 64)
		pinnedIP + ":7001": ans{pod: "echo-pinned-x", node: n2, ip: pinnedIP, remote: pod2, client: pod2, ttl: 64}.get,
		// egress/snat: the VPC client sees the node IP
		vpcClient + ":7001": ans{pod: "c1-client", node: "", ip: vpcClient, remote: ip2, client: pod2}.get,
		// service/nodeport: every node answers
		ip0 + ":30001": ans{pod: "echo-pinned-x", node: n2, ip: pinnedIP, remote: ip0}.get,
		ip1 + ":30001": ans{pod: "echo-pinned-x", node: n2, ip: pinnedIP, remote: ip1}.get,
		ip2 + ":30001": ans{pod: "echo-pinned-x", node: n2, ip: pinnedIP, remote: ip2}.get,
		// service/etp-local: the backend's node keeps the client IP; the others drop
		ip2 + ":30002": ans{pod: "echo-pinned-x", node: n2, ip: pinnedIP, remote: vpcClient}.get,
	}
}

func (f *fakeLab) use(n net) {
	f.call = func(w checks.Where, proto, target string) (probe.Result, error) {
		if g, ok := n[target]; ok {
			return g()
		}
		return tmo()
	}
}

func with(n net, changes net) net {
	out := net{}
	for k, v := range n {
		out[k] = v
	}
	for k, v := range changes {
		out[k] = v
	}
	return out
}

func fakeC1(t *testing.T) *fakeLab {
	f := newFake(t, "flannel-basic")
	f.pods["c1/"+live.DeployPinned] = []checks.Pod{{Name: "echo-pinned-x", Node: n2, IP: pinnedIP}}
	f.services["c1/"+live.Namespace+"/"+live.SvcCluster] = checks.Service{Name: live.SvcCluster, Type: "NodePort", NodePort: 30001}
	f.services["c1/"+live.Namespace+"/"+live.SvcLocal] = checks.Service{Name: live.SvcLocal, Type: "NodePort", NodePort: 30002}
	eth0 := node.Interface{Name: "eth0", Index: 2, MAC: "aa:bb:cc:00:00:05", Addrs: []string{pod0 + "/24"}}
	f.links["c1/probe-0/probe"] = []node.Interface{{Name: "lo", Index: 1, Addrs: []string{"127.0.0.1/8"}}, eth0}
	f.links["c1/probe-0/peer"] = []node.Interface{{Name: "lo", Index: 1, Addrs: []string{"127.0.0.1/8"}}, eth0}
	return f
}

// Every in-cluster check through the fake: it passes on the healthy network; it fails when one
// evidence item does not hold or when its control does not break the path; it fails when nothing
// answers; a probe that could not run or a context that expired makes it an error.
func TestChecksThroughTheFakeLab(t *testing.T) {
	cases := []struct {
		id, name string
		net      net
		expired  bool
		links    map[string][]node.Interface // replaces the fake's
		want     report.Verdict
		bad      string // an evidence item that must not hold (prefix of its name)
	}{
		{id: "pod/localhost", name: "pass", net: healthy(), want: report.Pass},
		{id: "pod/localhost", name: "the peer saw a Pod IP source", net: with(healthy(), net{"127.0.0.1:7101": ans{pod: "probe-0", node: n0, ip: pod0, remote: pod0, client: pod0, local: "127.0.0.1"}.get}), want: report.Fail, bad: "the peer saw a loopback source"},
		{id: "pod/localhost", name: "the peer's port answers on the Pod IP", net: with(healthy(), net{pod0 + ":7101": ans{pod: "probe-0", node: n0, ip: pod0, remote: pod0, client: pod0}.get}), want: report.Fail, bad: "the peer's port on the Pod IP"},
		{id: "pod/localhost", name: "the peer sees another eth0", net: healthy(), links: map[string][]node.Interface{"c1/probe-0/peer": {{Name: "eth0", Index: 2, MAC: "aa:bb:cc:00:00:99", Addrs: []string{pod0 + "/24"}}}}, want: report.Fail, bad: "both containers see one eth0"},
		{id: "pod/localhost", name: "the namespace holds another address than the status IP", net: healthy(), links: map[string][]node.Interface{
			"c1/probe-0/probe": {{Name: "eth0", Index: 2, MAC: "aa:bb:cc:00:00:05", Addrs: []string{"10.244.0.77/24"}}},
			"c1/probe-0/peer":  {{Name: "eth0", Index: 2, MAC: "aa:bb:cc:00:00:05", Addrs: []string{"10.244.0.77/24"}}}}, want: report.Fail, bad: "both containers see one eth0"},
		{id: "pod/localhost", name: "no answer", net: net{}, want: report.Fail, bad: "peer container answers"},
		{id: "pod/localhost", name: "the probe on the Pod IP crashed", net: with(healthy(), net{pod0 + ":7101": crash}), want: report.Error},
		{id: "pod/localhost", name: "expired", net: healthy(), expired: true, want: report.Error},

		{id: "node/from-pod", name: "pass", net: healthy(), want: report.Pass},
		{id: "node/from-pod", name: "the node saw its own IP (SNAT)", net: with(healthy(), net{ip2 + ":7201": ans{pod: "probe-host-2", node: n2, ip: ip2, remote: ip2}.get}), want: report.Fail, bad: "node saw the Pod IP"},
		{id: "node/from-pod", name: "another node answered", net: with(healthy(), net{ip2 + ":7201": ans{pod: "probe-host-0", node: n0, ip: ip2, remote: pod2}.get}), want: report.Fail, bad: "the answer came from the node's network namespace"},
		{id: "node/from-pod", name: "no answer", net: net{}, want: report.Fail, bad: "node answers"},
		{id: "node/from-pod", name: "expired", net: healthy(), expired: true, want: report.Error},

		{id: "pod-to-pod/same-node", name: "pass", net: healthy(), want: report.Pass},
		{id: "pod-to-pod/same-node", name: "a routed hop (TTL 63)", net: with(healthy(), net{pinnedIP + ":7001": ans{pod: "echo-pinned-x", node: n2, ip: pinnedIP, remote: pod2, client: pod2, ttl: 63}.get}), want: report.Fail, bad: "TTL at the server"},
		{id: "pod-to-pod/same-node", name: "NATed source", net: with(healthy(), net{pinnedIP + ":7001": ans{pod: "echo-pinned-x", node: n2, ip: pinnedIP, remote: ip2, client: pod2, ttl: 64}.get}), want: report.Fail, bad: "server saw the client Pod IP"},
		{id: "pod-to-pod/same-node", name: "no answer", net: net{}, want: report.Fail, bad: "server answers"},
		{id: "pod-to-pod/same-node", name: "expired", net: healthy(), expired: true, want: report.Error},

		{id: "egress/snat", name: "pass", net: healthy(), want: report.Pass},
		{id: "egress/snat", name: "no SNAT", net: with(healthy(), net{vpcClient + ":7001": ans{pod: "c1-client", ip: vpcClient, remote: pod2, client: pod2}.get}), want: report.Fail, bad: "server saw"},
		{id: "egress/snat", name: "no answer", net: net{}, want: report.Fail, bad: "server outside the cluster answers"},
		{id: "egress/snat", name: "expired", net: healthy(), expired: true, want: report.Error},

		{id: "service/nodeport", name: "pass", net: healthy(), want: report.Pass},
		{id: "service/nodeport", name: "a node without a backend does not forward", net: with(healthy(), net{ip0 + ":30001": tmo}), want: report.Fail, bad: ip0 + ":30001"},
		{id: "service/nodeport", name: "expired", net: healthy(), expired: true, want: report.Error},

		{id: "service/etp-local", name: "pass", net: healthy(), want: report.Pass},
		{id: "service/etp-local", name: "the client IP is lost", net: with(healthy(), net{ip2 + ":30002": ans{pod: "echo-pinned-x", node: n2, ip: pinnedIP, remote: ip2}.get}), want: report.Fail, bad: "backend saw the client's own IP"},
		{id: "service/etp-local", name: "a node without a backend answers", net: with(healthy(), net{ip0 + ":30002": ans{pod: "echo-pinned-x", node: n2, ip: pinnedIP, remote: ip0}.get}), want: report.Fail, bad: "node without a local backend"},
		{id: "service/etp-local", name: "the silent node's probe crashed", net: with(healthy(), net{ip0 + ":30002": crash}), want: report.Error},
		{id: "service/etp-local", name: "no answer", net: net{}, want: report.Fail, bad: "backend's node"},
		{id: "service/etp-local", name: "expired", net: healthy(), expired: true, want: report.Error},
	}
	for _, c := range cases {
		t.Run(c.id+"/"+c.name, func(t *testing.T) {
			f := fakeC1(t)
			f.use(c.net)
			for k, v := range c.links {
				f.links[k] = v
			}
			ctx := context.Background()
			if c.expired {
				ctx = expired()
			}
			r := runDef(t, f, c.id, ctx)
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
		})
	}
}

// --perf without the host baseline: the figures cannot be compared, so the check is an error,
// not a pass with ratio 0.
func TestPerfWithoutABaselineIsAnError(t *testing.T) {
	f := fakeC1(t)
	f.use(healthy())
	env := f.env()
	env.Perf = true
	d, _ := checks.Lookup(All(), "pod-to-pod/same-node")
	r := d.Run(context.Background(), env, checks.Target{Cluster: "c1"})
	if r.Verdict != report.Error || !strings.Contains(r.Reason, "host baseline") {
		t.Fatalf("verdict %s: %s", r.Verdict, r.Reason)
	}
	for _, m := range r.Perf {
		if m.Ratio != 0 || m.Baseline != 0 {
			t.Errorf("a ratio without a baseline: %+v", m)
		}
	}
}
