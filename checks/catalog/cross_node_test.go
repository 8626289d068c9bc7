package catalog

import (
	"context"
	"net/netip"
	"slices"
	"testing"

	"github.com/netlab-dev/netlab/checks/report"
	"github.com/netlab-dev/netlab/probe/node"
)

// pod-to-pod/cross-node on flannel-basic (VXLAN): client Pod IP, TTL 62, VXLAN on the uplink,
// Pod MTU = uplink MTU - overhead.
func TestCrossNodeThroughTheFakeLab(t *testing.T) {
	const srv = "10.244.2.5"
	cases := []struct {
		name    string
		ttl     int
		remote  string
		vxlan   int                 // VXLAN datagrams of the flow, each way
		capture *node.CaptureResult // instead of vxlan: the capture's answer
		podMTU  int                 // 0: the plan's
		silent  bool
		expired bool
		want    report.Verdict
		bad     string
	}{
		{name: "pass", ttl: 62, remote: pod0, vxlan: 12, want: report.Pass},
		{name: "no VXLAN on the uplink", ttl: 62, remote: pod0, vxlan: 0, want: report.Fail, bad: "VXLAN UDP/"},
		// VXLAN on the port, but not this flow's (other checks' traffic, or a datagram that is not VXLAN).
		{name: "only other flows and garbage", ttl: 62, remote: pod0, capture: &node.CaptureResult{ByPort: map[string]int{},
			VXLANCounts: node.VXLANCounts{OtherFlow: 40, NotVXLAN: 1}}, want: report.Fail, bad: "VXLAN UDP/"},
		{name: "the flow one way only", ttl: 62, remote: pod0, capture: &node.CaptureResult{ByPort: map[string]int{"8472": 6},
			VXLANCounts: node.VXLANCounts{Packets: 6, Forward: 6, ByVNI: map[string]int{"1": 6}}}, want: report.Fail, bad: "VXLAN UDP/"},
		{name: "the flow on another port", ttl: 62, remote: pod0, capture: &node.CaptureResult{ByPort: map[string]int{"4789": 12},
			VXLANCounts: node.VXLANCounts{Packets: 12, Forward: 6, Reply: 6, ByVNI: map[string]int{"1": 12}}}, want: report.Fail, bad: "VXLAN UDP/"},
		{name: "NATed", ttl: 62, remote: ip0, vxlan: 12, want: report.Fail, bad: "server saw the client Pod IP"},
		{name: "TTL 63", ttl: 63, remote: pod0, vxlan: 12, want: report.Fail, bad: "TTL at the server"},
		{name: "Pod MTU not lowered", ttl: 62, remote: pod0, vxlan: 12, podMTU: 1500, want: report.Fail, bad: "Pod MTU = uplink MTU - overhead"},
		{name: "no answer", silent: true, vxlan: 12, want: report.Fail, bad: "server answers"},
		{name: "expired", ttl: 62, remote: pod0, vxlan: 12, expired: true, want: report.Error},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := fakeC1(t)
			cp := f.clusters["c1"].Plan
			mtu := cp.CNI.PodMTU
			if c.podMTU != 0 {
				mtu = c.podMTU
			}
			f.links["c1/probe-0/probe"] = []node.Interface{{Name: "eth0", MTU: mtu, Addrs: []string{pod0 + "/24"}}}
			f.links["c1/probe-host-0/probe"] = []node.Interface{{Name: "eth0", MTU: cp.CNI.UplinkMTU, Addrs: []string{ip0 + "/24"}}}
			f.capture = node.CaptureResult{ByPort: map[string]int{"8472": 2 * c.vxlan},
				VXLANCounts: node.VXLANCounts{Packets: 2 * c.vxlan, Forward: c.vxlan, Reply: c.vxlan, ByVNI: map[string]int{"1": 2 * c.vxlan}}}
			if c.capture != nil {
				f.capture = *c.capture
			}
			n := net{}
			if !c.silent {
				n[srv+":7001"] = ans{pod: "probe-2", node: n2, ip: srv, remote: c.remote, ttl: c.ttl}.get
			}
			f.use(n)
			ctx := context.Background()
			if c.expired {
				ctx = expired()
			}
			r := runDef(t, f, "pod-to-pod/cross-node", ctx)
			if r.Verdict != c.want {
				t.Fatalf("verdict %s, want %s: %s %+v", r.Verdict, c.want, r.Reason, r.Evidence)
			}
			if want := (node.InnerFlow{Src: netip.MustParseAddr(pod0), Dst: netip.MustParseAddr(srv), Port: 7001}); !c.expired && !slices.Contains(f.captured, want) {
				t.Errorf("captured flows %v, want %v", f.captured, want)
			}
			if c.bad != "" {
				if e, ok := hasEvidence(r, c.bad); !ok || e.OK {
					t.Errorf("evidence %q: %+v (found %v)", c.bad, e, ok)
				}
			}
		})
	}
}
