package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/netlab-dev/netlab/checks/catalog"
	"github.com/netlab-dev/netlab/checks/explain"
	"github.com/netlab-dev/netlab/checks/live"
	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/tgw/client"
	"github.com/spf13/cobra"
)

func newExplainCmd() *cobra.Command {
	var labName, scenario, output string
	cmd := &cobra.Command{
		Use:   "explain PATH-ID [--lab LAB | --scenario FILE|NAME]",
		Short: "Print a packet path's hops, filled in with a scenario's or a live lab's addresses",
		Long: `explain prints the hops of a path of the catalogue ('netlab check --list') in the terms of the
packet-path notes: Pod eth0, veth, the cni0 bridge, the VXLAN device and its port, the node's eth0,
the VPC network, the transit gateway's route table, kube-proxy's chains. Alone it uses placeholders;
with --scenario it fills in the plan (CIDRs, devices, ports, modes, TGW routes); with --lab it also
reads the live lab, read-only: the nodes' addresses and Pod ranges, the echo Service's ClusterIP and
kube-proxy chain (once 'netlab check' has deployed it), and the TGW's route tables.

Exit status: 0, or 2 for an unknown path id, scenario or lab.`,
		Example: `  netlab explain pod-to-pod/cross-node
  netlab explain service/clusterip --scenario kube-proxy-modes
  netlab explain cross-cluster/tgw-pod --lab tgw-two-vpc -o json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := outputFlag(output, "text", "json"); err != nil {
				return err
			}
			if labName != "" && scenario != "" {
				return failf(exitUsage, "give --lab or --scenario, not both")
			}
			var p *plan.Plan
			var facts *explain.Facts
			switch {
			case labName != "":
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				l, err := live.Open(ctx, labName)
				if err != nil {
					return failf(exitUsage, "%v", err)
				}
				defer l.Close()
				p, facts = l.Plan, liveFacts(ctx, l)
			case scenario != "":
				var err error
				p, _, err = buildPlan(scenario, plan.Options{}, cmd.ErrOrStderr())
				if err != nil {
					return err
				}
			}
			es, err := explain.All(catalog.All(), p, args[0], facts)
			if err != nil {
				return failf(exitUsage, "%v", err)
			}
			if output == "json" {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(es)
			}
			for i, e := range es {
				if i > 0 {
					fmt.Fprintln(cmd.OutOrStdout())
				}
				if err := explain.Write(cmd.OutOrStdout(), e); err != nil {
					return err
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&labName, "lab", "", "fill in a live lab's addresses (read-only)")
	cmd.Flags().StringVar(&scenario, "scenario", "", "fill in a scenario's plan (file or built-in name)")
	cmd.Flags().StringVarP(&output, "output", "o", "text", "output format: text or json")
	return cmd
}

// liveFacts reads what explain can show of a running lab. What cannot be read is left out.
func liveFacts(ctx context.Context, l *live.Lab) *explain.Facts {
	f := &explain.Facts{Nodes: map[string][]explain.Node{}, EchoClusterIP: map[string]string{}, EchoChain: map[string]string{}, TGWTables: map[string]explain.TGWTable{}}
	for name, c := range l.Clusters {
		for _, n := range c.Nodes {
			f.Nodes[name] = append(f.Nodes[name], explain.Node{Name: n.Name, IP: n.IP, PodCIDR: n.PodCIDR})
		}
		if svc, err := c.Kube.Clientset.CoreV1().Services(live.Namespace).Get(ctx, live.SvcEcho, metav1.GetOptions{}); err == nil {
			f.EchoClusterIP[name] = svc.Spec.ClusterIP
			if c.Plan.KubeProxyMode == "iptables" {
				f.EchoChain[name] = catalog.KubeSVCChain(live.Namespace+"/"+live.SvcEcho+":tcp", "tcp")
			}
		}
	}
	if t := l.Plan.TransitGateway; t != nil && l.State.TGWEndpoint != "" {
		ep, _ := l.TGWEndpoint(ctx) // the recorded endpoint when Docker cannot say; never "" here
		f.TGWEndpoint = ep
		if v, err := client.FetchRoutes(ctx, ep); err == nil {
			for _, tv := range v.Tables {
				name := strings.TrimPrefix(tv.Name, t.Name+"-")
				lt := explain.TGWTable{ID: tv.RouteTableID}
				for _, r := range tv.Routes {
					target := r.AttachmentID
					if r.Via != "" {
						target += " via " + r.Via
					}
					if r.Blackhole {
						target = "blackhole"
					}
					if r.Dst != "" && r.Type != "unrouted" {
						lt.Routes = append(lt.Routes, fmt.Sprintf("%s -> %s", r.Dst, target))
					}
				}
				f.TGWTables[name] = lt
			}
		}
	}
	return f
}
