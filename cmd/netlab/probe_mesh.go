package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/netlab-dev/netlab/probe"
	"github.com/netlab-dev/netlab/probe/mesh"
)

// The probe as a proxyless gRPC workload of an Istio mesh (package probe/mesh).

func newProbeGRPCServeCmd(pf *probeFlags) *cobra.Command {
	var addr string
	var useXDS bool
	cmd := &cobra.Command{
		Use:   "grpc-serve",
		Short: "Serve the mesh call (netlab.probe.Mesh/Who): report the caller's address and SPIFFE identity",
		Long: `grpc-serve answers each call with what it saw of the caller: its address and, when the call came
over mTLS, the SPIFFE identity of its certificate. With --xds (under Istio's grpc-agent injection,
which sets GRPC_XDS_BOOTSTRAP) it is an xDS-enabled server whose listener and mTLS settings come
from istiod; without it, plain gRPC. It first prints one JSON line naming its address, and runs
until SIGINT or SIGTERM.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			id := probe.IdentityFromEnv()
			s, err := mesh.NewServer(id, useXDS)
			if err != nil {
				return failf(exitFailed, "%v", err)
			}
			lis, err := net.Listen("tcp", addr)
			if err != nil {
				return failf(exitFailed, "listen on %s: %v", addr, err)
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			go func() {
				<-ctx.Done()
				s.Stop()
			}()
			if err := pf.print(cmd.OutOrStdout(), map[string]any{"serving": map[string]string{"grpc": lis.Addr().String()}, "xds": useXDS, "identity": id}); err != nil {
				return failf(exitFailed, "writing the serving address: %v", err)
			}
			if err := s.Serve(lis); err != nil && ctx.Err() == nil {
				return failf(exitFailed, "serve: %v", err)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&addr, "listen", ":7070", "address to serve on")
	cmd.Flags().BoolVar(&useXDS, "xds", os.Getenv("GRPC_XDS_BOOTSTRAP") != "", "serve through xDS (default: when GRPC_XDS_BOOTSTRAP is set)")
	return cmd
}

func newProbeGRPCCmd(pf *probeFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "grpc TARGET",
		Short: "Make the mesh call: xds:///NAME.NAMESPACE.svc.cluster.local:PORT through the mesh, or HOST:PORT in plain gRPC",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := pf.client()
			if err != nil {
				return err
			}
			res, err := mesh.Call(context.Background(), c.Guard, args[0], c.Timeout)
			if err != nil {
				err = fmt.Errorf("grpc %s: %w", args[0], err)
			}
			return pf.finish(cmd, res, err)
		},
	}
}
