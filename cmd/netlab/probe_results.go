package main

import (
	"errors"
	"time"

	"github.com/spf13/cobra"

	"github.com/netlab-dev/netlab/conformance"
)

// newProbeResultsCmd is the results container of a 'netlab conformance' Job: it holds the results
// directory it shares with the suite's runner until netlab has read it (--hold), and streams the
// results tarball once the runner has finished (--tarball).
func newProbeResultsCmd() *cobra.Command {
	var (
		dir     string
		hold    time.Duration
		tarball bool
	)
	cmd := &cobra.Command{
		Use:   "results --dir DIR (--hold DURATION | --tarball)",
		Short: "Hold a conformance run's results directory, or write its results tarball to standard output",
		Long: `results serves 'netlab conformance': in its Job, beside the runner, '--hold D' keeps the
container (and the results directory it shares with the runner) alive for at most D; netlab execs
'--tarball' into it, which writes the runner's results tarball (` + conformance.TarballFile + `) to standard
output once the runner's "` + conformance.DoneFile + `" file is there, and exits 3 before that.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			switch {
			case tarball == (hold > 0):
				return failf(exitUsage, "give exactly one of --hold and --tarball")
			case tarball:
				err := conformance.WriteTarball(dir, cmd.OutOrStdout())
				if errors.Is(err, conformance.ErrNotDone) {
					return failf(exitUnknown, "%v", err)
				}
				return err
			default:
				ctx, cancel := signalContext()
				defer cancel()
				return conformance.Hold(ctx, hold)
			}
		},
	}
	cmd.Flags().StringVar(&dir, "dir", conformance.ResultsDir, "the results directory the runner writes")
	cmd.Flags().DurationVar(&hold, "hold", 0, "keep running for at most this long")
	cmd.Flags().BoolVar(&tarball, "tarball", false, "write the results tarball to standard output (exit 3 while the run is not finished)")
	return cmd
}
