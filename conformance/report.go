package conformance

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/netlab-dev/netlab/internal/cell"
	"github.com/netlab-dev/netlab/internal/junit"
	"github.com/netlab-dev/netlab/internal/nft"
)

// Verdict of one suite on one cluster.
type Verdict string

const (
	Pass Verdict = "pass"
	Fail Verdict = "fail"
	// NotApplicable: the suite cannot pass on this cluster by design (Selection.NotApplicable).
	NotApplicable Verdict = "not-applicable"
	// Error: the run produced no results (the runner did not start, ran out of time, or left no
	// report), or selected no spec at all.
	Error Verdict = "error"
)

// Run is one suite on one cluster.
type Run struct {
	Selection
	// Runner is the conformance image that ran; ServerVersion the cluster's.
	Runner        string  `json:"runner,omitempty"`
	ServerVersion string  `json:"serverVersion,omitempty"`
	Verdict       Verdict `json:"verdict"`
	Reason        string  `json:"reason,omitempty"`
	Specs         []Spec  `json:"specs,omitempty"`
	Seconds       float64 `json:"seconds"`
	// OutputTail is the end of the suite's output when the run ended in an error.
	OutputTail []string `json:"outputTail,omitempty"`
}

// Counts tallies the run's specs by state.
func (r Run) Counts() map[State]int {
	c := map[State]int{}
	for _, s := range r.Specs {
		c[s.State]++
	}
	return c
}

// Judge sets the run's verdict from its specs: a failed spec fails it; a run in which no selected
// spec ran (all excluded or skipped, or none selected) is an error, as it observed nothing.
func (r *Run) Judge() {
	if r.NotApplicable != "" {
		r.Verdict, r.Reason = NotApplicable, r.NotApplicable
		return
	}
	if r.Verdict == Error {
		return
	}
	c := r.Counts()
	switch {
	case c[Failed] > 0:
		r.Verdict, r.Reason = Fail, fmt.Sprintf("%d of %d specs failed", c[Failed], c[Failed]+c[Passed])
	case c[Passed] == 0:
		r.Verdict, r.Reason = Error, "no selected spec ran (focus "+r.Focus+")"
	default:
		r.Verdict, r.Reason = Pass, ""
	}
}

// Egress is what the lab's egress guard counted while the suites ran: packets from the lab to an
// address outside it, refused at the host (DNS queries among them), and any that got past it.
type Egress struct {
	// Guarded is false when the lab has no guard (egress: allow): nothing was counted.
	Guarded bool      `json:"guarded"`
	Refused nft.Count `json:"refused"`
	DNS     nft.Count `json:"dns"`
	Escaped nft.Count `json:"escaped"`
}

// Report is a whole 'netlab conformance' run.
type Report struct {
	Lab     string    `json:"lab"`
	Started time.Time `json:"started"`
	Seconds float64   `json:"seconds"`
	Runs    []Run     `json:"runs"`
	Egress  *Egress   `json:"egress,omitempty"`
}

// OK reports whether every run passed or was not applicable, and nothing escaped the guard.
func (r *Report) OK() bool {
	for _, run := range r.Runs {
		if run.Verdict != Pass && run.Verdict != NotApplicable {
			return false
		}
	}
	return r.Egress == nil || r.Egress.Escaped.Packets == 0
}

// JSON writes the report as indented JSON.
func (r *Report) JSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// Table writes a line per run, then each failure and each exclusion with its reason, then what
// the egress guard counted.
func (r *Report) Table(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CLUSTER\tSUITE\tVERDICT\tPASSED\tFAILED\tSKIPPED\tEXCLUDED\tTIME\tDETAIL")
	for _, run := range r.Runs {
		c := run.Counts()
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%d\t%.0fs\t%s\n", run.Cluster, run.Suite.Name, strings.ToUpper(string(run.Verdict)),
			c[Passed], c[Failed], c[Skipped], c[Excluded], run.Seconds, cell.Dash(run.Reason))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, run := range r.Runs {
		head := false
		for _, s := range run.Specs {
			if s.State != Failed {
				continue
			}
			if !head {
				fmt.Fprintf(w, "\nFailed on %s (%s):\n", run.Cluster, run.Suite.Name)
				head = true
			}
			fmt.Fprintf(w, "  %s\n    %s\n", s.Name, s.Reason)
		}
		if run.Verdict == Error && len(run.OutputTail) > 0 {
			fmt.Fprintf(w, "\nThe end of the suite's output on %s (%s):\n", run.Cluster, run.Suite.Name)
			for _, l := range run.OutputTail {
				fmt.Fprintf(w, "  %s\n", l)
			}
		}
	}
	for _, run := range r.Runs {
		for _, e := range excludedByReason(run) {
			fmt.Fprintf(w, "\nExcluded on %s (%s): %d spec(s): %s", run.Cluster, run.Suite.Name, e.n, e.reason)
		}
	}
	fmt.Fprintln(w)
	if r.Egress != nil {
		fmt.Fprintf(w, "\n%s\n", r.Egress.Line())
	}
	_, err := fmt.Fprintf(w, "\n%s in %.0fs (lab %s)\n", r.summary(), r.Seconds, r.Lab)
	return err
}

