// Package status prints what netlab is doing, in the manner of kind's cli.Status: one line when a
// step starts and one when it ends (✓ with its duration, ✗ on failure), plain lines in between,
// and detail lines that only a higher verbosity (-v, -vv) shows. On a terminal the running step
// gets a spinner; elsewhere (CI logs, pipes) every line is written once, as it happens.
//
// One Status is made by the CLI and handed down to whatever prints: 'up' and its steps, 'down',
// the checks and the image loaders. It is safe for concurrent use: steps that work on several
// clusters at once print through the same Status.
package status

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// Status writes status lines to one writer.
type Status struct {
	mu        sync.Mutex
	out       io.Writer
	verbosity int
	tty       bool
	now       func() time.Time

	title   string
	started time.Time
	spin    *spinner
}

// New returns a Status writing to out. verbosity 0 shows step lines and plain lines; 1 (-v) adds
// level-1 detail; 2 (-vv) adds level-2 detail. tty turns on the spinner for the running step.
func New(out io.Writer, verbosity int, tty bool) *Status {
	if out == nil {
		out = io.Discard
	}
	return &Status{out: out, verbosity: verbosity, tty: tty, now: time.Now}
}

// ForFile is New with tty set when out is a terminal (a character device).
func ForFile(f *os.File, verbosity int) *Status {
	tty := false
	if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 && os.Getenv("TERM") != "dumb" {
		tty = true
	}
	return New(f, verbosity, tty)
}

// Discard returns a Status that prints nothing.
func Discard() *Status { return New(io.Discard, 0, false) }

// Or returns s, or a discarding Status when s is nil, so that library code may take a nil *Status.
func Or(s *Status) *Status {
	if s == nil {
		return Discard()
	}
	return s
}

// Verbosity is the level this Status shows.
func (s *Status) Verbosity() int { return s.verbosity }

// Start begins a step: " • title ...". A step still running is ended as succeeded first.
func (s *Status) Start(title string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.title != "" {
		s.endLocked(true)
	}
	s.title, s.started = title, s.now()
	if s.tty {
		s.spin = startSpinner(s.out, title, &s.mu)
		return
	}
	fmt.Fprintf(s.out, " • %s ...\n", title)
}

// End ends the running step: " ✓ title (1.2s)" or " ✗ title (1.2s)". Without a running step it
// does nothing.
func (s *Status) End(ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.endLocked(ok)
}

func (s *Status) endLocked(ok bool) {
	if s.title == "" {
		return
	}
	s.stopSpinnerLocked()
	mark := "✓"
	if !ok {
		mark = "✗"
	}
	d := s.now().Sub(s.started).Round(100 * time.Millisecond)
	fmt.Fprintf(s.out, " %s %s (%s)\n", mark, s.title, d)
	s.title = ""
}

// Step runs fn as one step between Start and End, and returns its error.
func (s *Status) Step(title string, fn func() error) error {
	s.Start(title)
	err := fn()
	s.End(err == nil)
	return err
}

// Printf writes a plain line, shown at every verbosity.
func (s *Status) Printf(format string, args ...any) { s.line(format, args...) }

// V returns a printer for detail lines of the given level: shown only when the Status's verbosity
// is at least level. V(0) is Printf.
func (s *Status) V(level int) Printer {
	if level > s.verbosity {
		return discard{}
	}
	return printer{s}
}

// Writer returns an io.Writer whose lines are printed as detail lines of level.
func (s *Status) Writer(level int) io.Writer {
	if level > s.verbosity {
		return io.Discard
	}
	return lineWriter{s}
}

func (s *Status) line(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	msg := strings.TrimRight(fmt.Sprintf(format, args...), "\n")
	if s.spin != nil {
		s.spin.clear()
	}
	fmt.Fprintln(s.out, msg)
	if s.spin != nil {
		s.spin.redraw()
	}
}

func (s *Status) stopSpinnerLocked() {
	if s.spin != nil {
		s.spin.stop()
		s.spin = nil
	}
}

// Printer prints lines at one level.
type Printer interface {
	Printf(format string, args ...any)
}

type printer struct{ s *Status }

func (p printer) Printf(format string, args ...any) { p.s.line(format, args...) }

type discard struct{}

func (discard) Printf(string, ...any) {}

type lineWriter struct{ s *Status }

func (w lineWriter) Write(b []byte) (int, error) {
	for _, l := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		if strings.TrimSpace(l) != "" {
			w.s.line("%s", l)
		}
	}
	return len(b), nil
}
