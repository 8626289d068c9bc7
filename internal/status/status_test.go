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
