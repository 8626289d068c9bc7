package main

import (
	"encoding/json"

	"github.com/netlab-dev/netlab/plan"
	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"
)

func newPlanCmd() *cobra.Command {
	var output, nodeImage string
	cmd := &cobra.Command{
		Use:   "plan FILE|NAME",
		Short: "Print the resolved plan of a scenario",
		Long: `Plan validates a scenario and prints what a lab built from it would be: every default filled
in and every CIDR allocated. The table shows clusters, nodes, CIDRs, MTUs, LoadBalancer pools, the
VPC route tables on the nodes and the transit gateway's route tables. JSON and YAML give the whole
plan, the input that provisioning and the checks consume. Nothing on the host is touched.`,
		Example: `  netlab plan tgw-two-vpc
  netlab plan ./my-lab.yaml -o json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := outputFlag(output, "table", "json", "yaml"); err != nil {
				return err
			}
			p, _, err := buildPlan(args[0], plan.Options{NodeImage: nodeImage}, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			switch output {
			case "json":
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(p)
			case "yaml":
				b, err := yaml.Marshal(p)
				if err != nil {
					return err
				}
				_, err = cmd.OutOrStdout().Write(b)
				return err
			}
			return p.WriteTable(cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "table", "output format: table, json or yaml")
	cmd.Flags().StringVar(&nodeImage, "node-image", "", "use this kind node image for every cluster")
	return cmd
}
