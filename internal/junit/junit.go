// Package junit is the JUnit XML document that CI systems read, as netlab writes it: netlab check's
// path verdicts and netlab conformance's upstream specs are suites of one document, so that one
// file carries both. Merge adds suites to a document another run wrote.
package junit

import (
	"encoding/xml"
	"fmt"
	"io"
)

// Suites is the whole document (<testsuites>). Its counts are the sums of its suites'.
type Suites struct {
	XMLName  xml.Name `xml:"testsuites"`
	Name     string   `xml:"name,attr"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Errors   int      `xml:"errors,attr"`
	Skipped  int      `xml:"skipped,attr"`
	Time     string   `xml:"time,attr"`
	Suites   []Suite  `xml:"testsuite"`
}

// Suite is one <testsuite>: a lab's path checks, or one cluster's run of an upstream suite.
type Suite struct {
	Name      string `xml:"name,attr"`
	Tests     int    `xml:"tests,attr"`
	Failures  int    `xml:"failures,attr"`
	Errors    int    `xml:"errors,attr"`
	Skipped   int    `xml:"skipped,attr"`
	Time      string `xml:"time,attr"`
	Timestamp string `xml:"timestamp,attr"`
	Cases     []Case `xml:"testcase"`
}

// Case is one <testcase>; at most one of Failure, Error and Skipped is set.
type Case struct {
	Name      string   `xml:"name,attr"`
	Classname string   `xml:"classname,attr"`
	Time      string   `xml:"time,attr"`
	Failure   *Message `xml:"failure,omitempty"`
	Error     *Message `xml:"error,omitempty"`
	Skipped   *Message `xml:"skipped,omitempty"`
	SystemOut string   `xml:"system-out,omitempty"`
}

// Message is a failure, error or skip: a one-line message and, optionally, the detail.
type Message struct {
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

// Seconds formats a duration in seconds as JUnit's time attributes carry it.
func Seconds(s float64) string { return fmt.Sprintf("%.3f", s) }

// Count sets a suite's counts from its cases.
func (s *Suite) Count() {
	s.Tests, s.Failures, s.Errors, s.Skipped = len(s.Cases), 0, 0, 0
	for _, c := range s.Cases {
		switch {
		case c.Failure != nil:
			s.Failures++
		case c.Error != nil:
			s.Errors++
		case c.Skipped != nil:
			s.Skipped++
		}
	}
}

// New is a document named name holding suites, with its counts summed.
func New(name string, suites ...Suite) *Suites {
	d := &Suites{Name: name}
	d.Add(suites...)
	return d
}

// Add appends suites, replacing any earlier suite of the same name (a re-run replaces its own
// results and keeps the others'), and sums the counts again.
func (d *Suites) Add(suites ...Suite) {
	for _, s := range suites {
		replaced := false
		for i := range d.Suites {
			if d.Suites[i].Name == s.Name {
				d.Suites[i], replaced = s, true
				break
			}
		}
		if !replaced {
			d.Suites = append(d.Suites, s)
		}
	}
	d.Tests, d.Failures, d.Errors, d.Skipped = 0, 0, 0, 0
	var secs float64
	for _, s := range d.Suites {
		d.Tests += s.Tests
		d.Failures += s.Failures
		d.Errors += s.Errors
		d.Skipped += s.Skipped
		var t float64
		if _, err := fmt.Sscanf(s.Time, "%g", &t); err == nil {
			secs += t
		}
	}
	d.Time = Seconds(secs)
}

// Write writes the document with its XML header, indented.
func (d *Suites) Write(w io.Writer) error {
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(d); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// Read reads a document netlab (or any JUnit writer using <testsuites>) wrote.
func Read(r io.Reader) (*Suites, error) {
	var d Suites
	if err := xml.NewDecoder(r).Decode(&d); err != nil {
		return nil, fmt.Errorf("not a JUnit <testsuites> document: %w", err)
	}
	return &d, nil
}
