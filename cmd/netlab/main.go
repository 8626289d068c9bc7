// Command netlab turns a scenario file into a live Kubernetes networking lab and proves its packet paths.
//
// This package is deliberately thin: it parses flags, calls the library packages (plan, provision,
// checks) and maps their results to output and exit codes. Each subcommand lives in its own file and
// registers itself with addCommand in an init function.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
)

// Exit codes that CI can rely on.
const (
	exitOK      = 0 // success
	exitFailed  = 1 // the input is invalid, or a check failed
	exitUsage   = 2 // bad usage, or the target (a lab) cannot be reached
	exitUnknown = 3 // an internal error
)

// exitError carries an exit code through cobra. Its message, if any, has already been printed
// unless print is set.
type exitError struct {
	code  int
	msg   string
	print bool
}

func (e *exitError) Error() string { return e.msg }

// failf returns an error that prints msg and exits with code.
func failf(code int, format string, args ...any) error {
	return &exitError{code: code, msg: fmt.Sprintf(format, args...), print: true}
}

// silentExit returns an error that exits with code and prints nothing more.
func silentExit(code int) error { return &exitError{code: code} }

var commandFactories []func() *cobra.Command

// addCommand registers a subcommand factory; call it from an init function.
func addCommand(f func() *cobra.Command) { commandFactories = append(commandFactories, f) }

func newRootCmd(stdout, stderr io.Writer) *cobra.Command {
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
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &exitError{code: exitUsage, msg: fmt.Sprintf("%v\nRun '%s --help' for usage.", err, c.CommandPath()), print: true}
	})
	for _, f := range commandFactories {
		root.AddCommand(f())
	}
	return root
}

// run executes the CLI and returns the process exit code.
func run(args []string, stdout, stderr io.Writer) int {
	root := newRootCmd(stdout, stderr)
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.print && ee.msg != "" {
			fmt.Fprintln(stderr, "netlab:", ee.msg)
		}
		return ee.code
	}
	// cobra's own errors (unknown command, wrong argument count) are usage errors.
	fmt.Fprintln(stderr, "netlab:", err)
	return exitUsage
}

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }
