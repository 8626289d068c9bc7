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
//
// Full matrix only: compiling Calico (7 to 15 minutes with an empty Go cache) and its lab would
// push a cold .ci/run past its hour. The default e2e stage asserts kube-proxy's nftables half on
// tgw-isolated-spokes' spoke-b instead; ci/e2e-full.sh builds Calico's images and runs this.
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
	testenv.RequireFullMatrix(t)
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
// the missing kernel feature and the mode that works.
func TestE2ECalicoIPIPRefused(t *testing.T) {
	testenv.RequireDocker(t)
	if hasIPIP() {
		t.Skip("this kernel has ipip; the kernel refusal cannot be shown here")
	}
	assertCalicoModeRefused(t, "ipip", "kernel feature ipip", "set cni.mode to vxlan")
}

// Calico BGP on this host's calico-node image (netlab's build, without BIRD) is refused once the
// images are checked, naming BIRD and the ways out. Full matrix only: it needs Calico's images,
// which only ci/e2e-full.sh builds.
func TestE2ECalicoBGPRefused(t *testing.T) {
	testenv.RequireFullMatrix(t)
	assertCalicoModeRefused(t, "bgp", "calico mode bgp needs BIRD", "no BIRD")
}

// assertCalicoModeRefused: 'up' of the Calico lab in the given mode fails at once with an error
// that names the file, want and fix, and creates nothing.
func assertCalicoModeRefused(t *testing.T, mode, want, fix string) {
	t.Helper()
	src := strings.Replace(calicoNFTables, "mode: vxlan", "mode: "+mode, 1)
	p := planFor(t, "e2e-calico-"+mode, []byte(src))
	t.Setenv("NETLAB_STATE_DIR", t.TempDir())
	start := time.Now()
	err := provision.Up(context.Background(), p, p.Source, provision.Options{Offline: true, Status: status.New(testLog{t}, 1, false)})
	if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), fix) || !strings.Contains(err.Error(), "e2e-calico-"+mode) {
		t.Fatalf("%s: want a refusal naming the file, %q and %q, got %v", mode, want, fix, err)
	}
	if d := time.Since(start); d > 60*time.Second {
		t.Fatalf("%s: the refusal took %s; it must come at once", mode, d)
	}
	assertNothingLeft(t, p)
}

// hasIPIP asks preflight's own kernel probe (an ipip link in a throwaway namespace).
func hasIPIP() bool {
	return preflight.ProbeKernel([]string{"ipip"})[0].Present
}
