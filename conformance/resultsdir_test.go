package conformance

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestWriteTarballWaitsForDone(t *testing.T) {
	dir := t.TempDir()
	tb := tarballOf(t, map[string][]byte{"junit_01.xml": []byte("<testsuites/>"), "e2e.log": []byte("log"), "sub/x": []byte("x")})
	if err := os.WriteFile(filepath.Join(dir, TarballFile), tb, 0o644); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteTarball(dir, &b); !errors.Is(err, ErrNotDone) || b.Len() != 0 {
		t.Fatalf("before done: %v, %d bytes", err, b.Len())
	}
	// go-runner writes the tarball's path into the done file.
	if err := os.WriteFile(filepath.Join(dir, DoneFile), []byte(filepath.Join(dir, TarballFile)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteTarball(dir, &b); err != nil {
		t.Fatal(err)
	}
	files, err := ReadTarball(&b, 1<<20, JUnitFile, LogFile)
	if err != nil {
		t.Fatal(err)
	}
	if string(files[JUnitFile]) != "<testsuites/>" || string(files[LogFile]) != "log" || len(files) != 2 {
		t.Errorf("%q", files)
	}
}

// The done file cannot point the results container at a file outside its directory.
func TestWriteTarballStaysInItsDirectory(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, TarballFile), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, DoneFile), []byte("/etc/passwd"), 0o644); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteTarball(dir, &b); err != nil || b.String() != "mine" {
		t.Fatalf("%v %q", err, b.String())
	}
}

func TestHoldEndsWithItsContextOrBound(t *testing.T) {
	start := time.Now()
	if err := Hold(context.Background(), 50*time.Millisecond); err != nil || time.Since(start) > 5*time.Second {
		t.Fatalf("bound: %v after %s", err, time.Since(start))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start = time.Now()
	if err := Hold(ctx, time.Hour); err != nil || time.Since(start) > 5*time.Second {
		t.Fatalf("cancelled: %v after %s", err, time.Since(start))
	}
}
