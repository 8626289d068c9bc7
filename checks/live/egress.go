package live

import (
	"context"
	"fmt"

	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/egress"
	"github.com/netlab-dev/netlab/probe"
)

// EgressGuard reads the lab's egress guard counters from the host's nftables (netlab check runs on
// the host, as root, like up).
func (l *Lab) EgressGuard(ctx context.Context) (egress.Counters, error) {
	c, err := egress.Read(l.Plan.Lab)
	checks.Record(ctx, "host", "nftables: counters of table "+egress.TableName(l.Plan.Lab), fmt.Sprintf("%+v", c), err)
	return c, err
}

// Canary sends the canary datagram from w ('netlab probe canary').
func (l *Lab) Canary(ctx context.Context, w Where) error {
	var r probe.CanaryResult
	return l.probeJSON(ctx, w, &r, "probe", "canary")
}
