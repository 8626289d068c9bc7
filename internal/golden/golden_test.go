package golden

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFirstDiff(t *testing.T) {
	if d := firstDiff([]byte("a\nb\n"), []byte("a\nb\n")); d != "" {
		t.Errorf("equal input: %q", d)
	}
	if d := firstDiff([]byte("a\nb\nc\n"), []byte("a\nx\nc\n")); d != "line 2:\n  want: b\n  got:  x" {
		t.Errorf("changed line: %q", d)
	}
	if d := firstDiff([]byte("a\n"), []byte("a\nb\n")); d != "line 2:\n  want: \n  got:  b" {
		t.Errorf("added line: %q", d)
	}
	if d := firstDiff([]byte("a"), []byte("a\nb")); !strings.Contains(d, "want: <end of file>") {
		t.Errorf("longer output: %q", d)
	}
}

func TestRewriteNamesThisPackage(t *testing.T) {
	if got := rewrite(); got != "go test ./internal/golden -update" {
		t.Errorf("rewrite() = %q", got)
	}
}

// recorder keeps the failures Check reports instead of failing the test.
type recorder struct {
	testing.TB
	failed []string
}

func (r *recorder) Helper()                           {}
func (r *recorder) Errorf(format string, args ...any) { r.failed = append(r.failed, format) }
func (r *recorder) Fatalf(format string, args ...any) { r.failed = append(r.failed, format) }

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "x.golden")

	*update = true
	r := &recorder{TB: t}
	Check(r, path, []byte("one\n"))
	*update = false
	if b, err := os.ReadFile(path); err != nil || string(b) != "one\n" {
		t.Fatalf("-update wrote %q, %v", b, err)
	}

	Check(r, path, []byte("one\n"))
	if len(r.failed) != 0 {
		t.Errorf("equal output failed: %v", r.failed)
	}
	Check(r, path, []byte("two\n"))
	if len(r.failed) != 1 {
		t.Errorf("differing output: %d failures", len(r.failed))
	}
	Check(r, filepath.Join(dir, "missing"), nil)
	if len(r.failed) != 2 {
		t.Errorf("missing file: %d failures", len(r.failed))
	}
}
