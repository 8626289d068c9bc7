package main

import (
	"errors"
	"io"
	"os"
	"strings"

	"github.com/netlab-dev/netlab/checks/report"
	"github.com/netlab-dev/netlab/graph"
	"github.com/netlab-dev/netlab/internal/hint"
	"github.com/netlab-dev/netlab/labstate"
	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/scenarios"
	"github.com/spf13/cobra"
)

func newGraphCmd() *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "graph LAB|FILE|NAME [-o mermaid|dot|svg]",
		Short: "Draw a lab or a scenario: VPCs, subnets, clusters, the TGW and its route tables, the last verdicts",
		Long: `graph draws the topology of a lab or a scenario: the VPCs with their subnets and clusters, the
transit gateway's legs and route tables, and for every pair of clusters the TGW joins whether their
Pods reach each other (isolation is a dashed red line). Given a lab on this host, it draws the lab's
plan and colours each path of its last 'netlab check' by its verdict (pass green, fail red, skip
grey, error orange); given a scenario file or a built-in name, the plan alone.

An existing file is read as a scenario first; then a lab of that name on this host; then a built-in
scenario. Mermaid (the default) renders on GitHub and in most Markdown viewers, DOT is Graphviz's
input, SVG is drawn by netlab itself (no Graphviz needed). Nothing on the host is changed.`,
		Example: `  netlab graph tgw-isolated-spokes
  netlab graph tgw-two-vpc -o svg > tgw-two-vpc.svg
  netlab graph ./my-lab.yaml -o dot | dot -Tpng > my-lab.png`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := outputFlag(output, "mermaid", "dot", "svg"); err != nil {
				return err
			}
			p, rep, err := graphInput(args[0], cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			return writeGraph(cmd.OutOrStdout(), graph.Build(p, rep), output)
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "mermaid", "output format: mermaid, dot or svg")
	return cmd
}

// graphInput resolves the argument: an existing scenario file, a lab on this host (its plan and
// last check report, nil when never checked), or a built-in scenario.
func graphInput(arg string, stderr io.Writer) (*plan.Plan, *report.Report, error) {
	if _, err := os.Stat(arg); err == nil {
		p, _, err := buildPlan(arg, plan.Options{}, stderr)
		return p, nil, err
	}
	if !strings.ContainsAny(arg, `/\`) {
		st, err := labstate.Load(arg)
		switch {
		case err == nil && st.Plan == nil:
			return nil, nil, hint.Wrap(errors.New("lab "+arg+" has no plan recorded"), "run 'netlab up' with its scenario to finish it, or 'netlab down "+arg+"'")
		case err == nil:
			rep, err := loadLastReport(arg)
			return st.Plan, rep, err
		case !errors.Is(err, labstate.ErrNoLab):
			return nil, nil, hint.Wrap(err, "'netlab down "+arg+"' removes a lab whose state is damaged")
		}
	}
	if _, ok := scenarios.Lookup(arg); ok {
		p, _, err := buildPlan(arg, plan.Options{}, stderr)
		return p, nil, err
	}
	return nil, nil, hint.Usagef("'netlab status' lists the labs on this host, 'netlab list' the built-in scenarios ("+strings.Join(scenarios.Names(), ", ")+")",
		"%q is neither a scenario file, a lab on this host nor a built-in scenario", arg)
}

// writeGraph renders g in format (mermaid, dot or svg).
func writeGraph(w io.Writer, g *graph.Graph, format string) error {
	switch format {
	case "dot":
		return graph.DOT(w, g)
	case "svg":
		return graph.SVG(w, g)
	}
	return graph.Mermaid(w, g)
}

// topology is the Mermaid picture of plan p with rep's verdicts, for the Markdown report.
func topology(p *plan.Plan, rep *report.Report) string {
	var b strings.Builder
	if err := graph.Mermaid(&b, graph.Build(p, rep)); err != nil {
		return "" // a strings.Builder does not fail
	}
	return b.String()
}
