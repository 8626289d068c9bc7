package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/netlab-dev/netlab/checks/report"
	"github.com/netlab-dev/netlab/labstate"
	"github.com/netlab-dev/netlab/plan"
	"github.com/netlab-dev/netlab/provision"
	"github.com/netlab-dev/netlab/scenarios"
	"github.com/spf13/cobra"
)

// signalContext is cancelled on SIGINT or SIGTERM, so a step can stop cleanly.
func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

func newUpCmd(app *cli) *cobra.Command {
	var nodeImage, output, kubeconfig, charts, mirror string
	var offline, check, noDerived bool
	var timeout time.Duration
	var parallel int
	cf := &checkFlags{}
	cmd := &cobra.Command{
		Use:   "up [FILE|NAME]",
		Short: "Create the lab of a scenario, or finish one that is half-made",
		Long: `Up creates the lab that a scenario describes: a Docker network per VPC subnet, a kind cluster
per cluster on its VPC network, the scenario's CNI and kube-proxy mode, and MetalLB. It runs as small
steps with one status line each, and records its progress, so running it again on an existing lab
finishes whatever is missing and changes nothing else. A scenario change that cannot be applied in
place is refused, naming what would have to be recreated.

Without an argument it uses the built-in default scenario (flannel-basic).

Before it creates anything, up makes sure every image the lab needs ('netlab images list') is on the
host: a missing one is pulled once, unless --offline, and one it cannot get stops up at once, naming
it and the ways out ('netlab images load' of a bundle, or the local image builder).

A new cluster's nodes are created from a derived node image: the node image with the images netlab
would otherwise load into every node (CNI, MetalLB, netlab's own) baked into its containerd, built
once per host and kept as netlab.local/node-derived:KEY, where KEY hashes the IDs of the node image
and of each baked image, so a change to any of them builds a new one. The plan still records the
node image it was derived from. --no-derived-image loads the images into each node instead.

When the lab is up, up runs the scenario's packet-path checks, as 'netlab check LAB' does, and prints
their table (--check=false skips them; --path, --perf, --junit and --concurrency select and shape them).

Exit status: 0 when the lab is up (and every check passed), 1 when a step or a check failed (the
message says what to do), 2 for usage.`,
		Example: `  netlab up                       # the default scenario
  netlab up tgw-two-vpc --node-image netlab.local/node:v1.33.13 --offline
  netlab up ./my-lab.yaml -o json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := outputFlag(output, "text", "json"); err != nil {
				return err
			}
			if parallel < 0 {
				return failf(exitUsage, "--parallel-clusters %d: want 0 (every cluster at once) or more", parallel)
			}
			arg := scenarios.Default
			if len(args) == 1 {
				arg = args[0]
			}
			if nodeImage == "" {
				nodeImage = os.Getenv("NETLAB_NODE_IMAGE")
			}
			p, _, err := buildPlan(arg, plan.Options{NodeImage: nodeImage}, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			ctx, cancel := signalContext()
			defer cancel()
			progress := app.status(cmd.OutOrStdout())
			if output == "json" {
				progress = app.status(cmd.ErrOrStderr())
			}
			start := time.Now()
			err = provision.Up(ctx, p, arg, provision.Options{
				Offline: offline || os.Getenv("NETLAB_OFFLINE") == "1", KubeconfigPath: kubeconfig, ReadyTimeout: timeout, Status: progress,
				NoDerivedImage:     noDerived || os.Getenv("NETLAB_NO_DERIVED_IMAGE") == "1",
				ClusterParallelism: parallel,
				ChartsDir:          charts, RegistryMirror: mirror,
			})
			upSeconds := time.Since(start).Seconds()
			// The checks, when the lab is up and they are wanted.
			var rep *report.Report
			var checkErr error
			if err == nil && check {
				rep, checkErr = runChecks(ctx, p.Lab, cf, progress)
				if checkErr == nil && output != "json" {
					cf.output = "table"
					checkErr = writeReport(cmd.OutOrStdout(), rep, cf)
				}
			}
			if output == "json" {
				res := map[string]any{"lab": p.Lab, "ok": err == nil && checkErr == nil && (rep == nil || rep.OK()), "seconds": upSeconds}
				if err != nil {
					res["error"] = err.Error()
				}
				if checkErr != nil {
					res["checkError"] = checkErr.Error()
				}
				if rep != nil {
					var buf bytes.Buffer
					if rep.JSON(&buf) == nil {
						res["checks"] = json.RawMessage(buf.Bytes())
					}
				}
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				encErr := enc.Encode(res)
				if rep != nil && checkErr == nil && !rep.OK() {
					c := rep.Counts()
					checkErr = failf(exitFailed, "%d check(s) failed, %d could not run", c[report.Fail], c[report.Error])
				}
				if encErr != nil && err == nil && checkErr == nil { // the result a caller parses is lost
					checkErr = failf(exitFailed, "writing the JSON result: %v", encErr)
				}
			}
			if err != nil {
				return fail(exitFailed, err)
			}
			return checkErr
		},
	}
	cmd.Flags().BoolVar(&check, "check", true, "run the packet-path checks once the lab is up")
	cf.register(cmd, false)
	cmd.Flags().StringVar(&nodeImage, "node-image", "", "kind node image for every cluster (default: the scenario's, else kind's; env NETLAB_NODE_IMAGE)")
	cmd.Flags().BoolVar(&offline, "offline", false, "never pull an image; fail naming any that is missing (env NETLAB_OFFLINE=1)")
	cmd.Flags().BoolVar(&noDerived, "no-derived-image", false, "create new clusters from the node image itself and load the images into every node, instead of from a derived node image with them baked in (env NETLAB_NO_DERIVED_IMAGE=1)")
	cmd.Flags().StringVar(&charts, "charts", "", "directory of chart archives (NAME-VERSION.tgz, checked against netlab's pinned digests) read before the chart cache and the charts' URLs: Cilium's chart on a host without access")
	cmd.Flags().StringVar(&mirror, "registry-mirror", "", "registry that mirrors quay.io's Cilium repositories under the same paths (e.g. mirror.example.com/quay); Cilium's images are named and pulled from it")
	cmd.Flags().StringVar(&kubeconfig, "kubeconfig", "", "kubeconfig file to add the clusters' contexts to (default: $KUBECONFIG or ~/.kube/config)")
	cmd.Flags().IntVar(&parallel, "parallel-clusters", 0, "how many clusters to create at once (0: all of them; docs/lab.md says what pays on a small host)")
	cmd.Flags().DurationVar(&timeout, "timeout", 5*time.Minute, "how long each readiness wait may take")
	cmd.Flags().StringVarP(&output, "output", "o", "text", "output format: text (progress) or json (result on stdout, progress on stderr)")
	return cmd
}

func newDownCmd() *cobra.Command {
	var output, kubeconfig string
	cmd := &cobra.Command{
		Use:   "down LAB",
		Short: "Remove every trace of a lab",
		Long: `Down deletes a lab's kind clusters and their kubeconfig contexts, netlab's own containers, and the
lab's networks and volumes, then its recorded state. It works on a half-built lab. It checks that
nothing labelled with the lab is left, and reports what it removed.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := outputFlag(output, "text", "json"); err != nil {
				return err
			}
			ctx, cancel := signalContext()
			defer cancel()
			rm, err := provision.Down(ctx, args[0], kubeconfig)
			var encErr error
			if output == "json" {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				encErr = enc.Encode(rm)
			} else if rm != nil {
				out := cmd.OutOrStdout()
				fmt.Fprintf(out, "Removed from lab %s:\n", rm.Lab)
				fmt.Fprintf(out, "  clusters:   %v\n  containers: %v\n  networks:   %v\n  volumes:    %v\n  egress guard: %v\n  state:      %v\n", rm.Clusters, rm.Containers, rm.Networks, rm.Volumes, rm.EgressGuard, rm.State)
			}
			if errors.Is(err, labstate.ErrNoLab) {
				return fail(exitUsage, err)
			}
			if err != nil {
				return fail(exitFailed, err)
			}
			if encErr != nil { // the lab is gone, but the list of what was removed is lost
				return failf(exitFailed, "writing the JSON result: %v", encErr)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&kubeconfig, "kubeconfig", "", "kubeconfig file holding the clusters' contexts (default: $KUBECONFIG or ~/.kube/config)")
	cmd.Flags().StringVarP(&output, "output", "o", "text", "output format: text or json")
	return cmd
}

func newStatusCmd() *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "status [LAB]",
		Short: "Show a lab's clusters, nodes and progress, or list the labs on this host",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := outputFlag(output, "table", "json"); err != nil {
				return err
			}
			labs := args
			if len(labs) == 0 {
				var err error
				if labs, err = labstate.List(); err != nil {
					return err
				}
				if len(labs) == 0 && output == "table" {
					fmt.Fprintln(cmd.OutOrStdout(), "No labs on this host. Create one with 'netlab up'.")
					return nil
				}
			}
			ctx, cancel := signalContext()
			defer cancel()
			var all []*provision.LabStatus
			for _, l := range labs {
				s, err := provision.Status(ctx, l)
				if errors.Is(err, labstate.ErrNoLab) {
					return fail(exitUsage, err)
				}
				if err != nil {
					return fail(exitUsage, fmt.Errorf("lab %s cannot be reached: %w", l, err))
				}
				all = append(all, s)
			}
			if output == "json" {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				if len(args) == 1 {
					return enc.Encode(all[0])
				}
				return enc.Encode(all)
			}
			for i, s := range all {
				if i > 0 {
					fmt.Fprintln(cmd.OutOrStdout())
				}
				if err := s.WriteTable(cmd.OutOrStdout()); err != nil {
					return err
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "table", "output format: table or json")
	return cmd
}
