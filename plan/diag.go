package plan

import (
	"fmt"
	"sort"
	"strings"
)

// Severity of a diagnostic.
type Severity string

const (
	Error   Severity = "error"
	Warning Severity = "warning"
)

// Diagnostic is one problem found in a scenario, located in the file and by field path.
type Diagnostic struct {
	File     string   `json:"file"`
	Line     int      `json:"line"`
	Column   int      `json:"column"`
	Field    string   `json:"field,omitempty"`
	Severity Severity `json:"severity"`
	Message  string   `json:"message"`
}

// String renders the diagnostic as `file:line:col: field: message`, the format editors and CI
// annotations understand. Warnings say so after the field.
func (d Diagnostic) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s:%d:%d: ", d.File, d.Line, d.Column)
	if d.Field != "" {
		b.WriteString(d.Field)
		b.WriteString(": ")
	}
	if d.Severity == Warning {
		b.WriteString("warning: ")
	}
	b.WriteString(d.Message)
	return b.String()
}

// Diagnostics is every problem found in one scenario. As an error it is the errors among them.
type Diagnostics []Diagnostic

// Errors returns only the error-severity diagnostics.
func (ds Diagnostics) Errors() Diagnostics {
	var out Diagnostics
	for _, d := range ds {
		if d.Severity == Error {
			out = append(out, d)
		}
	}
	return out
}

// Warnings returns only the warnings.
func (ds Diagnostics) Warnings() Diagnostics {
	var out Diagnostics
	for _, d := range ds {
		if d.Severity == Warning {
			out = append(out, d)
		}
	}
	return out
}

func (ds Diagnostics) Error() string {
	lines := make([]string, 0, len(ds))
	for _, d := range ds {
		lines = append(lines, d.String())
	}
	return strings.Join(lines, "\n")
}

// sorted orders diagnostics by position, keeping the order of those at the same place.
func (ds Diagnostics) sorted() Diagnostics {
	out := append(Diagnostics(nil), ds...)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Line != out[j].Line {
			return out[i].Line < out[j].Line
		}
		return out[i].Column < out[j].Column
	})
	return out
}

// pos is a place in the file.
type pos struct{ line, col int }

// positions maps field paths (clusters[1].cni.mode) to where their values stand in the file.
type positions map[string]pos

// of returns the position of path, or of its nearest ancestor that the file spells out, so that a
// problem with a defaulted field points at the object that omits it.
func (p positions) of(path string) pos {
	for {
		if at, ok := p[path]; ok {
			return at
		}
		if path == "" {
			return pos{1, 1}
		}
		path = parentPath(path)
	}
}

// parentPath strips the last element of a field path: a.b[2].c → a.b[2] → a.b → a → "".
func parentPath(path string) string {
	if strings.HasSuffix(path, "]") {
		if i := strings.LastIndex(path, "["); i >= 0 {
			return path[:i]
		}
	}
	if i := strings.LastIndexAny(path, ".["); i >= 0 {
		return path[:i]
	}
	return ""
}

// reporter collects diagnostics for one file.
type reporter struct {
	file  string
	pos   positions
	diags Diagnostics
}

func (r *reporter) add(sev Severity, field, format string, args ...any) {
	at := r.pos.of(field)
	r.diags = append(r.diags, Diagnostic{File: r.file, Line: at.line, Column: at.col, Field: field, Severity: sev, Message: fmt.Sprintf(format, args...)})
}

func (r *reporter) errorf(field, format string, args ...any) { r.add(Error, field, format, args...) }
func (r *reporter) warnf(field, format string, args ...any)  { r.add(Warning, field, format, args...) }

func (r *reporter) errorCount() int { return len(r.diags.Errors()) }
