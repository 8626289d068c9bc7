// Package report holds the results of a check run and renders them: a table for terminals, JSON for
// programs, JUnit XML for CI systems and Markdown for workshop hand-outs.
package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/netlab-dev/netlab/internal/cell"
	"github.com/netlab-dev/netlab/internal/junit"
)

// Verdict of one check.
type Verdict string

const (
	Pass  Verdict = "pass"
	Fail  Verdict = "fail"
	Skip  Verdict = "skip"
	Error Verdict = "error" // the check could not run (lab unreachable, setup failed)
)

// Evidence is one observed fact, with what was expected of it.
type Evidence struct {
	Name     string `json:"name"`
	Observed string `json:"observed"`
	Expected string `json:"expected,omitempty"`
	OK       bool   `json:"ok"`
}

// Step is one command a check ran: where, what, and a short excerpt of its output or error.
type Step struct {
	Where   string `json:"where"`
	Command string `json:"command"`
	Output  string `json:"output,omitempty"`
	Error   string `json:"error,omitempty"`
}

// Measurement is a throughput or latency figure beside its baseline.
type Measurement struct {
	Name     string  `json:"name"`
	Unit     string  `json:"unit"`
	Value    float64 `json:"value"`
	Baseline float64 `json:"baseline,omitempty"`
	// Ratio is Value/Baseline (0 when there is no baseline).
	Ratio float64 `json:"ratio,omitempty"`
	// BaselineTaken is when the baseline was measured (RFC 3339, UTC): once per run, so it may
	// be older than the figure beside it.
	BaselineTaken string `json:"baselineTaken,omitempty"`
}

// Result is the outcome of one path check.
type Result struct {
	Path     string        `json:"path"`
	Cluster  string        `json:"cluster,omitempty"`
	Verdict  Verdict       `json:"verdict"`
	Summary  string        `json:"summary"`
	Reason   string        `json:"reason,omitempty"`
	Evidence []Evidence    `json:"evidence,omitempty"`
	Negative *Result       `json:"negativeControl,omitempty"`
	Perf     []Measurement `json:"perf,omitempty"`
	// Trace are the commands the check ran, in order.
	Trace    []Step        `json:"trace,omitempty"`
	Duration time.Duration `json:"-"`
	Seconds  float64       `json:"seconds"`
}

// Report is a whole run.
type Report struct {
	Lab      string    `json:"lab"`
	Scenario string    `json:"scenario,omitempty"`
	Started  time.Time `json:"started"`
	Seconds  float64   `json:"seconds"`
	Results  []Result  `json:"results"`
	// Topology is a Mermaid flowchart of the lab (graph.Mermaid), set by the caller; Markdown
	// embeds it so that a hand-out shows the lab beside the verdicts. Not part of the JSON.
	Topology string `json:"-"`
}

// Counts tallies the verdicts.
func (r *Report) Counts() map[Verdict]int {
	c := map[Verdict]int{}
	for _, res := range r.Results {
		c[res.Verdict]++
	}
	return c
}

// OK reports whether no check failed or errored.
func (r *Report) OK() bool {
	c := r.Counts()
	return c[Fail] == 0 && c[Error] == 0
}

func (r *Report) normalise() {
	for i := range r.Results {
		res := &r.Results[i]
		if res.Seconds == 0 && res.Duration != 0 {
			res.Seconds = round(res.Duration.Seconds())
		}
		if res.Negative != nil && res.Negative.Seconds == 0 && res.Negative.Duration != 0 {
			res.Negative.Seconds = round(res.Negative.Duration.Seconds())
		}
	}
}

func round(f float64) float64 { return float64(int64(f*1000+0.5)) / 1000 }

