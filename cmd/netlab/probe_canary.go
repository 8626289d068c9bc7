package main

import (
	"net/netip"

	"github.com/spf13/cobra"

	"github.com/netlab-dev/netlab/egress"
	"github.com/netlab-dev/netlab/probe"
)

// newProbeCanaryCmd is the egress guard's negative control: one datagram to the canary address,
// which takes no argument, so it cannot be pointed anywhere else.
func newProbeCanaryCmd(pf *probeFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "canary",
		Short: "Send one UDP datagram to the egress guard's canary address (" + egress.Canary.String() + "), which the host must refuse",
		Long: `canary sends exactly one UDP datagram to ` + egress.Canary.String() + ` (TEST-NET-3, reserved for
documentation, never a lab range), the only address outside the lab a probe ever sends to. The
host's egress guard refuses and counts it; its postrouting backstop drops it even if the guard were
broken. The check lab/hermetic reads both counters. It prints whether the datagram left the socket.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			res, err := probe.SendCanary(netip.AddrPortFrom(egress.Canary, egress.CanaryPort))
			return pf.finish(cmd, res, err)
		},
	}
}
