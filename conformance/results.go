package conformance

import (
	"bufio"
	"io"
	"regexp"
	"strconv"
	"strings"

	"github.com/netlab-dev/netlab/internal/junit"
)

// State is how one selected spec ended.
type State string

const (
	Passed State = "passed"
	Failed State = "failed"
	// Skipped: the suite skipped the spec while running it (a requirement the cluster does not
	// meet, such as a number of nodes); Reason is the suite's message.
	Skipped State = "skipped"
	// Excluded: netlab's selection left the spec out; Reason says why (Selection.Skips).
	Excluded State = "excluded"
)

// Spec is one selected spec's outcome.
type Spec struct {
	Name    string  `json:"name"`
	State   State   `json:"state"`
	Reason  string  `json:"reason,omitempty"`
	Seconds float64 `json:"seconds"`
}

// leafPrefix is ginkgo's "[It] " (the leaf node's type) before the spec's full text.
var leafPrefix = regexp.MustCompile(`^\[([A-Za-z]+)\]\s*`)

// ParseJUnit reads the JUnit report the suite wrote (junit_01.xml) and returns the selection's
// specs: those whose text the focus matches, each passed, failed, skipped by the suite or excluded
// by one of the selection's skips. Specs outside the focus (the suite lists every spec it has) are
// dropped. A suite-level node that failed (a BeforeSuite, say) is returned as a failed spec, since
// then nothing after it is trustworthy.
func ParseJUnit(r io.Reader, sel Selection) ([]Spec, error) {
	doc, err := junit.Read(r)
	if err != nil {
		return nil, err
	}
	var out []Spec
	for _, s := range doc.Suites {
		for _, c := range s.Cases {
			name, leaf := c.Name, "It"
			if m := leafPrefix.FindStringSubmatch(name); m != nil {
				leaf, name = m[1], strings.TrimSpace(name[len(m[0]):])
			}
			secs, _ := strconv.ParseFloat(c.Time, 64)
			if leaf != "It" {
				if msg := failure(c); msg != "" {
					if name == "" {
						name = "[" + leaf + "]"
					}
					out = append(out, Spec{Name: name, State: Failed, Reason: msg, Seconds: secs})
				}
				continue
			}
			selected, skip := sel.Classify(name)
			if !selected {
				continue
			}
			sp := Spec{Name: name, Seconds: secs}
			switch msg := failure(c); {
			case msg != "":
				sp.State, sp.Reason = Failed, msg
			case c.Skipped != nil && skip != nil:
				sp.State, sp.Reason = Excluded, skip.Reason
			case c.Skipped != nil:
				sp.State, sp.Reason = Skipped, strings.TrimPrefix(strings.TrimPrefix(c.Skipped.Message, "skipped"), " - ")
			default:
				sp.State = Passed
			}
			out = append(out, sp)
		}
	}
	return out, nil
}

// failure is a failed or errored case's first meaningful line ("" when it did not fail): ginkgo's
// JUnit, as the suite writes it, leaves the message attribute empty and puts the detail in the body.
func failure(c junit.Case) string {
	m := c.Failure
	if m == nil {
		m = c.Error
	}
	if m == nil {
		return ""
	}
	for _, text := range []string{m.Message, m.Text} {
		for _, line := range strings.Split(text, "\n") {
			if line = strings.TrimSpace(line); line != "" {
				return clip(line, 300)
			}
		}
	}
	return "failed (no message)"
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// Progress counts what the suite's output says while it runs: ginkgo's "Will run N of M specs",
// then, under --v, a "•" line as each spec ends ("• [FAILED] …" for a failure).
type Progress struct {
	Total  int `json:"total"`
	Done   int `json:"done"`
	Failed int `json:"failed"`
}

var (
	willRun   = regexp.MustCompile(`Will run (\d+) of (\d+) specs`)
	specEnded = regexp.MustCompile(`^• \[(?:([A-Z]+)\] \[)?[0-9.]+ seconds\]`)
)

// Line takes one line of output and reports whether the counts changed.
func (p *Progress) Line(line string) bool {
	line = strings.TrimSpace(line)
	if m := willRun.FindStringSubmatch(line); m != nil {
		p.Total, _ = strconv.Atoi(m[1])
		return true
	}
	m := specEnded.FindStringSubmatch(line)
	if m == nil {
		return false
	}
	p.Done++
	if m[1] != "" && m[1] != "PASSED" {
		p.Failed++
	}
	return true
}

// Follow reads the suite's output line by line, calling changed after each line that moved the
// counts, until r ends. It returns the last lines it read (at most keep), for a report of a run
// that ended without results.
func (p *Progress) Follow(r io.Reader, keep int, changed func(Progress)) ([]string, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
	var tail []string
	for sc.Scan() {
		line := sc.Text()
		if keep > 0 {
			if len(tail) == keep {
				tail = tail[1:]
			}
			tail = append(tail, line)
		}
		if p.Line(line) && changed != nil {
			changed(*p)
		}
	}
	return tail, sc.Err()
}
