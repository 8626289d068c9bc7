package conformance

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"
)

// What go-runner leaves in the results directory: the tarball of everything the suite wrote,
// and, last, the "done" file that names it.
const (
	DoneFile    = "done"
	TarballFile = "e2e.tar.gz"
	// JUnitFile and LogFile are the suite's report and output inside the tarball.
	JUnitFile = "junit_01.xml"
	LogFile   = "e2e.log"
)

// ErrNotDone: the suite has not finished (no done file yet).
var ErrNotDone = errors.New("the suite has not finished: no " + DoneFile + " file yet")

// Hold is the results container's main: it keeps the container (and the results directory it
// shares with the runner) alive until netlab has read the results and deletes the Job, or until
// max passes, whichever is first.
func Hold(ctx context.Context, max time.Duration) error {
	t := time.NewTimer(max)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
	return nil
}

// WriteTarball writes the results tarball of dir to w, once the done file says the suite has
// finished; before that it returns ErrNotDone and writes nothing.
func WriteTarball(dir string, w io.Writer) error {
	done, err := os.ReadFile(filepath.Join(dir, DoneFile))
	if errors.Is(err, os.ErrNotExist) {
		return ErrNotDone
	}
	if err != nil {
		return err
	}
	name := filepath.Join(dir, TarballFile)
	if p := strings.TrimSpace(string(done)); p != "" && filepath.Dir(filepath.Clean(p)) == filepath.Clean(dir) {
		name = p
	}
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(w, f)
	return err
}

// ReadTarball returns the files named want from a results tarball, by base name, each read up to
// limit bytes. Missing files are simply absent from the map.
func ReadTarball(r io.Reader, limit int64, want ...string) (map[string][]byte, error) {
	gz, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("results tarball: %w", err)
	}
	defer gz.Close()
	tr := tar.NewReader(gz)
	out := map[string][]byte{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("results tarball: %w", err)
		}
		base := path.Base(h.Name)
		for _, w := range want {
			if base == w && h.Typeflag == tar.TypeReg {
				b, err := io.ReadAll(io.LimitReader(tr, limit))
				if err != nil {
					return nil, fmt.Errorf("results tarball: %s: %w", h.Name, err)
				}
				out[w] = b
			}
		}
	}
}
