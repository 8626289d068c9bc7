package status

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// spinner redraws " ⠋ title ..." on a terminal until stopped. It shares the Status's mutex so its
// frames never interleave with other lines.
type spinner struct {
	out   io.Writer
	title string
	mu    *sync.Mutex
	frame int
	done  chan struct{}
	wg    sync.WaitGroup
}

var frames = []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}

// startSpinner draws the first frame (the caller holds mu) and starts the redraw loop.
func startSpinner(out io.Writer, title string, mu *sync.Mutex) *spinner {
	sp := &spinner{out: out, title: title, mu: mu, done: make(chan struct{})}
	sp.redraw()
	sp.wg.Add(1)
	go func() {
		defer sp.wg.Done()
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-sp.done:
				return
			case <-t.C:
				sp.mu.Lock()
				select {
				case <-sp.done:
				default:
					sp.frame++
					sp.redraw()
				}
				sp.mu.Unlock()
			}
		}
	}()
	return sp
}

func (sp *spinner) redraw() {
	fmt.Fprintf(sp.out, "\r %s %s ...", frames[sp.frame%len(frames)], sp.title)
}

func (sp *spinner) clear() { fmt.Fprint(sp.out, "\r\x1b[2K") }

// stop ends the loop and clears the line; the caller holds mu, so the loop cannot be waited for
// here (it may be blocked on mu): it exits at its next tick, seeing done closed.
func (sp *spinner) stop() {
	close(sp.done)
	sp.clear()
}
