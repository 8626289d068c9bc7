package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/netip"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/netlab-dev/netlab/labstate"
	tgwlab "github.com/netlab-dev/netlab/provision/tgw"
	"github.com/netlab-dev/netlab/tgw"
	"github.com/netlab-dev/netlab/tgw/api"
	"github.com/netlab-dev/netlab/tgw/client"
)

func newTGWCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "tgw",
		Short: "The transit gateway: its server (run in the TGW container) and its route tables",
		Long: `The transit gateway joins VPCs through AWS-style route tables, managed through an
EC2-compatible API (see docs/tgw.md). 'netlab tgw serve' is what the TGW container runs;
'netlab tgw routes' shows a running TGW's route tables with per-route packet counters;
'netlab tgw env' prints the lab's API endpoint and credentials for the aws CLI and SDKs.`,
	}
	cmd.AddCommand(newTGWServeCmd(), newTGWRoutesCmd(), newTGWEnvCmd())
	return cmd
}

func newTGWServeCmd() *cobra.Command {
	var o tgw.ServeOptions
	var apiHosts []string
	cmd := &cobra.Command{
		Use:    "serve",
		Hidden: true, // what the TGW container runs; not a command for people
		Short:  "Serve the EC2 API and route packets by its state (what the TGW container runs)",
		Long: `Load the state file, make the kernel's policy routing match it, and serve the EC2 Query
API on --listen until SIGTERM or SIGINT. Requests must be SigV4-signed with the access key in
$NETLAB_TGW_ACCESS_KEY_ID and $NETLAB_TGW_SECRET_ACCESS_KEY (without them, any signed request is
accepted); with --api-from host only loopback and the Docker host (the default gateway, and each
--api-host: the host's address on the container's other networks) may connect, never a VPC's nodes
or Pods. Every API change is saved to the state file before the
kernel is updated, so the TGW keeps its route tables, routes, associations and ids across a restart.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGTERM, syscall.SIGINT)
			defer stop()
			logger := log.New(cmd.ErrOrStderr(), "", log.LstdFlags|log.LUTC)
			o.Logf = logger.Printf
			id, secret := os.Getenv(tgwlab.EnvAccessKeyID), os.Getenv(tgwlab.EnvSecretAccessKey)
			if (id == "") != (secret == "") {
				return failf(exitUsage, "tgw serve: set both %s and %s, or neither", tgwlab.EnvAccessKeyID, tgwlab.EnvSecretAccessKey)
			}
			if id != "" {
				o.Credentials = &api.Credentials{AccessKeyID: id, SecretAccessKey: secret}
			}
			for _, h := range apiHosts {
				a, err := netip.ParseAddr(h)
				if err != nil {
					return failf(exitUsage, "tgw serve: --api-host %q: %v", h, err)
				}
				o.APIHosts = append(o.APIHosts, a)
			}
			if err := tgw.Serve(ctx, o); err != nil {
				return failf(exitUnknown, "tgw serve: %v", err)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Listen, "listen", "0.0.0.0:4566", "address of the EC2 API")
	f.StringVar(&o.APIFrom, "api-from", tgw.APIFromHost, "who may connect to the API: host (loopback and the default gateway) or any")
	f.StringSliceVar(&apiHosts, "api-host", nil, "with --api-from host, another address of the Docker host that may connect (repeatable)")
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

func newTGWEnvCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "env LAB",
		Short: "Print the lab's TGW API endpoint and credentials as shell exports",
		Long: `env prints the environment the aws CLI and the AWS SDKs need to talk to the lab's transit
gateway: the access key netlab generated for the lab (only it is accepted), the region and the
EC2 endpoint on the host's loopback. Evaluate it in a shell: eval "$(netlab tgw env LAB)".`,
		Example: `  eval "$(netlab tgw env tgw-two-vpc)"
  aws ec2 describe-transit-gateway-route-tables`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ep, err := tgwlab.EndpointForContext(cmd.Context(), args[0])
			if err != nil {
				return failf(exitUsage, "tgw env: %v", err)
			}
			st, err := labstate.Load(args[0])
			if err != nil {
				return failf(exitUsage, "tgw env: %v", err)
			}
			c := st.TGWCredentials
			if c.AccessKeyID == "" {
				return failf(exitUsage, "tgw env: lab %s has no TGW credentials recorded (made by an older netlab): run 'netlab up %s' again", args[0], args[0])
			}
			for _, kv := range [][2]string{{"AWS_ACCESS_KEY_ID", c.AccessKeyID}, {"AWS_SECRET_ACCESS_KEY", c.SecretAccessKey},
				{"AWS_REGION", client.Region}, {"AWS_DEFAULT_REGION", client.Region}, {"AWS_ENDPOINT_URL_EC2", ep}} {
				fmt.Fprintf(cmd.OutOrStdout(), "export %s='%s'\n", kv[0], kv[1])
			}
			return nil
		},
	}
}
