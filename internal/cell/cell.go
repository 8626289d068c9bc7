// Package cell formats the cells of netlab's tables: the terminal tables of plan, status, check
// and conformance, and their Markdown reports.
package cell

import "strings"

// Dash returns s, or "-" for an empty cell, so that a column never reads as missing.
func Dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// markdown escapes what would end a Markdown table cell or row.
var markdown = strings.NewReplacer("|", `\|`, "\n", " ")

// Markdown makes s safe inside one Markdown table cell: a pipe is escaped, a newline becomes a
// space.
func Markdown(s string) string { return markdown.Replace(s) }
