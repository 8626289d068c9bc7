package probe

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The HTTP echo answers as a stream of Server-Sent Events when the client accepts
// text/event-stream (an inference service streaming tokens is the model): Of events "chunk", each
// a Report with its Seq, Interval apart, then one event "done". The query may set chunks and
// intervalMs, within the bounds below, so that one request never holds the server for long.
const (
	StreamAccept          = "text/event-stream"
	DefaultStreamChunks   = 5
	DefaultStreamInterval = 200 * time.Millisecond
	maxStreamChunks       = 20
	maxStreamInterval     = time.Second
	maxStreamTotal        = 5 * time.Second
)

// wantsStream says whether r asks for a streamed answer.
func wantsStream(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), StreamAccept)
}

// streamParams reads chunks and intervalMs from the query, bounded: at most maxStreamChunks
// chunks, maxStreamInterval apart, maxStreamTotal in all.
func streamParams(r *http.Request) (int, time.Duration, error) {
	n, iv := DefaultStreamChunks, DefaultStreamInterval
	q := r.URL.Query()
	if v := q.Get("chunks"); v != "" {
		c, err := strconv.Atoi(v)
		if err != nil || c < 1 || c > maxStreamChunks {
			return 0, 0, fmt.Errorf("chunks=%q: want 1 to %d", v, maxStreamChunks)
		}
		n = c
	}
	if v := q.Get("intervalMs"); v != "" {
		ms, err := strconv.Atoi(v)
		if err != nil || ms < 0 || time.Duration(ms)*time.Millisecond > maxStreamInterval {
			return 0, 0, fmt.Errorf("intervalMs=%q: want 0 to %d", v, maxStreamInterval.Milliseconds())
		}
		iv = time.Duration(ms) * time.Millisecond
	}
	if time.Duration(n-1)*iv > maxStreamTotal {
		return 0, 0, fmt.Errorf("%d chunks %s apart take longer than %s", n, iv, maxStreamTotal)
	}
	return n, iv, nil
}

// serveStream writes rep as a stream of events, each flushed as it is written.
func serveStream(w http.ResponseWriter, r *http.Request, rep Report) {
	n, iv, err := streamParams(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	fl, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "this connection cannot stream", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", StreamAccept)
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	t := time.NewTicker(max(iv, time.Millisecond))
	defer t.Stop()
	for i := 1; i <= n; i++ {
		if i > 1 {
			select {
			case <-r.Context().Done():
				return
			case <-t.C:
			}
		}
		rep.Seq, rep.Of = i, n
		b, _ := json.Marshal(rep)
		if _, err := fmt.Fprintf(w, "event: chunk\ndata: %s\n\n", b); err != nil {
			return
		}
		fl.Flush()
	}
	_, _ = io.WriteString(w, "event: done\ndata: {}\n\n")
	fl.Flush()
}

// readStream reads a stream of events from body: every "chunk" event's Report, the offset of its
// arrival after sent, and whether "done" came. It stops at "done", at the end of the body, or after
// maxStreamChunks+1 events.
func readStream(body io.Reader, sent time.Time) (*StreamSeen, *Report, error) {
	seen := &StreamSeen{AtMillis: []float64{}}
	var last *Report
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	event, data := "", ""
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "event:"):
			event = strings.TrimSpace(strings.TrimPrefix(line, "event:"))
		case strings.HasPrefix(line, "data:"):
			data = strings.TrimSpace(strings.TrimPrefix(line, "data:"))
		case line == "":
			switch event {
			case "chunk":
				var rep Report
				if err := json.Unmarshal([]byte(data), &rep); err != nil || rep.Proto == "" {
					return seen, last, fmt.Errorf("chunk %d is not a probe report: %q", seen.Chunks+1, data)
				}
				seen.Chunks++
				seen.Of = rep.Of
				seen.AtMillis = append(seen.AtMillis, ms(time.Since(sent)))
				last = &rep
			case "done":
				seen.Completed = true
				return seen, last, nil
			}
			if seen.Chunks > maxStreamChunks {
				return seen, last, errors.New("more chunks than a probe server sends")
			}
			event, data = "", ""
		}
	}
	if err := sc.Err(); err != nil {
		return seen, last, err
	}
	return seen, last, errors.New("the stream ended before its closing event")
}
