package catalog

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/checks/hop"
	"github.com/netlab-dev/netlab/checks/live"
	"github.com/netlab-dev/netlab/checks/report"
)

// programDelay is how long the check gives the CNI's agent to program a policy change (a variable
// for the tests).
var programDelay = 3 * time.Second

// netpolName is the NetworkPolicy the check applies to the netpol-client Pod.
const netpolName = "netlab-egress-allowlist"

// netpol/egress-allowlist: a NetworkPolicy lets the netpol-client Pod reach only the VPC client's
// TCP port 7001. The allowed port must connect; the VPC client's other port (another port) and a
// probe Pod's 7001 (another CIDR) must be refused or time out; with the policy deleted (the
// negative control) the denied port connects. When the scenario has networkPolicies of its own,
// they must be present in the cluster ('netlab up' applies them). On a CNI that does not enforce
// NetworkPolicy (Flannel alone) the check is skipped with what it observed, whatever that was: it
// never passes.
func netpolEgressAllowlist() checks.Definition {
	return checks.Definition{
		ID:      "netpol/egress-allowlist",
		Targets: everyCluster,
		Hops:    netpolEgressAllowlistHops,
		Run: inCluster(func(ctx context.Context, env *checks.Env, l checks.Lab, c *checks.Cluster, b *builder) report.Result {
			cl, err := l.ClientOn(c.Plan.Network)
			if err != nil {
				return b.errorf("%v", err)
			}
			pods, err := runningPods(ctx, l, c, live.PodNetpol)
			if err != nil {
				return b.errorf("%v", err)
			}
			applied, err := scenarioPolicies(ctx, l, b, c)
			if err != nil {
				return b.errorf("%v", err)
			}
			w := c.InPod(pods[0])
			pol := checks.EgressPolicy{Name: netpolName, App: live.PodNetpol, CIDR: cl.IP + "/32", Port: live.PortTCP}
			if err := l.ApplyEgressPolicy(ctx, c.Plan.Name, pol); err != nil {
				return b.errorf("create the NetworkPolicy: %v", err)
			}
			defer func() { _ = l.DeleteNetworkPolicy(context.WithoutCancel(ctx), c.Plan.Name, netpolName) }() // clean-up; the verdict is already decided
			time.Sleep(programDelay)                                                                          // let the CNI's agent program it, where there is one
			allowed := hostPort(cl.IP, live.PortTCP)
			ra, erra := l.TCP(ctx, w, allowed)
			b.add("allowed "+allowed, seen(ra, erra), "an answer", answered(ra, erra))
			// Denied: another port of the allowed address, and the allowed port at another CIDR (a
			// probe Pod, on the Pod network).
			deniedPort := fmt.Sprintf("http://%s:%d/", cl.IP, live.PortDenied)
			deniedCIDR := hostPort(c.Probe[c.Nodes[0].Name].IP, live.PortTCP)
			rp, errp := l.HTTP(ctx, w, deniedPort, "")
			rc, errc := l.TCP(ctx, w, deniedCIDR)
			enforced, why := checks.NetworkPolicyEnforced(c.Plan)
			if !enforced {
				// Whatever the calls did, they prove nothing about a policy nobody enforces.
				return b.skip(fmt.Sprintf("%s; observed with the policy in place: allowed %s: %s; another port %s: %s; another CIDR %s: %s%s",
					why, allowed, seen(ra, erra), deniedPort, seen(rp, errp), deniedCIDR, seen(rc, errc), applied))
			}
			b.add("denied: another port "+deniedPort, seen(rp, errp), "refused or timed out", b.silent("another port", rp, errp))
			b.add("denied: another CIDR "+deniedCIDR, seen(rc, errc), "refused or timed out", b.silent("another CIDR", rc, errc))
			if err := l.DeleteNetworkPolicy(ctx, c.Plan.Name, netpolName); err != nil {
				return b.errorf("delete the NetworkPolicy: %v", err)
			}
			rn, errn := rp, errp
			poll(ctx, 20*programDelay/3, programDelay, func() bool { rn, errn = l.HTTP(ctx, w, deniedPort, ""); return answered(rn, errn) })
			b.negative("NetworkPolicy deleted", answered(rn, errn), seen(rn, errn), "the denied port connects")
			return b.done(fmt.Sprintf("egress from %s allowed only to %s", pods[0].Name, allowed))
		}),
	}
}

// scenarioPolicies adds the evidence that the scenario's own networkPolicies are applied in
// cluster c ('netlab up' applies them), when it has any, and returns it as a clause for a skip.
func scenarioPolicies(ctx context.Context, l checks.Lab, b *builder, c *checks.Cluster) (string, error) {
	if len(c.Plan.NetworkPolicies) == 0 {
		return "", nil
	}
	var want []string
	for _, np := range c.Plan.NetworkPolicies {
		want = append(want, orText(np.Namespace, "default")+"/"+np.Name)
	}
	got, err := l.NetworkPolicies(ctx, c.Plan.Name)
	if err != nil {
		return "", fmt.Errorf("read the scenario's NetworkPolicies: %w", err)
	}
	ok := true
	for _, k := range want {
		ok = ok && slices.Contains(got, k)
	}
	observed := orText(strings.Join(got, ", "), "none")
	b.add("the scenario's NetworkPolicies are applied", observed, strings.Join(want, ", ")+" (applied by 'netlab up')", ok)
	return fmt.Sprintf("; the scenario's NetworkPolicies in the cluster: %s (the scenario has %s)", observed, strings.Join(want, ", ")), nil
}

func netpolEgressAllowlistHops(x *hop.Context) []string {
	return []string{
		"a NetworkPolicy selects the client Pod, policyTypes [Egress], one rule: to the client address /32, TCP 7001",
		"the CNI's policy agent programs filters on the Pod's veth (" + x.NetpolAgent() + ")",
		"allowed: 7001 connects; denied: any other port or address is dropped (times out) or rejected",
	}
}
