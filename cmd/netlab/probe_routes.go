package main

import (
	"fmt"

	"github.com/netlab-dev/netlab/probe"
	"github.com/spf13/cobra"
)

// newProbeRoutesCmd is 'probe routes': the routes of a VPC client container, which runs only this
// binary. netlab execs it there when it starts the client: the VPC route table's routes to the
// TGW's leg, and unreachable routes for the lab's other ranges, so that nothing the client sends
// follows its default route to the Docker host.
func newProbeRoutesCmd() *cobra.Command {
	var via, unreachable []string
	var metric int
	cmd := &cobra.Command{
		Use:   "routes --via CIDR=GATEWAY... --unreachable CIDR...",
		Short: "Install routes in this network namespace (needs NET_ADMIN); a second run changes nothing",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			rs, err := probe.ParseHostRoutes(via, unreachable, metric)
			if err != nil {
				return failf(exitUsage, "%v", err)
			}
			if err := probe.SetHostRoutes(rs); err != nil {
				return failf(exitFailed, "%v", err)
			}
			for _, r := range rs {
				fmt.Fprintln(cmd.OutOrStdout(), r)
			}
			return nil
		},
	}
	cmd.Flags().StringSliceVar(&via, "via", nil, "a route CIDR=GATEWAY (repeatable)")
	cmd.Flags().StringSliceVar(&unreachable, "unreachable", nil, "an unreachable route for CIDR (repeatable)")
	cmd.Flags().IntVar(&metric, "metric", 4242, "the metric of the unreachable routes (a route of the same prefix with a lower metric wins)")
	return cmd
}
