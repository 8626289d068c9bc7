package main

import (
	"encoding/json"
	"fmt"

	"github.com/netlab-dev/netlab/plan"
	"github.com/spf13/cobra"
)

func newValidateCmd() *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "validate FILE|NAME...",
		Short: "Check scenarios without creating anything",
		Long: `Validate parses each scenario strictly, fills in its defaults, allocates its CIDRs and checks
every rule (overlaps the transit gateway cannot route, MetalLB pools outside their subnet, kube-proxy
'none' without Cilium, and so on). It touches nothing on the host.

Problems are printed to stderr as 'file:line:col: field: message'. Exit status: 0 when every
scenario is valid, 1 when any is not, 2 for bad usage.`,
		Example: `  netlab validate flannel-basic
  netlab validate ./my-lab.yaml -o json`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := outputFlag(output, "text", "json"); err != nil {
				return err
			}
			type result struct {
				Scenario    string           `json:"scenario"`
				Valid       bool             `json:"valid"`
				Diagnostics plan.Diagnostics `json:"diagnostics"`
			}
			var results []result
			failed := false
			for _, arg := range args {
				name, data, err := readScenario(arg)
				if err != nil {
					return err
				}
				p, diags := plan.Build(name, data, plan.Options{})
				if diags == nil {
					diags = plan.Diagnostics{}
				}
				results = append(results, result{Scenario: name, Valid: p != nil, Diagnostics: diags})
				if p == nil {
					failed = true
				}
				if output == "json" {
					continue
				}
				for _, d := range diags {
					fmt.Fprintln(cmd.ErrOrStderr(), d.String())
				}
				if p != nil {
					nodes := 0
					for _, c := range p.Clusters {
						nodes += len(c.Nodes)
					}
					fmt.Fprintf(cmd.OutOrStdout(), "%s: valid (%d cluster%s, %d node%s, %d packet path%s selected)\n",
						name, len(p.Clusters), plural(len(p.Clusters)), nodes, plural(nodes), len(p.Checks.Paths), plural(len(p.Checks.Paths)))
				} else {
					n := len(diags.Errors())
					fmt.Fprintf(cmd.ErrOrStderr(), "%s: invalid (%d problem%s)\n", name, n, plural(n))
				}
			}
			if output == "json" {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				if err := enc.Encode(results); err != nil {
					return err
				}
			}
			if failed {
				return silentExit(exitFailed)
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "text", "output format: text or json")
	return cmd
}
