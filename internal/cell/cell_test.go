package cell

import "testing"

func TestDash(t *testing.T) {
	for in, want := range map[string]string{"": "-", "x": "x", " ": " ", "-": "-"} {
		if got := Dash(in); got != want {
			t.Errorf("Dash(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMarkdown(t *testing.T) {
	for in, want := range map[string]string{
		"plain":         "plain",
		"a|b":           `a\|b`,
		"two\nlines":    "two lines",
		"|\n|":          `\| \|`,
		"":              "",
		`already \| ok`: `already \\| ok`,
	} {
		if got := Markdown(in); got != want {
			t.Errorf("Markdown(%q) = %q, want %q", in, got, want)
		}
	}
}
