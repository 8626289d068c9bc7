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

// node0's interfaces: eth0 on the VPC, cni0 and flannel.1 on the Pod network.
var node0Links = []node.Interface{
	{Name: "eth0", Index: 2, Addrs: []string{ip0 + "/24"}},
	{Name: "cni0", Index: 3, Addrs: []string{"10.244.0.1/24"}},
	{Name: "flannel.1", Index: 4, Addrs: []string{"10.244.0.0/32"}},
}

// firstOfPool is an address of the cluster's MetalLB pool.
func firstOfPool(f *fakeLab) string {
	a := f.clusters["c1"].Plan.MetalLB.Addresses[0]
	for _, sep := range []string{"-", "/"} {
		if i := strings.Index(a, sep); i > 0 {
			a = a[:i]
		}
	}
	return a
}

func TestMoreChecksThroughTheFakeLab(t *testing.T) {
	type setup func(f *fakeLab, n net)
	cases := []struct {
		id, name string
		setup    setup
		expired  bool
		want     report.Verdict
		bad      string
	}{
		{id: "node/to-pod", name: "pass", setup: func(f *fakeLab, n net) {
			f.links["c1/probe-host-0/probe"] = node0Links
			n[pod0+":7001"] = ans{pod: "probe-0", node: n0, ip: pod0, remote: "10.244.0.1"}.get
			n["10.244.1.5:7001"] = ans{pod: "probe-1", node: n1, ip: "10.244.1.5", remote: "10.244.0.0"}.get
		}, want: report.Pass},
		{id: "node/to-pod", name: "the Pod saw an address that is not the node's", setup: func(f *fakeLab, n net) {
			f.links["c1/probe-host-0/probe"] = node0Links
			n[pod0+":7001"] = ans{pod: "probe-0", node: n0, ip: pod0, remote: "10.244.0.1"}.get
			n["10.244.1.5:7001"] = ans{pod: "probe-1", node: n1, ip: "10.244.1.5", remote: vpcClient}.get
		}, want: report.Fail, bad: "Pod on " + n1 + " saw a node address"},
		{id: "node/to-pod", name: "no answer", setup: func(f *fakeLab, n net) {}, want: report.Fail, bad: "Pod on the same node answers"},
		{id: "node/to-pod", name: "expired", setup: func(f *fakeLab, n net) {}, expired: true, want: report.Error},

		{id: "mtu/path", name: "pass", setup: func(f *fakeLab, n net) {
			f.fit = checks.ExpectMTUProbe(f.clusters["c1"].Plan).FitPayload
			n["10.244.2.5:7002"] = ans{pod: "probe-2", node: n2, ip: "10.244.2.5", remote: pod0}.get
		}, want: report.Pass},
		{id: "mtu/path", name: "one byte more also crosses", setup: func(f *fakeLab, n net) {
			n["10.244.2.5:7002"] = ans{pod: "probe-2", node: n2, ip: "10.244.2.5", remote: pod0}.get
		}, want: report.Fail, bad: "DF datagram of 1451"},
		{id: "mtu/path", name: "no answer", setup: func(f *fakeLab, n net) {
			f.fit = checks.ExpectMTUProbe(f.clusters["c1"].Plan).FitPayload
		}, want: report.Fail, bad: "DF datagram of 1450"},
		{id: "mtu/path", name: "expired", setup: func(f *fakeLab, n net) {}, expired: true, want: report.Error},

		{id: "service/etp-cluster", name: "pass", setup: func(f *fakeLab, n net) {
			f.links["c1/probe-host-0/probe"] = node0Links
			n[ip0+":30001"] = ans{pod: "echo-pinned-x", node: n2, ip: pinnedIP, remote: "10.244.0.0"}.get
		}, want: report.Pass},
		{id: "service/etp-cluster", name: "the backend saw the client (no SNAT)", setup: func(f *fakeLab, n net) {
			f.links["c1/probe-host-0/probe"] = node0Links
			n[ip0+":30001"] = ans{pod: "echo-pinned-x", node: n2, ip: pinnedIP, remote: vpcClient}.get
		}, want: report.Fail, bad: "backend on " + n2 + " saw"},
		{id: "service/etp-cluster", name: "no answer", setup: func(f *fakeLab, n net) { n[ip0+":30001"] = tmo }, want: report.Fail, bad: "node without a backend"},
		{id: "service/etp-cluster", name: "expired", setup: func(f *fakeLab, n net) {}, expired: true, want: report.Error},

		{id: "service/loadbalancer", name: "pass", setup: func(f *fakeLab, n net) {
			ip := firstOfPool(f)
			f.services["c1/"+live.Namespace+"/"+live.SvcCluster] = checks.Service{Name: live.SvcCluster, Type: "LoadBalancer", NodePort: 30001, LoadBalancerIPs: []string{ip}}
			n[ip+":7001"] = ans{pod: "echo-pinned-x", node: n2, ip: pinnedIP, remote: ip0}.get
		}, want: report.Pass},
		{id: "service/loadbalancer", name: "an address outside the pool", setup: func(f *fakeLab, n net) {
			f.services["c1/"+live.Namespace+"/"+live.SvcCluster] = checks.Service{Name: live.SvcCluster, Type: "LoadBalancer", NodePort: 30001, LoadBalancerIPs: []string{"10.0.1.99"}}
			n["10.0.1.99:7001"] = ans{pod: "echo-pinned-x", node: n2, ip: pinnedIP, remote: ip0}.get
		}, want: report.Fail, bad: "MetalLB assigned an address from the pool"},
		{id: "service/loadbalancer", name: "no answer", setup: func(f *fakeLab, n net) {
			f.services["c1/"+live.Namespace+"/"+live.SvcCluster] = checks.Service{Name: live.SvcCluster, Type: "LoadBalancer", NodePort: 30001, LoadBalancerIPs: []string{firstOfPool(f)}}
		}, want: report.Fail, bad: "VPC client"},

		{id: "dns/cluster-local", name: "pass", setup: func(f *fakeLab, n net) { dnsSetup(f, true) }, want: report.Pass},
		{id: "dns/cluster-local", name: "a missing name resolves", setup: func(f *fakeLab, n net) { dnsSetup(f, false) }, want: report.Fail, bad: "no-such-service"},
		{id: "dns/cluster-local", name: "expired", setup: func(f *fakeLab, n net) { dnsSetup(f, true) }, expired: true, want: report.Error},
	}
	for _, c := range cases {
		t.Run(c.id+"/"+c.name, func(t *testing.T) {
			f := fakeC1(t)
			n := net{}
			c.setup(f, n)
			f.use(n)
			ctx := context.Background()
			if c.expired {
				ctx = expired()
			}
			r := runDef(t, f, c.id, ctx)
			if r.Verdict != c.want {
				t.Fatalf("verdict %s, want %s: %s %+v", r.Verdict, c.want, r.Reason, r.Evidence)
			}
			if c.bad != "" {
				if e, ok := hasEvidence(r, c.bad); !ok || e.OK {
					t.Errorf("evidence %q: %+v (found %v)", c.bad, e, ok)
				}
			}
		})
	}
}

// dnsSetup gives c1 a kube-dns and an echo Service, and a CoreDNS that answers the echo name and,
// when nx, NXDOMAIN for any other.
func dnsSetup(f *fakeLab, nx bool) {
	f.services["c1/kube-system/kube-dns"] = checks.Service{Name: "kube-dns", ClusterIP: "10.96.0.10"}
	f.services["c1/"+live.Namespace+"/"+live.SvcEcho] = checks.Service{Name: live.SvcEcho, ClusterIP: "10.96.0.20"}
	f.dns = func(server, name string) (probe.DNSResult, error) {
		if strings.HasPrefix(name, live.SvcEcho+".") {
			return probe.DNSResult{Name: name, OK: true, Answers: []string{"10.96.0.20"}}, nil
		}
		if nx {
			return probe.DNSResult{Name: name, OK: true, NXDomain: true}, nil
		}
		return probe.DNSResult{Name: name, OK: true, Answers: []string{"10.96.0.99"}}, nil
	}
}