// Line says in one line what the guard counted.
func (e Egress) Line() string {
	if !e.Guarded {
		return "egress guard: none (the scenario allows egress); nothing was counted"
	}
	s := fmt.Sprintf("egress guard during the run: %d packet(s) from the lab to outside it refused at the host (%d of them DNS), %d got past it",
		e.Refused.Packets, e.DNS.Packets, e.Escaped.Packets)
	if e.Refused.Packets == 0 && e.Escaped.Packets == 0 {
		s += ": nothing tried to leave the machine"
	}
	return s
}

func (r *Report) summary() string {
	n := map[Verdict]int{}
	for _, run := range r.Runs {
		n[run.Verdict]++
	}
	return fmt.Sprintf("%d passed, %d failed, %d not applicable, %d errors", n[Pass], n[Fail], n[NotApplicable], n[Error])
}

type excluded struct {
	reason string
	n      int
}

// excludedByReason counts a run's excluded specs by their reason, in the order of the selection's
// skips.
func excludedByReason(run Run) []excluded {
	var out []excluded
	for _, k := range run.Skips {
		n := 0
		for _, s := range run.Specs {
			if s.State == Excluded && s.Reason == k.Reason {
				n++
			}
		}
		if n > 0 {
			out = append(out, excluded{k.Reason, n})
		}
	}
	return out
}

// SuiteName is the JUnit suite of one run: conformance.<lab>.<cluster>.<suite>.
func (r *Report) SuiteName(run Run) string {
	return "conformance." + r.Lab + "." + run.Cluster + "." + run.Suite.Name
}

// JUnitSuites are the runs as JUnit suites, one per run: each spec a case (excluded and skipped
// specs as skipped, with the reason); a run that is not applicable or ended in an error is one
// case that says so.
func (r *Report) JUnitSuites() []junit.Suite {
	var out []junit.Suite
	stamp := r.Started.UTC().Format("2006-01-02T15:04:05")
	for _, run := range r.Runs {
		class := "conformance." + run.Cluster + "." + run.Suite.Name
		s := junit.Suite{Name: r.SuiteName(run), Time: junit.Seconds(run.Seconds), Timestamp: stamp}
		switch run.Verdict {
		case NotApplicable:
			s.Cases = append(s.Cases, junit.Case{Name: run.Suite.Title, Classname: class, Time: junit.Seconds(0), Skipped: &junit.Message{Message: run.Reason}})
		case Error:
			s.Cases = append(s.Cases, junit.Case{Name: run.Suite.Title, Classname: class, Time: junit.Seconds(run.Seconds),
				Error: &junit.Message{Message: run.Reason, Text: strings.Join(run.OutputTail, "\n")}})
		}
		for _, sp := range run.Specs {
			c := junit.Case{Name: sp.Name, Classname: class, Time: junit.Seconds(sp.Seconds)}
			switch sp.State {
			case Failed:
				c.Failure = &junit.Message{Message: sp.Reason}
			case Skipped, Excluded:
				c.Skipped = &junit.Message{Message: string(sp.State) + ": " + sp.Reason}
			}
			s.Cases = append(s.Cases, c)
		}
		s.Count()
		out = append(out, s)
	}
	return out
}

// JUnit writes the runs as a JUnit document of their own.
func (r *Report) JUnit(w io.Writer) error {
	return junit.New("netlab", r.JUnitSuites()...).Write(w)
}

// Markdown writes a summary per cluster: the verdicts, the failures, the exclusions and the guard.
func (r *Report) Markdown(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# netlab conformance: lab `%s`\n\n", r.Lab)
	fmt.Fprintf(&b, "Run at %s, %.0f s. **%s.**\n", r.Started.UTC().Format("2006-01-02 15:04 UTC"), r.Seconds, r.summary())
	cluster := ""
	for _, run := range r.Runs {
		if run.Cluster != cluster {
			cluster = run.Cluster
			fmt.Fprintf(&b, "\n## Cluster `%s`\n\n| suite | verdict | passed | failed | skipped | excluded | time |\n|---|---|---|---|---|---|---|\n", cluster)
			for _, o := range r.Runs {
				if o.Cluster != cluster {
					continue
				}
				c := o.Counts()
				fmt.Fprintf(&b, "| %s | %s | %d | %d | %d | %d | %.0f s |\n", o.Suite.Name, o.Verdict, c[Passed], c[Failed], c[Skipped], c[Excluded], o.Seconds)
			}
		}
		if run.Reason != "" && run.Verdict != Pass {
			fmt.Fprintf(&b, "\n%s: %s\n", run.Suite.Name, cell.Markdown(run.Reason))
		}
		for _, s := range run.Specs {
			if s.State == Failed {
				fmt.Fprintf(&b, "\n- ❌ %s: %s", cell.Markdown(s.Name), cell.Markdown(s.Reason))
			}
		}
		for _, e := range excludedByReason(run) {
			fmt.Fprintf(&b, "\n- excluded from %s: %d spec(s): %s", run.Suite.Name, e.n, cell.Markdown(e.reason))
		}
		b.WriteString("\n")
	}
	if r.Egress != nil {
		fmt.Fprintf(&b, "\n%s.\n", r.Egress.Line())
	}
	_, err := io.WriteString(w, b.String())
	return err
}
