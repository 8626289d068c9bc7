package main

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/netlab-dev/netlab/conformance"
	"github.com/netlab-dev/netlab/conformance/live"
	"github.com/netlab-dev/netlab/provision/images"
)

func newConformanceCmd(app *cli) *cobra.Command {
	var (
		clusters, suites    []string
		focus, skip, output string
		junitFile           string
		offline             bool
		timeout             time.Duration
	)
	cmd := &cobra.Command{
		Use:   "conformance LAB",
		Short: "Run Kubernetes' own network conformance and NetworkPolicy suites inside the lab",
		Long: `conformance runs upstream Kubernetes' e2e specs inside each cluster of a running lab, as
upstream's conformance image runs them (go-runner, ginkgo, e2e.test, kubectl), one Job per suite in
namespace ` + conformance.Namespace + ` with a cluster-admin service account, in parallel across clusters:

  sig-network  the "[sig-network] … [Conformance]" specs
  netpol       the "[Feature:NetworkPolicy]" specs (not applicable on a CNI that does not enforce
               NetworkPolicy, such as Flannel: reported so, not as failures)

The runner is registry.k8s.io/conformance at the cluster's server version. On a host without a
registry, 'bash ci/images/build.sh conformance' builds it and the test images the network specs use
(agnhost, jessie-dnsutils, nginx, busybox) from Go modules and Debian packages, under upstream's
names, for netlab's node image (Kubernetes ` + images.KubernetesVersion + `); netlab loads them into the nodes.

A lab is hermetic: specs that reach past the machine (the Internet connectivity specs, CoreDNS
upstream-nameserver specs) are excluded unless the scenario allows egress and upstream DNS, and
SCTP specs when the kernel has no SCTP; the report says which and why. The lab's egress guard
counters are read before and after, and the report says what tried to leave.

Exit status: 0 when every suite passed (or was not applicable), 1 when a spec failed or a suite
produced no results, 2 for usage or a lab that cannot be reached.`,
		Example: `  netlab conformance flannel-basic
  netlab conformance cni-matrix --cluster calico --suite netpol
  netlab conformance tgw-two-vpc --suite all -o junit > upstream.xml
  netlab check flannel-basic --junit ci.xml && netlab conformance flannel-basic --junit ci.xml`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := outputFlag(output, "table", "json", "junit", "markdown"); err != nil {
				return err
			}
			ss, err := conformance.SuitesNamed(suites...)
			if err != nil {
				return failf(exitUsage, "%v", err)
			}
			if timeout < 5*time.Minute || timeout > 6*time.Hour {
				return failf(exitUsage, "--timeout %s: want 5m to 6h", timeout)
			}
			probe := conformance.Selection{Focus: focus, Skips: []conformance.Skip{{Pattern: skip}}}
			if err := probe.Validate(); err != nil {
				return failf(exitUsage, "--focus/--skip: %v", err)
			}
			ctx, cancel := signalContext()
			defer cancel()
			st := app.status(cmd.ErrOrStderr())
			st.Printf("Running %s in lab %q ...", suiteList(ss), args[0])
			rep, err := live.Run(ctx, args[0], live.Options{
				Clusters: clusters, Suites: ss, Focus: focus, Skip: skip, Offline: offline, Deadline: timeout,
			}, st)
			if err != nil {
				if errors.Is(err, live.ErrUnreachable) {
					return failf(exitUsage, "%v", err)
				}
				return failf(exitFailed, "%v", err)
			}
			if junitFile != "" {
				if err := writeJUnitFile(junitFile, rep.JUnitSuites()...); err != nil {
					return err
				}
			}
			if err := writeAs(cmd.OutOrStdout(), output, rep); err != nil {
				return err
			}
			if !rep.OK() {
				return silentExit(exitFailed)
			}
			return nil
		},
	}
	cmd.Flags().StringSliceVar(&clusters, "cluster", nil, "cluster to run in (repeatable; default: every cluster of the lab)")
	cmd.Flags().StringSliceVar(&suites, "suite", []string{conformance.SigNetwork.Name}, "suite to run: "+strings.Join(conformance.SuiteNames(), ", ")+" (repeatable)")
	cmd.Flags().StringVar(&focus, "focus", "", "ginkgo focus regular expression that replaces each suite's own")
	cmd.Flags().StringVar(&skip, "skip", "", "ginkgo skip regular expression: leave out more specs")
	cmd.Flags().StringVarP(&output, "output", "o", "table", "report format: table, json, junit or markdown")
	cmd.Flags().StringVar(&junitFile, "junit", "", "also write the JUnit report to this file (merged into a JUnit file already there, such as netlab check's)")
	cmd.Flags().BoolVar(&offline, "offline", false, "never let the nodes pull: refuse when the host lacks an image the suite needs")
	cmd.Flags().DurationVar(&timeout, "timeout", 45*time.Minute, "bound on each suite in each cluster")
	return cmd
}

func suiteList(ss []conformance.Suite) string {
	var n []string
	for _, s := range ss {
		n = append(n, s.Name)
	}
	return fmt.Sprintf("suite(s) %s", strings.Join(n, ", "))
}
