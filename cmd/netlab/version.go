package main

import (
	"encoding/json"
	"fmt"
	"runtime"

	"github.com/netlab-dev/netlab/internal/version"
	"github.com/netlab-dev/netlab/plan"
	"github.com/spf13/cobra"
)

func newVersionCmd() *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print netlab's version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := outputFlag(output, "text", "json"); err != nil {
				return err
			}
			info := map[string]string{
				"version":          version.Get(),
				"go":               runtime.Version(),
				"platform":         runtime.GOOS + "/" + runtime.GOARCH,
				"scenarioAPI":      plan.APIVersion,
				"defaultNodeImage": plan.DefaultNodeImage,
			}
			if output == "json" {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(info)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "netlab %s (%s, %s)\nscenario API: %s\ndefault node image: %s\n",
				info["version"], info["go"], info["platform"], info["scenarioAPI"], info["defaultNodeImage"])
			return nil
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "text", "output format: text or json")
	return cmd
}