// JSON writes the report as indented JSON.
func (r *Report) JSON(w io.Writer) error {
	r.normalise()
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// Table writes one line per path: verdict, evidence in one line, timing; then the totals.
func (r *Report) Table(w io.Writer) error {
	r.normalise()
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PATH\tCLUSTER\tVERDICT\tEVIDENCE\tTIME")
	for _, res := range r.Results {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%.1fs\n", res.Path, cell.Dash(res.Cluster), strings.ToUpper(string(res.Verdict)), oneLine(res), res.Seconds)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, res := range r.Results {
		if (res.Verdict == Fail || res.Verdict == Error) && len(res.Trace) > 0 {
			writeTrace(w, res)
		}
	}
	c := r.Counts()
	_, err := fmt.Fprintf(w, "\n%d passed, %d failed, %d skipped, %d errors in %.1fs (lab %s)\n", c[Pass], c[Fail], c[Skip], c[Error], r.Seconds, r.Lab)
	return err
}

// writeTrace prints the commands a failed check ran, one per line.
func writeTrace(w io.Writer, res Result) {
	fmt.Fprintf(w, "\n%s [%s] ran:\n", res.Path, cell.Dash(res.Cluster))
	for _, s := range res.Trace {
		line := fmt.Sprintf("  %s: %s", s.Where, s.Command)
		if s.Error != "" {
			line += " -> error: " + s.Error
		} else if s.Output != "" {
			line += " -> " + s.Output
		}
		fmt.Fprintln(w, line)
	}
}

// oneLine is a result's evidence in one line: the summary, or the reason for a skip or failure,
// and the negative control's outcome.
func oneLine(res Result) string {
	s := res.Summary
	if res.Verdict == Skip || res.Verdict == Error || (res.Verdict == Fail && res.Reason != "") {
		s = res.Reason
	}
	if res.Negative != nil {
		s += fmt.Sprintf(" [negative control: %s]", res.Negative.Summary)
	}
	if len(res.Perf) > 0 {
		var ms []string
		for _, m := range res.Perf {
			f := fmt.Sprintf("%s %.3g %s", m.Name, m.Value, m.Unit)
			if m.Ratio != 0 {
				f += fmt.Sprintf(" (%.2f× baseline)", m.Ratio)
			}
			ms = append(ms, f)
		}
		s += " {" + strings.Join(ms, ", ") + "}"
	}
	return s
}

// JUnit writes the report in the JUnit XML form that CI systems read: one suite for the lab, one
// test case per path (classname netlab.<lab>, name the path id), evidence in system-out.
func (r *Report) JUnit(w io.Writer) error {
	return junit.New("netlab", r.JUnitSuite()).Write(w)
}

// JUnitSuite is the report as one JUnit suite (netlab.<lab>), for a document that also carries
// other suites (netlab conformance merges its own beside it).
func (r *Report) JUnitSuite() junit.Suite {
	r.normalise()
	suite := junit.Suite{Name: "netlab." + r.Lab, Time: junit.Seconds(r.Seconds), Timestamp: r.Started.UTC().Format("2006-01-02T15:04:05")}
	for _, res := range r.Results {
		name := res.Path
		if res.Cluster != "" {
			name += " [" + res.Cluster + "]"
		}
		tc := junit.Case{Name: name, Classname: "netlab." + r.Lab, Time: junit.Seconds(res.Seconds), SystemOut: evidenceText(res)}
		switch res.Verdict {
		case Fail:
			tc.Failure = &junit.Message{Message: oneLine(res), Text: evidenceText(res)}
		case Error:
			tc.Error = &junit.Message{Message: res.Reason}
		case Skip:
			tc.Skipped = &junit.Message{Message: res.Reason}
		}
		suite.Cases = append(suite.Cases, tc)
	}
	suite.Count()
	return suite
}

func evidenceText(res Result) string {
	var b strings.Builder
	for _, e := range res.Evidence {
		mark := "ok"
		if !e.OK {
			mark = "NOT OK"
		}
		fmt.Fprintf(&b, "%s: %s: observed %s", mark, e.Name, e.Observed)
		if e.Expected != "" {
			fmt.Fprintf(&b, ", expected %s", e.Expected)
		}
		b.WriteString("\n")
	}
	if res.Negative != nil {
		fmt.Fprintf(&b, "negative control (%s): %s\n", res.Negative.Verdict, res.Negative.Summary)
	}
	for _, m := range res.Perf {
		fmt.Fprintf(&b, "perf: %s = %.3g %s", m.Name, m.Value, m.Unit)
		if m.Baseline != 0 {
			fmt.Fprintf(&b, " (baseline %.3g, ratio %.2f)", m.Baseline, m.Ratio)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// Markdown writes a hand-out: totals, a table of paths, then each path's evidence.
func (r *Report) Markdown(w io.Writer) error {
	r.normalise()
	c := r.Counts()
	var b strings.Builder
	fmt.Fprintf(&b, "# netlab check: lab `%s`\n\n", r.Lab)
	if r.Scenario != "" {
		fmt.Fprintf(&b, "Scenario: `%s`. ", r.Scenario)
	}
	fmt.Fprintf(&b, "Run at %s, %.1f s.\n\n", r.Started.UTC().Format("2006-01-02 15:04 UTC"), r.Seconds)
	fmt.Fprintf(&b, "**%d passed, %d failed, %d skipped, %d errors.**\n\n", c[Pass], c[Fail], c[Skip], c[Error])
	b.WriteString("| path | cluster | verdict | evidence |\n|---|---|---|---|\n")
	for _, res := range r.Results {
		fmt.Fprintf(&b, "| [`%s`](docs/paths/%s.md) | %s | %s | %s |\n", res.Path, res.Path, cell.Dash(res.Cluster), badge(res.Verdict), cell.Markdown(oneLine(res)))
	}
	if r.Topology != "" {
		fmt.Fprintf(&b, "\n## Topology\n\n```mermaid\n%s\n```\n", strings.TrimRight(r.Topology, "\n"))
	}
	for _, res := range r.Results {
		if len(res.Evidence) == 0 && res.Negative == nil && len(res.Perf) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n## `%s`", res.Path)
		if res.Cluster != "" {
			fmt.Fprintf(&b, " (%s)", res.Cluster)
		}
		fmt.Fprintf(&b, ": %s\n\n", badge(res.Verdict))
		if len(res.Evidence) > 0 {
			b.WriteString("| evidence | observed | expected | |\n|---|---|---|---|\n")
			for _, e := range res.Evidence {
				mark := "✓"
				if !e.OK {
					mark = "✗"
				}
				fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", cell.Markdown(e.Name), cell.Markdown(e.Observed), cell.Markdown(cell.Dash(e.Expected)), mark)
			}
		}
		if res.Negative != nil {
			fmt.Fprintf(&b, "\nNegative control: %s (%s).\n", cell.Markdown(res.Negative.Summary), res.Negative.Verdict)
		}
		if len(res.Perf) > 0 {
			b.WriteString("\n| measurement | value | baseline | ratio |\n|---|---|---|---|\n")
			for _, m := range res.Perf {
				fmt.Fprintf(&b, "| %s | %.3g %s | %.3g %s | %.2f |\n", m.Name, m.Value, m.Unit, m.Baseline, m.Unit, m.Ratio)
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func badge(v Verdict) string {
	switch v {
	case Pass:
		return "✅ pass"
	case Fail:
		return "❌ fail"
	case Skip:
		return "⏭ skip"
	}
	return "⚠ error"
}
