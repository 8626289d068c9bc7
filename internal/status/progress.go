package status

import (
	"fmt"
	"time"
)

// Progress shows how many bytes of a long copy (an image bundle written or read) have gone by.
// On a terminal it is one line, redrawn at most ten times a second; elsewhere (CI logs, pipes) it
// prints a line at each quarter of the total, or every 256 MB when the total is unknown, so a log
// gets a handful of lines, not thousands. Done prints the final count. It is an io.Writer that
// counts what is written to it, for io.TeeReader or io.MultiWriter.
type Progress struct {
	s     *Status
	title string
	total int64
	n     int64
	next  int64 // the count at which the next line is printed (not a terminal)
	drawn time.Time
}

// progressStep is the bytes between two lines when the total is unknown (not a terminal).
const progressStep = 256 << 20

// Progress starts showing the bytes of title; total is the expected count, or 0 when unknown (it
// is shown with "~" since it is an estimate).
func (s *Status) Progress(title string, total int64) *Progress {
	p := &Progress{s: s, title: title, total: total}
	p.next = p.step()
	return p
}

func (p *Progress) step() int64 {
	if p.total > 0 {
		return max(p.total/4, 1)
	}
	return progressStep
}

// Write counts len(b) bytes.
func (p *Progress) Write(b []byte) (int, error) {
	p.Add(int64(len(b)))
	return len(b), nil
}

// Add counts n more bytes.
func (p *Progress) Add(n int64) {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	p.n += n
	if p.s.tty {
		if now := p.s.now(); now.Sub(p.drawn) >= 100*time.Millisecond {
			p.drawn = now
			fmt.Fprintf(p.s.out, "\r\x1b[2K   %s", p.text())
		}
		return
	}
	if p.n >= p.next {
		fmt.Fprintf(p.s.out, "   %s\n", p.text())
		for p.next <= p.n {
			p.next += p.step()
		}
	}
}

// Done prints the final count on its own line.
func (p *Progress) Done() {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	if p.s.tty {
		fmt.Fprint(p.s.out, "\r\x1b[2K")
	}
	fmt.Fprintf(p.s.out, "   %s: %s\n", p.title, Bytes(p.n))
}

// N is the bytes counted so far.
func (p *Progress) N() int64 {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	return p.n
}

func (p *Progress) text() string {
	if p.total <= 0 {
		return fmt.Sprintf("%s: %s", p.title, Bytes(p.n))
	}
	return fmt.Sprintf("%s: %s of ~%s (%d%%)", p.title, Bytes(p.n), Bytes(p.total), min(100, p.n*100/p.total))
}

// Bytes writes a byte count in decimal units, as Docker does: "512 B", "1.4 MB", "2.05 GB".
func Bytes(n int64) string {
	switch {
	case n < 1000:
		return fmt.Sprintf("%d B", n)
	case n < 1000*1000:
		return fmt.Sprintf("%.1f kB", float64(n)/1e3)
	case n < 1000*1000*1000:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	default:
		return fmt.Sprintf("%.2f GB", float64(n)/1e9)
	}
}
