// Command netlab turns a scenario file into a live Kubernetes networking lab and proves its packet paths.
//
// This package is deliberately thin: it parses flags, calls the library packages (plan, provision,
// checks) and maps their results to output and exit codes. Each subcommand lives in its own file;
// newRootCmd lists them all. Errors become exit codes in one place, exitCode.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/netlab-dev/netlab/internal/hint"
	"github.com/netlab-dev/netlab/internal/status"
)

// Exit codes that CI can rely on.
const (
	exitOK      = 0 // success
	exitFailed  = 1 // the input is invalid, or a check failed
	exitUsage   = 2 // bad usage, or the target (a lab) cannot be reached
	exitUnknown = 3 // an internal error
)

// exitError carries an exit code through cobra. Its message, if any, has already been printed
// unless print is set. err, when set, is the error it stands for (its hints are printed too).
type exitError struct {
	code  int
	msg   string
	print bool
	err   error
}

func (e *exitError) Error() string { return e.msg }
func (e *exitError) Unwrap() error { return e.err }

// failf returns an error that prints msg and exits with code.
func failf(code int, format string, args ...any) error {
	return &exitError{code: code, msg: fmt.Sprintf(format, args...), print: true}
}

// fail returns an error that prints err, then its hints, and exits with code.
func fail(code int, err error) error {
	return &exitError{code: code, msg: err.Error(), print: true, err: err}
}

// silentExit returns an error that exits with code and prints nothing more.
func silentExit(code int) error { return &exitError{code: code} }

// cli is what every command shares: the verbosity and the status printers made from it.
type cli struct {
	verbosity int
	printers  map[io.Writer]*status.Status
}

// status is the one status printer writing to w, made on first use.
func (c *cli) status(w io.Writer) *status.Status {
	if s, ok := c.printers[w]; ok {
		return s
	}
	var s *status.Status
	if f, ok := w.(*os.File); ok {
		s = status.ForFile(f, c.verbosity)
	} else {
		s = status.New(w, c.verbosity, false)
	}
	c.printers[w] = s
	return s
}

func newRootCmd(stdout, stderr io.Writer) *cobra.Command {
	app := &cli{printers: map[io.Writer]*status.Status{}}
	root := &cobra.Command{
		Use:   "netlab",
		Short: "Reproducible Kubernetes networking labs whose packet paths are proven, not assumed",
		Long: `netlab turns a scenario file into a live, reproducible Kubernetes networking lab
(kind clusters on per-VPC Docker networks, a CNI, a kube-proxy mode, MetalLB, Istio, a transit
gateway) and proves that every documented packet path in it works.

A scenario is a file or the name of a built-in scenario (see 'netlab list').`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.PersistentFlags().CountVarP(&app.verbosity, "verbose", "v", "print more detail while working (-v: each step's detail, -vv: more)")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &exitError{code: exitUsage, msg: fmt.Sprintf("%v\nRun '%s --help' for usage.", err, c.CommandPath()), print: true}
	})
	root.AddCommand(
		newListCmd(),
		newValidateCmd(),
		newPlanCmd(),
		newUpCmd(app),
		newStatusCmd(),
		newDownCmd(),
		newCheckCmd(app),
		newConformanceCmd(app),
		newWAFCmd(),
		newExplainCmd(),
		newGraphCmd(),
		newTGWCmd(),
		newImagesCmd(app),
		newVersionCmd(),
		newProbeCmd(),
	)
	return root
}

// run executes the CLI and returns the process exit code.
func run(args []string, stdout, stderr io.Writer) int {
	root := newRootCmd(stdout, stderr)
	root.SetArgs(args)
	return exitCode(root.Execute(), stderr)
}

// exitCode prints err (with its hints) and maps it to the process exit code: an exitError carries
// its code, a hinted error its kind's (hint.Code), and cobra's own errors (unknown command, wrong
// argument count) are usage errors.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.print && ee.msg != "" {
			fmt.Fprintln(stderr, "netlab:", ee.msg)
			for _, h := range hint.Hints(ee.err) {
				fmt.Fprintln(stderr, "hint:", h)
			}
		}
		return ee.code
	}
	var he *hint.Error
	if errors.As(err, &he) {
		fmt.Fprintln(stderr, "netlab:", hint.Format(err))
		return hint.Code(err)
	}
	fmt.Fprintln(stderr, "netlab:", err)
	return exitUsage
}

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }
