package provision

import (
	"bytes"
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/provision/kube"
)

// GuardMetric is the route metric of the guard routes. A route to the same prefix with a lower
// metric (a connected subnet, a CNI's route, the TGW step's VPC route table) wins over the guard,
// and the guard never replaces it; more specific prefixes (Flannel's per-node Pod routes, the
// node's own subnet) win by length.
const GuardMetric = 4242

// GuardScript is the idempotent shell script that keeps the lab traffic of cluster c's nodes on
// this machine: an unreachable route, at GuardMetric, for every range the lab owns, except
//   - the ranges inside a route of the cluster's VPC route table: those go to the transit
//     gateway, which forwards or drops them by its own tables; a guard more specific than such a
//     route would cut the path;
//   - the cluster's own Service range: a connection a node itself opens (kubelet, Flannel and
//     other hostNetwork Pods reaching the API server's ClusterIP) is routed once before
//     kube-proxy's OUTPUT rules translate it, and an unreachable route would fail it there.
//     Unassigned ClusterIPs of the cluster's own range therefore still follow the default route,
//     as in any kind cluster.
//
// Without it, a packet from a Pod or node to a lab address that nothing routes (another cluster's
// Pod or Service range in a lab without a transit gateway, an unassigned ClusterIP or VPC address)
// follows the node's default route to the Docker host and from there the host's default route off
// the machine. With it, the sender gets ICMP unreachable at once.
func GuardScript(p *plan.Plan, c plan.ClusterPlan) string {
	var routed []netip.Prefix
	for _, r := range c.VPCRoutes {
		if r.CIDR.IsValid() {
			routed = append(routed, r.CIDR.Masked())
		}
	}
	var b strings.Builder
	b.WriteString("set -e\n")
	own := c.ServiceCIDR
	for _, pf := range p.LabCIDRs() {
		if pf == own.Masked() {
			continue
		}
		if slices.ContainsFunc(routed, func(r netip.Prefix) bool { return plan.PrefixContains(r, pf) }) {
			continue
		}
		fmt.Fprintf(&b, "ip route replace unreachable %s metric %d\n", pf, GuardMetric)
	}
	return b.String()
}

// guard installs GuardScript on every node of every cluster.
func (r *runner) guard(ctx context.Context) error {
	return r.eachCluster(func(c plan.ClusterPlan, _ *kube.Client) error {
		return r.onNodes(ctx, c, "guard routes", PersistScript("/", "10-guard", GuardScript(r.p, c)))
	})
}

// NodeUnit is the systemd service in each node that applies netlab's node scripts again: at boot
// (a restarted node container has lost its routes and rules) and every 30 s from its timer
// (Flannel and kube-proxy insert their own POSTROUTING jumps when their Pods start again, and
// the preserve jump must stay first). The scripts are idempotent.
const NodeUnit = "netlab-node"

// NodeScriptDir is where the node scripts are kept in each node, run in name order.
const NodeScriptDir = "etc/netlab/node.d"

// PersistScript wraps a node script so that it is kept in the node as NodeScriptDir/name.sh
// (under root, "/" in a node) and run now; where systemd runs the node (kind's nodes), it also
// installs and starts NodeUnit's service and timer, which run every kept script again at boot
// and every 30 s.
func PersistScript(root, name, script string) string {
	dir := strings.TrimSuffix(root, "/") + "/" + NodeScriptDir
	sys := strings.TrimSuffix(root, "/") + "/etc/systemd/system"
	return fmt.Sprintf(`set -e
mkdir -p %[1]s
cat > %[1]s/%[2]s.sh.tmp <<'NETLAB_SCRIPT_EOF'
%[3]s
NETLAB_SCRIPT_EOF
mv %[1]s/%[2]s.sh.tmp %[1]s/%[2]s.sh
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  cat > %[4]s/%[5]s.service <<'NETLAB_UNIT_EOF'
[Unit]
Description=netlab: apply the lab's node routes and rules again (%[1]s)
After=network.target

[Service]
Type=oneshot
ExecStart=/bin/sh -c 'for f in %[1]s/*.sh; do [ -e "$f" ] || continue; sh "$f" || exit 1; done'

[Install]
WantedBy=multi-user.target
NETLAB_UNIT_EOF
  cat > %[4]s/%[5]s.timer <<'NETLAB_UNIT_EOF'
[Unit]
Description=netlab: apply the lab's node routes and rules every 30 s

[Timer]
OnBootSec=15s
OnUnitActiveSec=30s
AccuracySec=5s

[Install]
WantedBy=timers.target
NETLAB_UNIT_EOF
  systemctl daemon-reload
  systemctl enable %[5]s.service %[5]s.timer >/dev/null 2>&1
  systemctl restart %[5]s.timer
fi
sh %[1]s/%[2]s.sh
`, dir, name, strings.TrimRight(script, "\n"), sys, NodeUnit)
}

// onNodes runs a shell script in every node of cluster c, one node after the other.
func (r *runner) onNodes(ctx context.Context, c plan.ClusterPlan, what, script string) error {
	ns, err := r.kind.Nodes(c.KindName)
	if err != nil {
		return fmt.Errorf("cluster %s: list nodes: %w", c.Name, err)
	}
	for _, n := range ns {
		if err := ctx.Err(); err != nil {
			return err
		}
		var out bytes.Buffer
		cmd := n.CommandContext(ctx, "sh", "-c", script)
		cmd.SetStdout(&out)
		cmd.SetStderr(&out)
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("cluster %s node %s: %s: %v: %s", c.Name, n.String(), what, err, strings.TrimSpace(out.String()))
		}
	}
	return nil
}
