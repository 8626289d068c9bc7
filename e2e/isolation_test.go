package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/netlab-dev/netlab/checks/live"
	"github.com/netlab-dev/netlab/checks/report"
	"github.com/netlab-dev/netlab/internal/status"
	"github.com/netlab-dev/netlab/internal/testenv"
	"github.com/netlab-dev/netlab/labstate"
	"github.com/netlab-dev/netlab/provision/tgw"
	tgwserve "github.com/netlab-dev/netlab/tgw"
	tgwclient "github.com/netlab-dev/netlab/tgw/client"
)

// tgw-isolated-spokes: a hub and two spokes behind a TGW with two route tables. The spokes reach the
// hub's Pods and its internal LoadBalancer addresses (the "spokes" table routes the hub, the "hub"
// table routes the replies back), and the route tables keep the spokes apart both ways:
// cross-cluster/tgw-isolation runs for spoke-a -> spoke-b and spoke-b -> spoke-a, sees no answer,
// sees the drop counted on the "spokes" table's blackhole, and its control opens the blocked parts
// through the EC2 API, sees the pair connect, and puts the routes back. Afterwards the TGW's tables
// hold exactly what 'up' made: the blackholes, and no route the controls added.
//
// spoke-b runs kube-proxy in nftables mode here (the built-in scenario leaves every cluster on
// iptables): this lab carries the nftables half of TestE2EKubeProxyModesRules in the default e2e
// stage, so that Calico's lab, which also runs nftables, can stay in the full matrix.
func TestE2ETGWIsolatedSpokes(t *testing.T) {
	testenv.RequireDocker(t)
	src := string(builtinPlan(t, "tgw-isolated-spokes"))
	const spokeB = "    serviceCIDR: 172.22.0.0/16\n"
	if strings.Count(src, spokeB) != 1 {
		t.Fatalf("built-in tgw-isolated-spokes changed: no single %q line for spoke-b", spokeB)
	}
	src = strings.Replace(src, spokeB, spokeB+"    kubeProxy: {mode: nftables}\n", 1)
	p := planFor(t, "builtin/tgw-isolated-spokes.yaml+nftables", []byte(src))
	if c, _ := p.Cluster("spoke-b"); c == nil || c.KubeProxyMode != "nftables" {
		t.Fatalf("spoke-b's kube-proxy mode is not nftables in the plan: %+v", c)
	}
	assertTGWGoneAfterDown(t, p)
	up(t, p)
	loadProbe(t, p)
	// kube-proxy: hub and spoke-a hold iptables rules only, spoke-b nftables only, and a port no
	// Service serves is refused at once in either mode.
	assertKubeProxyRules(t, p)
	assertUnservedPortRefused(t, p)
	rep := runChecks(t, p, "cross-cluster/tgw-isolation", "cross-cluster/tgw-pod", "lab/hermetic")

	isolation, pods := 0, 0
	for _, r := range rep.Results {
		switch r.Path {
		case "cross-cluster/tgw-isolation":
			isolation++
			counted := false
			for _, e := range r.Evidence {
				t.Logf("%s [%s]: %s: %s (want %s) ok=%v", r.Path, r.Cluster, e.Name, e.Observed, e.Expected, e.OK)
				if strings.HasPrefix(e.Name, "TGW table spokes, forward leg: packets on 10.") && strings.Contains(e.Name, "blackhole") && e.OK {
					counted = true
				}
			}
			if !counted {
				t.Errorf("%s [%s]: the drop was not shown on the spokes table's blackhole", r.Path, r.Cluster)
			}
		case "cross-cluster/tgw-pod":
			if r.Verdict == report.Pass {
				pods++
			}
		}
	}
	if isolation != 2 {
		t.Errorf("want tgw-isolation for both spoke pairs, got %d", isolation)
	}
	if pods != 4 {
		t.Errorf("want tgw-pod passing for the 4 hub<->spoke pairs, got %d", pods)
	}

	// The controls put back what they changed: the blackholes are there, and no route they added.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ep, err := tgw.EndpointFor(p.Lab)
	if err != nil {
		t.Fatal(err)
	}
	v, err := tgwclient.FetchRoutes(ctx, ep)
	if err != nil {
		t.Fatal(err)
	}
	for _, tv := range v.Tables {
		if !strings.HasSuffix(tv.Name, "-spokes") {
			continue
		}
		have := map[string]bool{}
		for _, r := range tv.Routes {
			if r.Via == "" {
				have[r.Dst+" "+r.Type+" "+map[bool]string{true: "blackhole", false: r.AttachmentID}[r.Blackhole]] = true
			}
			switch r.Dst {
			case "10.1.64.0/18", "10.2.64.0/18", "10.1.1.0/25", "10.2.1.0/25":
				t.Errorf("table %s still holds %s (%s %s), which a control added", tv.Name, r.Dst, r.Type, r.AttachmentID)
			}
		}
		for _, want := range []string{"10.1.0.0/16 static blackhole", "10.2.0.0/16 static blackhole"} {
			if !have[want] {
				t.Errorf("table %s lost %s: %v", tv.Name, want, have)
			}
		}
	}

	assertTGWAPIOnlyFromHost(t, p.Lab)
}

// assertTGWAPIOnlyFromHost: a probe Pod of an attached VPC is refused by the TGW's API on its leg
// (its SYN gets a reset: "connection refused", no HTTP status), while the host, through the published
// port and the lab's credentials, lists the transit gateway.
func assertTGWAPIOnlyFromHost(t *testing.T, lab string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	l, err := live.Open(ctx, lab)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if err := l.Prepare(ctx, status.New(testLog{t}, 1, false)); err != nil {
		t.Fatalf("prepare the probes: %v", err)
	}
	c, err := l.Cluster("spoke-a")
	if err != nil {
		t.Fatal(err)
	}
	pod := c.Probe[c.Nodes[0].Name]
	leg := "10.1.1.254"
	r, err := l.HTTP(ctx, c.InPod(pod), "http://"+leg+":4566/?Action=DescribeTransitGateways&Version=2016-11-15", "")
	t.Logf("TGW API from Pod %s (%s) at %s:4566: HTTP status %d, error %q (%v)", pod.Name, pod.IP, leg, r.HTTPStatus, r.Error, err)
	if r.Proto == "" || r.HTTPStatus != 0 || r.OK || !strings.Contains(r.Error, "connection refused") {
		t.Errorf("a Pod reached the TGW's API, or was not refused at once (nftables table %s), or the probe did not run: %+v %v", tgwserve.APIFilterTable, r, err)
	}
	ep, err := tgw.EndpointFor(lab)
	if err != nil {
		t.Fatal(err)
	}
	st, err := labstate.Load(lab)
	if err != nil {
		t.Fatal(err)
	}
	out, err := tgwclient.NewEC2(ep, tgw.ClientCredentials(st.TGWCredentials)).DescribeTransitGateways(ctx, &ec2.DescribeTransitGatewaysInput{})
	if err != nil {
		t.Errorf("the host with the lab's credentials at %s: %v", ep, err)
	} else if len(out.TransitGateways) != 1 {
		t.Errorf("the host with the lab's credentials at %s: %d transit gateways, want 1", ep, len(out.TransitGateways))
	}
}
