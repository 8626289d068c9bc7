package probe

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"time"
)

// The HTTP echo's bulk answer, for measuring a path through HTTP proxies (an ingress controller):
// a request whose query has bulkBytes=N is answered by N zero bytes (at most the server's
// MaxBulkBytes), which the client reads for a bounded time (HTTPBulk). HTTPRR measures request
// latency with plain echo requests over one kept-alive connection.
const bulkParam = "bulkBytes"

// serveBulk writes n zero bytes (bounded by MaxBulkBytes and MaxSession), or until the client goes.
func (s *Server) serveBulk(w http.ResponseWriter, r *http.Request, v string) {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		http.Error(w, fmt.Sprintf("%s=%q: want a byte count", bulkParam, v), http.StatusBadRequest)
		return
	}
	n = min(n, s.cfg.MaxBulkBytes)
	// The server's write timeout would cut a long stream: this response sets its own bound.
	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Now().Add(s.cfg.MaxSession))
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.FormatInt(n, 10))
	buf := make([]byte, 128<<10)
	for n > 0 {
		k := min(int64(len(buf)), n)
		if _, err := w.Write(buf[:k]); err != nil {
			return
		}
		n -= k
	}
}

// httpConn is an HTTP client for one URL through the guard (newHTTP): the URL, the address
// dialed, the transport (the caller sets its keep-alives, TLS) and its client, and release, which
// the caller defers.
type httpConn struct {
	u       *url.URL
	addr    string
	tr      *http.Transport
	client  *http.Client
	release func()
}

// newHTTP parses rawURL (http://, or https:// too when tls), resolves its host and checks it with
// the guard first, so that a refusal is reported as such and not as a transport error, and
// returns a client whose transport dials only there and never follows a redirect.
func (c *Client) newHTTP(ctx context.Context, rawURL string, tls bool) (*httpConn, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" || (u.Scheme != "http" && (!tls || u.Scheme != "https")) {
		what := "an http:// URL with a host"
		if tls {
			what = "an http:// or https:// URL with a host"
		}
		return nil, &RefusedError{Target: rawURL, Reason: "not " + what, Allowed: c.Guard.Allowed()}
	}
	hostport := u.Host
	if u.Port() == "" {
		port := "80"
		if u.Scheme == "https" {
			port = "443"
		}
		hostport = net.JoinHostPort(u.Hostname(), port)
	}
	dial, ap, done, err := c.resolve(ctx, hostport)
	if err != nil {
		return nil, err
	}
	tr := &http.Transport{Proxy: nil, DialContext: c.Guard.guardedDial(dial)}
	return &httpConn{u: u, addr: ap.String(), tr: tr,
		client:  &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		release: func() { tr.CloseIdleConnections(); done() }}, nil
}

// httpKeepAlive is newHTTP for plain http:// keeping one connection alive (the measurements).
func (c *Client) httpKeepAlive(ctx context.Context, rawURL string) (*httpConn, error) {
	hc, err := c.newHTTP(ctx, rawURL, false)
	if err != nil {
		return nil, err
	}
	hc.tr.MaxIdleConnsPerHost, hc.tr.DisableCompression = 1, true
	return hc, nil
}

// HTTPBulk GETs rawURL (with host) asking the echo for a bulk answer and reads it for d: Gbps is
// what the client received over that time (the server's sending direction).
func (c *Client) HTTPBulk(ctx context.Context, rawURL, host string, d time.Duration) (BulkResult, error) {
	res := BulkResult{Target: rawURL}
	fail := func(err error) (BulkResult, error) { res.Error = err.Error(); return res, err }
	if d <= 0 || d > 5*time.Minute {
		return fail(fmt.Errorf("http bulk duration %v: want more than 0 and at most 5m", d))
	}
	ctx, cancel := context.WithTimeout(ctx, d+2*c.timeout())
	defer cancel()
	hc, err := c.httpKeepAlive(ctx, rawURL)
	if err != nil {
		return fail(err)
	}
	defer hc.release()
	res.Addr = hc.addr
	u := hc.u
	q := u.Query()
	q.Set(bulkParam, "68719476736") // 64 GiB: the stream ends by time
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GotConn: func(i httptrace.GotConnInfo) { res.Source = i.Conn.LocalAddr().String() },
	}), http.MethodGet, u.String(), nil)
	if err != nil {
		return fail(err)
	}
	if host != "" {
		req.Host = host
	}
	resp, err := hc.client.Do(req)
	if err != nil {
		return fail(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/octet-stream" {
		return fail(fmt.Errorf("HTTP %d (%s): not the echo's bulk answer", resp.StatusCode, resp.Header.Get("Content-Type")))
	}
	buf := make([]byte, 128<<10)
	start := time.Now()
	end := start.Add(d)
	res.Stopped = "duration"
	for time.Now().Before(end) {
		n, err := resp.Body.Read(buf)
		res.BytesSent += int64(n)
		if err == io.EOF {
			res.Stopped = "bytes"
			break
		}
		if err != nil {
			return fail(fmt.Errorf("http bulk read after %d bytes: %w", res.BytesSent, err))
		}
	}
	el := time.Since(start)
	res.SenderSeconds = el.Seconds()
	res.Gbps = float64(res.BytesSent) * 8 / el.Seconds() / 1e9
	res.SenderGbps = res.Gbps
	return res, nil
}

// HTTPRR GETs rawURL (with host) count times, or for d, over one kept-alive connection, and
// reports the latency of each request; the first answer must be the echo's.
func (c *Client) HTTPRR(ctx context.Context, rawURL, host string, count int, d time.Duration) (RRResult, error) {
	res := RRResult{Target: rawURL}
	fail := func(err error) (RRResult, error) { res.Error = err.Error(); return res, err }
	if count <= 0 || count > 1_000_000 || d <= 0 || d > 5*time.Minute {
		return fail(fmt.Errorf("http rr bounds out of range (count 1 to 1000000, duration up to 5m)"))
	}
	ctx, cancel := context.WithTimeout(ctx, d+2*c.timeout())
	defer cancel()
	hc, err := c.httpKeepAlive(ctx, rawURL)
	if err != nil {
		return fail(err)
	}
	defer hc.release()
	res.Addr = hc.addr
	u := hc.u
	get := func() (*http.Response, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
		if err != nil {
			return nil, err
		}
		if host != "" {
			req.Host = host
		}
		return hc.client.Do(req)
	}
	rtts := make([]time.Duration, 0, min(count, 1<<16))
	start := time.Now()
	end := start.Add(d)
	res.Stopped = "count"
	for i := 0; i < count; i++ {
		if !time.Now().Before(end) {
			res.Stopped = "duration"
			break
		}
		t := time.Now()
		resp, err := get()
		if err != nil {
			return fail(fmt.Errorf("http rr after %d requests: %w", i, err))
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			return fail(fmt.Errorf("http rr after %d requests: HTTP %d: %v", i, resp.StatusCode, err))
		}
		rtts = append(rtts, time.Since(t))
		if i == 0 {
			var rep Report
			if err := json.Unmarshal(body, &rep); err != nil || rep.Proto != "http" {
				return fail(fmt.Errorf("http rr: the answer is not the echo's report: %q", body[:min(len(body), 120)]))
			}
			res.Server = &rep
		}
	}
	el := time.Since(start)
	res.LatencyStats = Summarize(rtts)
	if el > 0 {
		res.TransactionsPerSec = float64(len(rtts)) / el.Seconds()
	}
	return res, nil
}
