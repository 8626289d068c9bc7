package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/netlab-dev/netlab/internal/status"
	"github.com/netlab-dev/netlab/internal/testenv"
	"github.com/netlab-dev/netlab/provision"
	"github.com/netlab-dev/netlab/provision/preflight"
)

// Issue 13: one Calico cluster end to end, on the nftables data plane (Felix with
// FELIX_NFTABLESMODE=Enabled beside kube-proxy's nftables mode), with every image built here. Each
// node has Felix's VXLAN device on the IANA port, Felix's nftables table and no iptables chains of
// Calico's, Pods on two nodes talk with their real Pod IPs, and every applicable check passes,
// netpol/egress-allowlist with its negative control. kube-proxy's nftables mode holds its table and
// no KUBE-SVC chains, and a port no Service serves is refused at once (the nftables half of
// TestE2EKubeProxyModesRules).
const calicoNFTables = `apiVersion: netlab.dev/v1alpha1
kind: Scenario
metadata:
  name: e2e-calico
vpcs:
  - name: vpc
    cidr: 10.242.0.0/16
clusters:
  - name: c1
    workers: 1
    cni: {type: calico, mode: vxlan}
    kubeProxy: {mode: nftables}
    networkPolicies:
      - name: egress-allowlist
        podSelector: {app: netlab-client}
        egressAllow:
          - cidr: 10.242.1.0/24
            ports: [8080]
checks:
  paths: ["pod-to-pod/*", "node/to-pod", "node/from-pod", "service/clusterip", "service/nodeport", "netpol/egress-allowlist", "mtu/path", "dns/cluster-local", "lab/hermetic"]
`

func TestE2ECalicoNFTables(t *testing.T) {
	testenv.RequireDocker(t)
	p := planFor(t, "e2e-calico", []byte(calicoNFTables))
	up(t, p)
	loadProbe(t, p)
	nodes := nodeNames(t, p, "c1")
	for _, n := range nodes {
		out, err := nodeExec(t, n, "ip", "-d", "link", "show", "vxlan.calico")
		if err != nil || !strings.Contains(out, "dstport 4789") {
			t.Fatalf("node %s has no Calico VXLAN device on port 4789: %v\n%s", n, err, out)
		}
		// Felix programs nftables: its table exists, and it writes no cali- chains through iptables.
		var tables, chains string
		for deadline := time.Now().Add(time.Minute); ; time.Sleep(2 * time.Second) {
			tables, _ = nodeExec(t, n, "nft", "list", "tables")
			chains, _ = nodeExec(t, n, "sh", "-c", "iptables-save | grep -c '^:cali-' || true")
			if strings.Contains(tables, "calico") || time.Now().After(deadline) {
				break
			}
		}
		if !strings.Contains(tables, "calico") || strings.TrimSpace(chains) != "0" {
			t.Errorf("node %s: want Felix's nftables table and no iptables cali- chains; tables:\n%s\ncali- chains: %s", n, tables, chains)
		}
	}
	assertCrossNode(t, p, "c1", nodes[0], nodes[1])
	assertKubeProxyRules(t, p)
	assertUnservedPortRefused(t, p)
	runChecks(t, p, "netpol/egress-allowlist")
}

// Before anything is created: Calico IPIP on this kernel (no ipip) is refused at preflight, naming
// the missing kernel feature and the mode that works; Calico BGP on this host's calico-node image
// (netlab's build, without BIRD) is refused once the images are checked, naming BIRD and the ways
// out.
func TestE2ECalicoBIRDModesRefused(t *testing.T) {
	testenv.RequireDocker(t)
	for _, tc := range []struct{ mode, want, fix string }{
		{"ipip", "kernel feature ipip", "set cni.mode to vxlan"},
		{"bgp", "calico mode bgp needs BIRD", "no BIRD"},
	} {
		if tc.mode == "ipip" && hasIPIP() {
			t.Log("this kernel has ipip; the kernel refusal cannot be shown here")
			continue
		}
		src := strings.Replace(calicoNFTables, "mode: vxlan", "mode: "+tc.mode, 1)
		p := planFor(t, "e2e-calico-"+tc.mode, []byte(src))
		t.Setenv("NETLAB_STATE_DIR", t.TempDir())
		start := time.Now()
		err := provision.Up(context.Background(), p, p.Source, provision.Options{Offline: true, Status: status.New(testLog{t}, 1, false)})
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), tc.fix) || !strings.Contains(err.Error(), "e2e-calico-"+tc.mode) {
			t.Fatalf("%s: want a refusal naming the file, %q and %q, got %v", tc.mode, tc.want, tc.fix, err)
		}
		if d := time.Since(start); d > 60*time.Second {
			t.Fatalf("%s: the refusal took %s; it must come at once", tc.mode, d)
		}
		assertNothingLeft(t, p)
	}
}

// hasIPIP asks preflight's own kernel probe (an ipip link in a throwaway namespace).
func hasIPIP() bool {
	return preflight.ProbeKernel([]string{"ipip"})[0].Present
}
