// Package conformance runs Kubernetes' own network test suites inside a netlab lab: the
// "[sig-network] … [Conformance]" specs and the "[Feature:NetworkPolicy]" specs of
// k8s.io/kubernetes/test/e2e, as upstream's conformance image runs them (go-runner, ginkgo,
// e2e.test), one Job per cluster.
//
// This package is the pure part: which suite selects which specs (Suite), what a lab skips and why
// (Select), the Job that runs a selection (Objects), reading the suite's JUnit and its progress
// (ParseJUnit, Progress), and the report (Report). conformance/live runs it against a lab.
package conformance

import (
	"fmt"
	"strings"
)

// Suite is one selection of upstream specs, by a ginkgo focus regular expression.
type Suite struct {
	// Name is what --suite takes.
	Name string `json:"name"`
	// Title says what the suite proves, for reports.
	Title string `json:"title"`
	// Focus is the ginkgo focus regular expression that selects the suite's specs.
	Focus string `json:"focus"`
	// NeedsPolicy marks a suite of NetworkPolicy specs: a CNI that does not enforce NetworkPolicy
	// cannot pass them, so the suite is not applicable there.
	NeedsPolicy bool `json:"needsPolicy,omitempty"`
}

// The suites, in the order 'all' runs them.
var (
	SigNetwork = Suite{
		Name:  "sig-network",
		Title: "Kubernetes network conformance ([sig-network] … [Conformance])",
		Focus: `\[sig-network\].*\[Conformance\]`,
	}
	NetPol = Suite{
		Name:        "netpol",
		Title:       "Kubernetes NetworkPolicy ([Feature:NetworkPolicy])",
		Focus:       `\[Feature:NetworkPolicy\]`,
		NeedsPolicy: true,
	}
)

// Suites lists every suite.
func Suites() []Suite { return []Suite{SigNetwork, NetPol} }

// SuiteNames is what --suite accepts: every suite's name and "all".
func SuiteNames() []string {
	var out []string
	for _, s := range Suites() {
		out = append(out, s.Name)
	}
	return append(out, "all")
}

// SuitesNamed resolves --suite values (each a suite's name or "all") into suites, each once, in
// Suites' order.
func SuitesNamed(names ...string) ([]Suite, error) {
	want := map[string]bool{}
	for _, n := range names {
		if n == "all" {
			for _, s := range Suites() {
				want[s.Name] = true
			}
			continue
		}
		found := false
		for _, s := range Suites() {
			if s.Name == n {
				want[n], found = true, true
			}
		}
		if !found {
			return nil, fmt.Errorf("--suite %q: no such suite; want one of %s", n, strings.Join(SuiteNames(), ", "))
		}
	}
	var out []Suite
	for _, s := range Suites() {
		if want[s.Name] {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("--suite: name at least one of %s", strings.Join(SuiteNames(), ", "))
	}
	return out, nil
}
