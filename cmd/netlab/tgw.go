package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	tgwlab "github.com/netlab-dev/netlab/provision/tgw"
	"github.com/netlab-dev/netlab/tgw"
	"github.com/netlab-dev/netlab/tgw/client"
)

func newTGWCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "tgw",
		Short: "The transit gateway: its server (run in the TGW container) and its route tables",
		Long: `The transit gateway joins VPCs through AWS-style route tables, managed through an
EC2-compatible API (see docs/tgw.md). 'netlab tgw serve' is what the TGW container runs;
'netlab tgw routes' shows a running TGW's route tables with per-route packet counters.`,
	}
	cmd.AddCommand(newTGWServeCmd(), newTGWRoutesCmd())
	return cmd
}

func newTGWServeCmd() *cobra.Command {
	var o tgw.ServeOptions
	cmd := &cobra.Command{
		Use:    "serve",
		Hidden: true, // what the TGW container runs; not a command for people
		Short:  "Serve the EC2 API and route packets by its state (what the TGW container runs)",
		Long: `Load the state file, make the kernel's policy routing match it, and serve the EC2 Query
API on --listen until SIGTERM or SIGINT. Every API change is saved to the state file before the
kernel is updated, so the TGW keeps its route tables, routes, associations and ids across a restart.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGTERM, syscall.SIGINT)
			defer stop()
			logger := log.New(cmd.ErrOrStderr(), "", log.LstdFlags|log.LUTC)
			o.Logf = logger.Printf
			if err := tgw.Serve(ctx, o); err != nil {
				return failf(exitUnknown, "tgw serve: %v", err)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Listen, "listen", "0.0.0.0:4566", "address of the EC2 API")
	f.StringVar(&o.StateFile, "state", "/var/lib/netlab-tgw/state.json", `state file ("" keeps the state in memory)`)
	f.BoolVar(&o.NoDatapath, "no-datapath", false, "serve the API and keep the state without touching the kernel")
	f.DurationVar(&o.Resync, "resync", 5*time.Second, "how often the kernel is reconciled again")
	return cmd
}

func newTGWRoutesCmd() *cobra.Command {
	var endpoint, output, table string
	cmd := &cobra.Command{
		Use:   "routes [LAB] [--endpoint URL]",
		Short: "Show a running TGW's route tables like 'ip route', with packet and byte counters",
		Long: `routes shows the transit gateway's route tables as the kernel holds them, one block per table,
with packet and byte counters per route. LAB finds the TGW of a lab made by 'netlab up' (its API
endpoint is in the lab's state, and 'netlab status LAB' shows it); --endpoint names any TGW API.`,
		Example: `  netlab tgw routes tgw-two-vpc
  netlab tgw routes tgw-two-vpc --table main -o json
  netlab tgw routes --endpoint http://127.0.0.1:32768`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := outputFlag(output, "text", "json"); err != nil {
				return err
			}
			if len(args) == 1 {
				if endpoint != "" {
					return failf(exitUsage, "tgw routes: give LAB or --endpoint, not both")
				}
				ep, err := tgwlab.EndpointForContext(cmd.Context(), args[0])
				if err != nil {
					return failf(exitUsage, "tgw routes: %v", err)
				}
				endpoint = ep
			}
			if endpoint == "" {
				endpoint = os.Getenv("AWS_ENDPOINT_URL_EC2")
			}
			if endpoint == "" {
				return failf(exitUsage, "tgw routes: give LAB or --endpoint URL (the TGW's EC2 API)")
			}
			v, err := client.FetchRoutes(context.Background(), endpoint)
			if err != nil {
				return failf(exitUsage, "tgw routes: %v", err)
			}
			v = client.FilterRoutes(v, table)
			if table != "" && len(v.Tables) == 0 {
				return failf(exitFailed, "tgw routes: no route table %q", table)
			}
			if output == "json" {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(v)
			}
			if len(v.Tables) == 0 {
				fmt.Fprintln(cmd.OutOrStdout(), "no route tables")
				return nil
			}
			return client.WriteRoutes(cmd.OutOrStdout(), v)
		},
	}
	cmd.Flags().StringVar(&endpoint, "endpoint", "", "the TGW's EC2 API, e.g. http://127.0.0.1:4566 (default $AWS_ENDPOINT_URL_EC2)")
	cmd.Flags().StringVar(&table, "table", "", "show only this route table (id or Name tag)")
	cmd.Flags().StringVarP(&output, "output", "o", "text", "output format: text or json")
	return cmd
}
