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

// A Cilium cluster beside kube-proxy (no cgroup v2 needed): with --offline and without Cilium's
// images, 'up' stops at the images step, before anything is created.
const ciliumBesideKubeProxy = `apiVersion: netlab.dev/v1alpha1
kind: Scenario
metadata:
  name: e2e-cilium
vpcs:
  - name: vpc
    cidr: 10.243.0.0/16
clusters:
  - name: c1
    workers: 1
    cni: {type: cilium, mode: vxlan}
`

// Issue 16, on this host without a registry: Cilium is refused before anything is created, plainly.
// cni-matrix (Cilium without kube-proxy) stops at preflight when the host lacks the cgroup v2
// hierarchy, naming the feature and the fix; a Cilium cluster beside kube-proxy stops at the
// images, saying that Cilium's data plane cannot be built locally and what to do instead.
func TestE2ECiliumRefusedOffline(t *testing.T) {
	testenv.RequireDocker(t)
	cases := []struct{ name, file, want, fix string }{
		{"e2e-cilium", ciliumBesideKubeProxy, "Cilium's data plane cannot be built locally", "--charts DIR"},
	}
	if !preflight.ProbeKernel([]string{"cgroup2"})[0].Present {
		cases = append(cases, struct{ name, file, want, fix string }{"builtin/cni-matrix.yaml", string(builtinPlan(t, "cni-matrix")), "kernel feature cgroup2", "set kubeProxy.mode to iptables or nftables"})
	} else {
		t.Log("this host runs cgroup v2; cni-matrix's preflight refusal cannot be shown here")
	}
	for _, tc := range cases {
		p := planFor(t, tc.name, []byte(tc.file))
		t.Setenv("NETLAB_STATE_DIR", t.TempDir())
		start := time.Now()
		err := provision.Up(context.Background(), p, p.Source, provision.Options{Offline: true, ChartsDir: t.TempDir(), Status: status.New(testLog{t}, 1, false)})
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), tc.fix) || !strings.Contains(err.Error(), tc.name) {
			t.Fatalf("%s: want a refusal naming the file, %q and %q, got %v", tc.name, tc.want, tc.fix, err)
		}
		if d := time.Since(start); d > 60*time.Second {
			t.Fatalf("%s: the refusal took %s; it must come at once", tc.name, d)
		}
		t.Logf("%s: refused in %.2fs: %v", tc.name, time.Since(start).Seconds(), err)
		assertNothingLeft(t, p)
	}
}
