package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/netlab-dev/netlab/internal/junit"
)

// writeJUnitFile writes suites into the JUnit file at path for --junit. When the file already
// holds a JUnit document (another netlab check or conformance run's), the suites join it, each
// replacing an earlier suite of the same name, so that one file carries the path checks and the
// upstream specs side by side. A file that is there but is not JUnit is left alone and refused.
func writeJUnitFile(path string, suites ...junit.Suite) error {
	doc := junit.New("netlab")
	old, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return failf(exitUsage, "--junit %s: %v", path, err)
	case len(bytes.TrimSpace(old)) > 0:
		if doc, err = junit.Read(bytes.NewReader(old)); err != nil {
			return failf(exitUsage, "--junit %s: the file is there and %v; name another file, or remove it", path, err)
		}
	}
	doc.Add(suites...)
	var b bytes.Buffer
	if err := doc.Write(&b); err != nil {
		return failf(exitFailed, "--junit %s: %v", path, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return failf(exitUsage, "--junit %s: %v", path, err)
	}
	_, werr := tmp.Write(b.Bytes())
	if cerr := tmp.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp.Name(), path)
	}
	if werr != nil {
		_ = os.Remove(tmp.Name()) // best effort; the write error is the one to report
		return failf(exitFailed, "--junit %s: %s", path, fmt.Sprint(werr))
	}
	return nil
}
