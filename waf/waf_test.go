package waf

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// backend counts the requests that reach it and echoes the hop header it got.
func backend(t *testing.T) (*httptest.Server, *atomic.Int64) {
	var n atomic.Int64
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		_, _ = io.WriteString(w, "hops="+r.Header.Get(HopHeader)+" host="+r.Host)
	}))
	t.Cleanup(s.Close)
	return s, &n
}

func get(t *testing.T, base, pathQuery string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+pathQuery, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = "web.main.netlab.test"
	req.Header.Set("User-Agent", "netlab-probe") // CRS scores requests without one
	req.Header.Set("Accept", "*/*")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

var (
	sqli = "/search?q=" + url.QueryEscape("1' OR '1'='1' UNION SELECT username, password FROM users--")
	xss  = "/search?q=" + url.QueryEscape("<script>alert(document.cookie)</script>")
)

// With the Core Rule Set on, an SQL injection and an XSS are refused at the WAF and never reach
// the backend; a clean request passes, with this hop in the hop header and the Host kept.
func TestRulesOn(t *testing.T) {
	be, reached := backend(t)
	h, c, err := New(be.URL, "waf", true)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	for name, pq := range map[string]string{"sqli": sqli, "xss": xss} {
		code, _ := get(t, srv.URL, pq)
		if code != http.StatusForbidden {
			t.Errorf("%s: HTTP %d, want 403", name, code)
		}
	}
	if reached.Load() != 0 {
		t.Fatalf("%d attacks reached the backend", reached.Load())
	}
	code, body := get(t, srv.URL, "/search?q=netlab")
	if code != http.StatusOK || reached.Load() != 1 || !strings.Contains(body, "hops=waf@127.0.0.1") || !strings.Contains(body, "host=web.main.netlab.test") {
		t.Fatalf("clean: HTTP %d %q, backend reached %d times", code, body, reached.Load())
	}
	if c.Seen.Load() != 3 || c.Passed.Load() != 1 || c.Blocked() != 2 {
		t.Fatalf("counters seen %d passed %d blocked %d", c.Seen.Load(), c.Passed.Load(), c.Blocked())
	}
}

// With the engine off (the negative control) the same attacks reach the backend.
func TestRulesOff(t *testing.T) {
	be, reached := backend(t)
	h, c, err := New(be.URL, "waf", false)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	for _, pq := range []string{sqli, xss} {
		if code, _ := get(t, srv.URL, pq); code != http.StatusOK {
			t.Errorf("%s: HTTP %d, want 200 from the backend", pq, code)
		}
	}
	if reached.Load() != 2 || c.Blocked() != 0 {
		t.Fatalf("backend reached %d times, blocked %d", reached.Load(), c.Blocked())
	}
}

func TestNewRefusesAnUpstreamThatIsNotHTTP(t *testing.T) {
	for _, u := range []string{"", "https://10.0.0.1", "10.0.0.1:80", "http://"} {
		if _, _, err := New(u, "waf", true); err == nil {
			t.Errorf("%q accepted", u)
		}
	}
}

func TestAppendHop(t *testing.T) {
	h := http.Header{}
	AppendHop(h, "waf", "10.0.1.5:40000")
	AppendHop(h, "dmz-lb", "10.0.1.250:1234")
	if got := h.Get(HopHeader); got != "waf@10.0.1.5,dmz-lb@10.0.1.250" {
		t.Fatalf("%q", got)
	}
}

// netlab's image is FROM scratch: no /tmp, which Coraza wants to write to. New makes it.
func TestNewWithoutTempDir(t *testing.T) {
	tmp := filepath.Join(t.TempDir(), "missing", "tmp")
	t.Setenv("TMPDIR", tmp)
	if _, _, err := New("http://127.0.0.1:1", "waf", true); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(tmp); err != nil || !fi.IsDir() {
		t.Fatalf("the temporary directory: %v", err)
	}
}
