package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/provision/component"
	"github.com/netlab-dev/netlab/provision/labimages"
	"github.com/netlab-dev/netlab/provision/nodeimage"
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
			if err := p.WriteTable(cmd.OutOrStdout()); err != nil {
				return err
			}
			return writeNodeImageNote(cmd.OutOrStdout(), p)
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "table", "output format: table, json or yaml")
	cmd.Flags().StringVar(&nodeImage, "node-image", "", "use this kind node image for every cluster")
	return cmd
}

// writeNodeImageNote says, under the plan's table, which image 'up' creates each cluster's nodes
// from: a derived node image with the cluster's side-loaded images baked in (its key is known only
// once the images are on the host), unless --no-derived-image.
func writeNodeImageNote(w io.Writer, p *plan.Plan) error {
	l, err := labimages.For(p, component.Builtin(component.Options{}), "netlab")
	if err != nil {
		return nil // a CNI this netlab cannot install: 'up' refuses the plan anyway, and says why
	}
	_, err = fmt.Fprintln(w, "\nNode images ('netlab up'; --no-derived-image loads the images into every node instead):")
	for _, c := range p.Clusters {
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "  %s: %s:KEY = %s + %d image(s) baked in, built once per host\n", c.Name, nodeimage.Repo, c.NodeImage, len(l.SideLoad(c.Name)))
	}
	return err
}
