package e2e

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/netlab-dev/netlab/plan"

	"github.com/netlab-dev/netlab/internal/testenv"
)

// The first live test (issue 3): a two-node cluster with Flannel VXLAN goes Ready, and two Pods on
// different nodes talk with their real Pod IPs: the server sees the client's Pod IP, no NAT.
const flannelTwoNodes = `apiVersion: netlab.dev/v1alpha1
kind: Scenario
metadata:
  name: e2e-flannel
vpcs:
  - name: vpc
    cidr: 10.240.0.0/16
clusters:
  - name: c1
    workers: 1
    cni: {type: flannel, mode: vxlan}
`

func TestE2EFlannelCrossNodePodIPs(t *testing.T) {
	testenv.RequireFullMatrix(t)
	p := planFor(t, "e2e-flannel", []byte(flannelTwoNodes))
	up(t, p)
	loadProbe(t, p)
	nodes := nodeNames(t, p, "c1")
	assertCrossNode(t, p, "c1", nodes[0], nodes[1])
}

// The default scenario (issue 4): flannel-basic comes up with 3 Ready nodes (Up waits for them),
// and Flannel VXLAN carries Pod traffic between the two workers, whose flannel.1 devices exist.
// kube-proxy's iptables mode holds its rules and no nftables table, and a port no Service serves
// is refused at once (the iptables half of TestE2EKubeProxyModesRules; tgw-isolated-spokes' spoke-b
// has the nftables half). Then netlab's Helm path, live (assertHelmLifecycle).
func TestE2EUpFlannelBasic(t *testing.T) {
	testenv.RequireDocker(t)
	p := planFor(t, "builtin/flannel-basic.yaml", builtinPlan(t, "flannel-basic"))
	up(t, p)
	loadProbe(t, p)
	nodes := nodeNames(t, p, "c1")
	if len(nodes) != 3 {
		t.Fatalf("flannel-basic plans %d nodes, want 3", len(nodes))
	}
	for _, n := range nodes {
		out, err := nodeExec(t, n, "ip", "-d", "link", "show", "flannel.1")
		if err != nil || !strings.Contains(out, "vxlan id 1") || !strings.Contains(out, "dstport 8472") {
			t.Fatalf("node %s has no Flannel VXLAN device on port 8472: %v\n%s", n, err, out)
		}
	}
	assertCrossNode(t, p, "c1", nodes[1], nodes[2])
	if p.Clusters[0].KubeProxyMode != "iptables" {
		t.Fatalf("flannel-basic plans kube-proxy %q; this test asserts the iptables mode", p.Clusters[0].KubeProxyMode)
	}
	assertKubeProxyRules(t, p)
	assertUnservedPortRefused(t, p)
	runChecks(t, p, "service/clusterip", "lab/hermetic")
	assertHelmLifecycle(t, p, "c1")
}

// assertCrossNode runs a probe server on serverNode and a client on clientNode: the client must
// reach the server's Pod IP, and the server must see the client's Pod IP (no NAT between Pods).
func assertCrossNode(t *testing.T, p *plan.Plan, clusterName, clientNode, serverNode string) {
	t.Helper()
	c := client(t, p, clusterName)
	cp, _ := p.Cluster(clusterName)
	server := runPod(t, c, probePod("server", serverNode, "probe", "serve"), false)
	res, clientPod := probeResult(t, c, "client", clientNode, "--allow", cp.PodCIDR.String(), "tcp", server.Status.PodIP+":7001")
	if !res.OK || res.Server == nil {
		t.Fatalf("the client did not reach the server across nodes: %+v", res)
	}
	if server.Spec.NodeName == clientPod.Spec.NodeName {
		t.Fatalf("both Pods ran on %s; the test needs two nodes", server.Spec.NodeName)
	}
	pod := cp.PodCIDR
	if ip := netip.MustParseAddr(clientPod.Status.PodIP); !pod.Contains(ip) {
		t.Fatalf("client Pod IP %s is outside the Pod CIDR %s", ip, pod)
	}
	if res.Server.RemoteIP != clientPod.Status.PodIP {
		t.Fatalf("the server saw %s, want the client's Pod IP %s (no NAT between Pods)", res.Server.RemoteIP, clientPod.Status.PodIP)
	}
	t.Logf("cross-node: client %s on %s -> server %s on %s; server saw %s, TTL %d", clientPod.Status.PodIP, clientPod.Spec.NodeName,
		server.Status.PodIP, server.Spec.NodeName, res.Server.RemoteIP, res.Server.TTL)
}
