// Package golden compares test output with golden files, and rewrites them when the test runs
// with -update.
package golden

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// Check compares got with the file at path (relative to the test's package directory). With
// -update it writes got to path instead, creating the directory. A missing or differing file fails
// the test with the file's name, the first line that differs, and the command that rewrites it.
func Check(tb testing.TB, path string, got []byte) {
	tb.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			tb.Fatalf("golden: %v", err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			tb.Fatalf("golden: %v", err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("golden file %s: %v (create it with: %s)", path, err, rewrite())
		return
	}
	if !bytes.Equal(got, want) {
		tb.Errorf("%s differs from the fresh output at %s\n(if the change is meant, review it and rewrite with: %s)", path, firstDiff(want, got), rewrite())
	}
}

// firstDiff describes the first line where want and got differ, or "" when they are equal.
func firstDiff(want, got []byte) string {
	w, g := strings.Split(string(want), "\n"), strings.Split(string(got), "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		a, b := "<end of file>", "<end of file>"
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			return "line " + strconv.Itoa(i+1) + ":\n  want: " + a + "\n  got:  " + b
		}
	}
	return ""
}

// rewrite is the command that rewrites the golden files of the package under test: go test runs a
// test in its package's directory, so the package is that directory relative to the module root.
func rewrite() string {
	const generic = "go test <package> -update"
	dir, err := os.Getwd()
	if err != nil {
		return generic
	}
	for root := dir; ; {
		if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
			rel, err := filepath.Rel(root, dir)
			if err != nil {
				return generic
			}
			if rel == "." {
				return "go test . -update"
			}
			return "go test ./" + filepath.ToSlash(rel) + " -update"
		}
		parent := filepath.Dir(root)
		if parent == root {
			return generic
		}
		root = parent
	}
}
