package probe

import (
	"bufio"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"slices"
	"strconv"
	"time"
)

// BulkOptions bound a bulk stream: it stops at whichever of Omit+Duration and Bytes comes first.
type BulkOptions struct {
	Duration  time.Duration // default 3s; at most 5m
	Bytes     int64         // default 4 GiB
	WriteSize int           // bytes per write; default 128 KiB
	// Congestion is the sender's TCP congestion control (cubic, bbr, ...); empty keeps the
	// system's default. The result reports the algorithm used either way.
	Congestion string
	// Omit leaves the stream's first Omit out of the rate, as iperf3's -O does: the stream then
	// lasts Omit+Duration and Gbps covers the last Duration. At most 1m; 0 omits nothing.
	Omit time.Duration
}

// BulkResult is one bulk stream, measured at both ends.
type BulkResult struct {
	Target string `json:"target"`
	Addr   string `json:"addr"`
	Source string `json:"source"`
	// Gbps is iperf3's receiver figure: the bytes the server received over the sender's duration
	// (first write to the end of the stream). Server.Gbps is the server's own view (first byte
	// received to end of stream), which leaves out a slow start of the receiver. With
	// BulkOptions.Omit both leave out the stream's start: Gbps is the bytes the server received
	// after its first byte plus Omit over the sender's duration less Omit.
	Gbps          float64 `json:"gbps"`
	SenderGbps    float64 `json:"senderGbps"`
	BytesSent     int64   `json:"bytesSent"`
	SenderSeconds float64 `json:"senderSeconds"`         // the whole stream, the omitted start included
	OmitSeconds   float64 `json:"omitSeconds,omitempty"` // the start left out of gbps and senderGbps
	Stopped       string  `json:"stopped"`               // duration or bytes: which bound ended the stream
	Congestion    string  `json:"congestion"`            // the sender's TCP congestion control
	// Retransmits and RetransmitBytes are the sender's TCP retransmissions over the whole stream
	// (iperf3's "Retr"): bytes that crossed the path twice but count once at the server.
	Retransmits     int64       `json:"retransmits"`
	RetransmitBytes int64       `json:"retransmitBytes"`
	Server          *BulkReport `json:"server,omitempty"`
	Error           string      `json:"error,omitempty"`
}

// Bulk streams to a probe server's TCP port until a bound is reached and returns both ends' figures.
func (c *Client) Bulk(ctx context.Context, target string, o BulkOptions) (BulkResult, error) {
	res := BulkResult{Target: target}
	fail := func(err error) (BulkResult, error) { res.Error = err.Error(); return res, err }
	if o.Duration <= 0 {
		o.Duration = 3 * time.Second
	}
	if o.Duration > 5*time.Minute {
		return fail(fmt.Errorf("bulk duration %v is above the 5m bound", o.Duration))
	}
	if o.Bytes <= 0 {
		o.Bytes = 4 << 30
	}
	if o.WriteSize <= 0 {
		o.WriteSize = 128 << 10
	}
	if o.Omit < 0 || o.Omit > maxBulkOmit {
		return fail(fmt.Errorf("bulk omit %v is outside 0 to %v", o.Omit, maxBulkOmit))
	}
	// Whole call: the stream, plus time to connect and to collect the server's account.
	ctx, cancel := context.WithTimeout(ctx, o.Omit+o.Duration+c.timeout()+5*time.Second)
	defer cancel()
	dctx, dcancel := context.WithTimeout(ctx, c.timeout())
	conn, ap, err := c.dialTCP(dctx, target)
	dcancel()
	res.Addr = ap.String()
	if err != nil {
		return fail(err)
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Now()) })
	defer stop()
	res.Source = conn.LocalAddr().String()
	if res.Congestion, err = setCongestion(conn, o.Congestion); err != nil {
		return fail(err)
	}
	line := cmdBulk
	if o.Omit > 0 {
		line += " omit=" + o.Omit.String()
	}
	if _, err := io.WriteString(conn, line+"\n"); err != nil {
		return fail(err)
	}
	// Random bytes, as iperf3 sends (measured: no difference on veth, but nothing to explain).
	buf := make([]byte, o.WriteSize)
	rand.Read(buf)
	start := time.Now()
	end := start.Add(o.Omit + o.Duration)
	conn.SetWriteDeadline(end.Add(time.Second)) // a write stuck at the end cannot overrun by much
	res.Stopped = "duration"
	omitEnd, omitting := start.Add(o.Omit), o.Omit > 0
	var sentAtOmit int64
	for now := time.Now(); now.Before(end); now = time.Now() {
		if omitting && !now.Before(omitEnd) {
			omitting, sentAtOmit = false, res.BytesSent
		}
		chunk := buf
		if rest := o.Bytes - res.BytesSent; rest < int64(len(chunk)) {
			chunk = chunk[:rest]
		}
		n, err := conn.Write(chunk)
		res.BytesSent += int64(n)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() && ctx.Err() == nil {
				break // the stream's own end
			}
			return fail(fmt.Errorf("bulk write after %d bytes: %w", res.BytesSent, err))
		}
		if res.BytesSent >= o.Bytes {
			res.Stopped = "bytes"
			break
		}
	}
	res.SenderSeconds = time.Since(start).Seconds()
	if res.SenderSeconds > 0 && (o.Omit == 0 || omitting) { // omitting: the stream ended within Omit
		res.SenderGbps = float64(res.BytesSent) * 8 / res.SenderSeconds / 1e9
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.CloseWrite() // a half-close that fails leaves the server to time out: the result says so
	}
	conn.SetDeadline(time.Now().Add(c.timeout()))
	var srv BulkReport
	if err := readJSONLine(bufio.NewReader(conn), &srv); err != nil {
		return fail(fmt.Errorf("reading the server's bulk account: %w", err))
	}
	res.Server = &srv
	// Read after the server's account: by then it has every byte, so no retransmission is to come.
	if res.Retransmits, res.RetransmitBytes, err = retransmitted(conn); err != nil {
		return fail(err)
	}
	if srv.OmitSeconds == 0 {
		if res.SenderSeconds > 0 {
			res.Gbps = float64(srv.Bytes) * 8 / res.SenderSeconds / 1e9
		}
		return res, nil
	}
	// The omitted start: the server's count up to its first byte plus Omit, and the sender's
	// clock less the same Omit (the two starts are one round trip apart).
	res.OmitSeconds = o.Omit.Seconds()
	if secs := res.SenderSeconds - res.OmitSeconds; secs > 0 {
		res.Gbps = float64(srv.Bytes-srv.OmitBytes) * 8 / secs / 1e9
		if !omitting {
			res.SenderGbps = float64(res.BytesSent-sentAtOmit) * 8 / secs / 1e9
		}
	}
	return res, nil
}

