package status

import (
	"bytes"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

func fixed(s *Status) *Status {
	t := time.Unix(0, 0)
	s.now = func() time.Time { t = t.Add(1500 * time.Millisecond); return t }
	return s
}

func TestStepLinesAndVerbosity(t *testing.T) {
	var b bytes.Buffer
	s := fixed(New(&b, 0, false))
	_ = s.Step("Creating networks", func() error {
		s.Printf("   network a created")
		s.V(1).Printf("   detail hidden at 0")
		return nil
	})
	err := s.Step("Installing the CNI", func() error { return errors.New("boom") })
	if err == nil || err.Error() != "boom" {
		t.Fatalf("Step returned %v", err)
	}
	want := " • Creating networks ...\n   network a created\n ✓ Creating networks (1.5s)\n • Installing the CNI ...\n ✗ Installing the CNI (1.5s)\n"
	if b.String() != want {
		t.Fatalf("got\n%q\nwant\n%q", b.String(), want)
	}
}

func TestDetailShownAtItsLevel(t *testing.T) {
	var b bytes.Buffer
	s := New(&b, 1, false)
	s.V(1).Printf("one")
	s.V(2).Printf("two")
	_, _ = s.Writer(1).Write([]byte("w1\nw2\n\n"))
	_, _ = s.Writer(2).Write([]byte("hidden\n"))
	if got := b.String(); got != "one\nw1\nw2\n" {
		t.Fatalf("got %q", got)
	}
}

func TestStartEndsARunningStep(t *testing.T) {
	var b bytes.Buffer
	s := fixed(New(&b, 0, false))
	s.Start("a")
	s.Start("b")
	s.End(false)
	s.End(true) // no step running: nothing
	if got := b.String(); got != " • a ...\n ✓ a (1.5s)\n • b ...\n ✗ b (1.5s)\n" {
		t.Fatalf("got %q", got)
	}
}

func TestSpinnerOnATerminalClearsBeforeLines(t *testing.T) {
	var b syncBuf
	s := New(&b, 0, true)
	s.Start("waiting")
	time.Sleep(250 * time.Millisecond)
	s.Printf("line")
	s.End(true)
	out := b.String()
	if !strings.Contains(out, "\r ⠋ waiting ...") || !strings.Contains(out, "\r\x1b[2Kline\n") || !strings.HasSuffix(out, " ✓ waiting (0.3s)\n") && !strings.Contains(out, " ✓ waiting (") {
		t.Fatalf("got %q", out)
	}
}

func TestConcurrentLinesAreWhole(t *testing.T) {
	var b bytes.Buffer
	s := New(&b, 0, false)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 50; j++ {
				s.Printf("cluster-%d line %d", i, j)
			}
		}()
	}
	wg.Wait()
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 400 {
		t.Fatalf("%d lines", len(lines))
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "cluster-") {
			t.Fatalf("torn line %q", l)
		}
	}
}

func TestNilIsDiscard(t *testing.T) {
	Or(nil).Printf("nothing")
	Or(nil).Start("x")
	Or(nil).End(true)
}

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// Off a terminal, progress prints a line at each quarter of the total and one at the end, with
// the counts in decimal units; a write counts its length.
func TestProgressLinesAtQuarters(t *testing.T) {
	var out bytes.Buffer
	s := New(&out, 0, false)
	p := s.Progress("saving", 4_000_000)
	for range 8 {
		if n, err := p.Write(make([]byte, 500_000)); n != 500_000 || err != nil {
			t.Fatalf("Write = %d, %v", n, err)
		}
	}
	p.Add(1_000)
	p.Done()
	want := "   saving: 1.0 MB of ~4.0 MB (25%)\n   saving: 2.0 MB of ~4.0 MB (50%)\n   saving: 3.0 MB of ~4.0 MB (75%)\n   saving: 4.0 MB of ~4.0 MB (100%)\n   saving: 4.0 MB\n"
	if got := out.String(); got != want {
		t.Fatalf("lines:\n%s\nwant:\n%s", got, want)
	}
	if p.N() != 4_001_000 {
		t.Fatalf("N = %d", p.N())
	}
}

// On a terminal, progress redraws one line (at most ten times a second) and ends it with the total.
func TestProgressOnATerminalRedrawsOneLine(t *testing.T) {
	var out bytes.Buffer
	s := New(&out, 0, true)
	now := time.Unix(0, 0)
	s.now = func() time.Time { return now }
	p := s.Progress("loading", 0)
	p.Add(2_500)
	p.Add(1) // within 100 ms: not drawn
	now = now.Add(time.Second)
	p.Add(1)
	p.Done()
	want := "\r\x1b[2K   loading: 2.5 kB\r\x1b[2K   loading: 2.5 kB\r\x1b[2K   loading: 2.5 kB\n"
	if got := out.String(); got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestBytes(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 999: "999 B", 1_400: "1.4 kB", 1_430_000: "1.4 MB", 2_050_000_000: "2.05 GB"} {
		if got := Bytes(n); got != want {
			t.Errorf("Bytes(%d) = %q, want %q", n, got, want)
		}
	}
}
