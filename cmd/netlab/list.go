package main

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/scenarios"
	"github.com/spf13/cobra"
)

func newListCmd() *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the built-in scenarios",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := outputFlag(output, "table", "json"); err != nil {
				return err
			}
			type entry struct {
				Name        string `json:"name"`
				Description string `json:"description"`
				Default     bool   `json:"default"`
				Clusters    int    `json:"clusters"`
			}
			var entries []entry
			for _, name := range scenarios.Names() {
				data, _ := scenarios.Lookup(name)
				e := entry{Name: name, Default: name == scenarios.Default}
				if p, _ := plan.Build(name, data, plan.Options{}); p != nil {
					e.Description, e.Clusters = p.Description, len(p.Clusters)
				} else {
					e.Description = "(invalid: run 'netlab validate " + name + "')"
				}
				entries = append(entries, e)
			}
			if output == "json" {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(entries)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tCLUSTERS\tDESCRIPTION")
			for _, e := range entries {
				name := e.Name
				if e.Default {
					name += " (default)"
				}
				fmt.Fprintf(tw, "%s\t%d\t%s\n", name, e.Clusters, e.Description)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "table", "output format: table or json")
	return cmd
}
