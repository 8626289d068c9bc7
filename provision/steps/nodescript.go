package steps

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/netlab-dev/netlab/plan"
)

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

// OnNodes runs a shell script in every node of cluster c, one node after the other; what names
// the script in errors.
func (sc *StepContext) OnNodes(ctx context.Context, c plan.ClusterPlan, what, script string) error {
	ns, err := sc.Nodes(c)
	if err != nil {
		return err
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