// RROptions bound a request/response test: it stops after Count round trips or Duration.
type RROptions struct {
	Count    int           // default 1000; at most 10,000,000
	Duration time.Duration // default 3s; at most 5m
	Size     int           // request and response size in bytes; default 1
}

// LatencyStats summarise round-trip times, in microseconds.
type LatencyStats struct {
	Count  int     `json:"count"`
	MinUs  float64 `json:"minUs"`
	P50Us  float64 `json:"p50Us"`
	P90Us  float64 `json:"p90Us"`
	P99Us  float64 `json:"p99Us"`
	MaxUs  float64 `json:"maxUs"`
	MeanUs float64 `json:"meanUs"`
}

// RRResult is one request/response test.
type RRResult struct {
	Target  string `json:"target"`
	Addr    string `json:"addr"`
	Source  string `json:"source"`
	Size    int    `json:"size"`
	Stopped string `json:"stopped"` // count or duration
	LatencyStats
	TransactionsPerSec float64 `json:"transactionsPerSec"`
	Server             *Report `json:"server,omitempty"`
	Error              string  `json:"error,omitempty"`
}

// RR runs request/response round trips of Size bytes each way over one TCP connection.
func (c *Client) RR(ctx context.Context, target string, o RROptions) (RRResult, error) {
	if o.Count <= 0 {
		o.Count = 1000
	}
	if o.Duration <= 0 {
		o.Duration = 3 * time.Second
	}
	if o.Size <= 0 {
		o.Size = 1
	}
	res := RRResult{Target: target, Size: o.Size}
	fail := func(err error) (RRResult, error) { res.Error = err.Error(); return res, err }
	if o.Count > 10_000_000 || o.Duration > 5*time.Minute || o.Size > 1<<20 {
		return fail(fmt.Errorf("rr bounds out of range (count ≤ 10000000, duration ≤ 5m, size ≤ 1 MiB)"))
	}
	ctx, cancel := context.WithTimeout(ctx, o.Duration+2*c.timeout())
	defer cancel()
	dctx, dcancel := context.WithTimeout(ctx, c.timeout())
	conn, ap, err := c.dialTCP(dctx, target)
	dcancel()
	res.Addr = ap.String()
	if err != nil {
		return fail(err)
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Now()) })
	defer stop()
	res.Source = conn.LocalAddr().String()
	conn.SetDeadline(time.Now().Add(c.timeout()))
	if _, err := io.WriteString(conn, cmdRR+" "+strconv.Itoa(o.Size)+"\n"); err != nil {
		return fail(err)
	}
	br := bufio.NewReader(conn)
	var rep Report
	if err := readJSONLine(br, &rep); err != nil {
		return fail(fmt.Errorf("reading the server's report: %w", err))
	}
	res.Server = &rep
	req := make([]byte, o.Size)
	resp := make([]byte, o.Size)
	rtts := make([]time.Duration, 0, min(o.Count, 1<<20))
	start := time.Now()
	end := start.Add(o.Duration)
	conn.SetDeadline(end.Add(c.timeout()))
	res.Stopped = "count"
	for i := 0; i < o.Count; i++ {
		if !time.Now().Before(end) {
			res.Stopped = "duration"
			break
		}
		t := time.Now()
		if _, err := conn.Write(req); err != nil {
			return fail(fmt.Errorf("rr write after %d round trips: %w", i, err))
		}
		if _, err := io.ReadFull(br, resp); err != nil {
			return fail(fmt.Errorf("rr read after %d round trips: %w", i, err))
		}
		rtts = append(rtts, time.Since(t))
	}
	elapsed := time.Since(start)
	res.LatencyStats = Summarize(rtts)
	if elapsed > 0 {
		res.TransactionsPerSec = float64(len(rtts)) / elapsed.Seconds()
	}
	return res, nil
}

// Percentile returns the p-th percentile (0..100) of sorted by the nearest-rank method: the
// smallest value with at least p% of the values at or below it.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	if p <= 0 {
		return sorted[0]
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

// Summarize computes latency statistics; d is not modified.
func Summarize(d []time.Duration) LatencyStats {
	if len(d) == 0 {
		return LatencyStats{}
	}
	s := slices.Clone(d)
	slices.Sort(s)
	var sum time.Duration
	for _, v := range s {
		sum += v
	}
	us := func(v time.Duration) float64 { return float64(v.Nanoseconds()) / 1e3 }
	return LatencyStats{
		Count:  len(s),
		MinUs:  us(s[0]),
		P50Us:  us(Percentile(s, 50)),
		P90Us:  us(Percentile(s, 90)),
		P99Us:  us(Percentile(s, 99)),
		MaxUs:  us(s[len(s)-1]),
		MeanUs: us(sum) / float64(len(s)),
	}
}
