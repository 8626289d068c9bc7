package helm_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netlab-dev/netlab/provision/helm"
	"github.com/netlab-dev/netlab/provision/helm/helmtest"
)

// fetcher counts its calls and serves one body.
type fetcher struct {
	body  []byte
	err   error
	calls int
}

func (f *fetcher) fetch(_ context.Context, _ string) ([]byte, error) {
	f.calls++
	return f.body, f.err
}

func TestArchiveFetchesOnceThenServesTheCache(t *testing.T) {
	c, data := helmtest.Fixture(t)
	f := &fetcher{body: data}
	s := helm.Source{Cache: t.TempDir(), Fetch: f.fetch}
	for i := 0; i < 2; i++ {
		got, err := s.Archive(context.Background(), c)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(data) {
			t.Fatalf("call %d: the archive differs from the one served", i)
		}
	}
	if f.calls != 1 {
		t.Fatalf("fetched %d times; want once, then the cache", f.calls)
	}
	// Offline, the cache still serves it.
	s.Offline, s.Fetch = true, nil
	if _, err := s.Archive(context.Background(), c); err != nil {
		t.Fatalf("offline with the archive cached: %v", err)
	}
}

func TestArchiveRefusesAnotherDigest(t *testing.T) {
	c, data := helmtest.Fixture(t)
	other := append([]byte{}, data...)
	other[len(other)-1] ^= 0xff
	cache := t.TempDir()
	f := &fetcher{body: other}
	_, err := helm.Source{Cache: cache, Fetch: f.fetch}.Archive(context.Background(), c)
	if err == nil || !strings.Contains(err.Error(), "not the pinned "+c.Digest) {
		t.Fatalf("a fetched archive with another digest: %v; want a refusal naming the pinned digest", err)
	}
	if entries, _ := os.ReadDir(cache); len(entries) != 0 {
		t.Fatalf("a refused archive was cached: %v", entries)
	}
	// The same archive in the user's chart directory: refused, naming the file.
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, c.File()), other, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = helm.Source{Dir: dir, Offline: true}.Archive(context.Background(), c)
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, c.File())) || !strings.Contains(err.Error(), "replace it") {
		t.Fatalf("a wrong archive in --charts: %v; want an error naming the file and the fix", err)
	}
	// A bad pin is refused before anything is read.
	bad := c
	bad.Digest = "sha256:abc"
	if _, err := (helm.Source{Dir: dir}).Archive(context.Background(), bad); err == nil || !strings.Contains(err.Error(), "64 hex digits") {
		t.Fatalf("a malformed digest: %v", err)
	}
}

func TestArchiveFromTheChartDirectory(t *testing.T) {
	c, data := helmtest.Fixture(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, c.File()), data, 0o644); err != nil {
		t.Fatal(err)
	}
	f := &fetcher{err: errors.New("must not be called")}
	got, err := helm.Source{Dir: dir, Offline: true, Fetch: f.fetch}.Archive(context.Background(), c)
	if err != nil || string(got) != string(data) || f.calls != 0 {
		t.Fatalf("from --charts: err %v, same bytes %v, fetches %d", err, string(got) == string(data), f.calls)
	}
}

func TestArchiveOfflineNamesTheWayOut(t *testing.T) {
	c, _ := helmtest.Fixture(t)
	f := &fetcher{err: errors.New("must not be called")}
	_, err := helm.Source{Dir: t.TempDir(), Cache: t.TempDir(), Offline: true, Fetch: f.fetch}.Archive(context.Background(), c)
	if err == nil || f.calls != 0 {
		t.Fatalf("offline without the archive: err %v after %d fetches", err, f.calls)
	}
	for _, want := range []string{"--offline", "--charts DIR", c.File(), c.Digest} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("offline refusal %q does not name %q", err, want)
		}
	}
	// Online, a failed fetch names the URL and the way out too.
	f.err = errors.New("connection refused")
	_, err = helm.Source{Cache: t.TempDir(), Fetch: f.fetch}.Archive(context.Background(), c)
	if err == nil || !strings.Contains(err.Error(), c.URL) || !strings.Contains(err.Error(), "--charts DIR") {
		t.Fatalf("a failed fetch: %v", err)
	}
}
