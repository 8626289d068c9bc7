package probe

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/netip"
	"strings"
	"time"
)

// DefaultTimeout bounds a client call when Client.Timeout is zero.
const DefaultTimeout = 5 * time.Second

// Client runs probes against targets. Every call goes through Guard and is bounded by Timeout.
type Client struct {
	Guard    *Guard
	Timeout  time.Duration
	Identity Identity // reported in results; zero means IdentityFromEnv
}

// NewClient returns a client that checks targets with g.
func NewClient(g *Guard) *Client { return &Client{Guard: g} }

func (c *Client) timeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return DefaultTimeout
}

func (c *Client) identity() Identity {
	if c.Identity == (Identity{}) {
		return IdentityFromEnv()
	}
	return c.Identity
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// TCP connects to target (host:port), sends msg as one line and returns the server's report.
func (c *Client) TCP(ctx context.Context, target, msg string) (Result, error) {
	res := Result{Proto: "tcp", Target: target, Client: c.identity()}
	if strings.ContainsAny(msg, "\r\n") {
		return res.fail(fmt.Errorf("message must be one line"))
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout())
	defer cancel()
	dial, ap, release, err := c.resolve(ctx, target)
	if err != nil {
		return res.fail(err)
	}
	defer release()
	res.Addr = ap.String()
	t0 := time.Now()
	conn, err := dial(ctx, "tcp", ap.String())
	if err != nil {
		return res.fail(err)
	}
	defer conn.Close()
	res.ConnectMillis = ms(time.Since(t0))
	res.Source = conn.LocalAddr().String()
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	t1 := time.Now()
	if _, err := io.WriteString(conn, msg+"\n"); err != nil {
		return res.fail(err)
	}
	var rep Report
	if err := readJSONLine(bufio.NewReader(conn), &rep); err != nil {
		return res.fail(fmt.Errorf("reading the server's report: %w", err))
	}
	res.RTTMillis = ms(time.Since(t1))
	res.Server, res.OK = &rep, true
	return res, nil
}

func (r Result) fail(err error) (Result, error) {
	r.OK = false
	r.Error = err.Error()
	return r, err
}

func readJSONLine(br *bufio.Reader, v any) error {
	line, err := br.ReadBytes('\n')
	if len(line) > 1<<20 {
		return fmt.Errorf("reply longer than 1 MiB")
	}
	if err != nil && (len(line) == 0 || !errors.Is(err, io.EOF)) {
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("connection closed before a reply (is this a netlab probe?)")
		}
		return err
	}
	if err := json.Unmarshal(line, v); err != nil {
		return fmt.Errorf("reply is not a probe report: %w", err)
	}
	return nil
}

// UDP sends msg to target and returns the server's report. It tries up to three times within
// the timeout, since a datagram can be lost.
func (c *Client) UDP(ctx context.Context, target, msg string) (Result, error) {
	return c.udp(ctx, target, []byte(msg), false)
}

// UDPDF sends one datagram of size payload bytes with the IP Don't Fragment bit set (path MTU
// discovery "do"): a datagram too big for the path fails with "message too long" at the first hop
// that cannot carry it (locally, when it exceeds the interface MTU) instead of being fragmented.
// size+28 is the IPv4 packet's length.
func (c *Client) UDPDF(ctx context.Context, target string, size int) (Result, error) {
	if size < 6 || size > 65507 {
		return Result{Proto: "udp", Target: target}, fmt.Errorf("UDP payload size %d: want 6 to 65507 bytes", size)
	}
	msg := make([]byte, size)
	copy(msg, "netlab")
	for i := 6; i < size; i++ {
		msg[i] = '.'
	}
	return c.udp(ctx, target, msg, true)
}

func (c *Client) udp(ctx context.Context, target string, msg []byte, df bool) (Result, error) {
	res := Result{Proto: "udp", Target: target, Client: c.identity()}
	ctx, cancel := context.WithTimeout(ctx, c.timeout())
	defer cancel()
	dial, ap, release, err := c.resolve(ctx, target)
	if err != nil {
		return res.fail(err)
	}
	defer release()
	res.Addr = ap.String()
	conn, err := dial(ctx, "udp", ap.String())
	if err != nil {
		return res.fail(err)
	}
	defer conn.Close()
	res.Source = conn.LocalAddr().String()
	if df {
		if err := setDontFragment(conn); err != nil {
			return res.fail(err)
		}
	}
	dl, _ := ctx.Deadline()
	per := time.Until(dl) / 3
	buf := make([]byte, 64<<10)
	var lastErr error
	for attempt := 0; attempt < 3 && ctx.Err() == nil; attempt++ {
		t1 := time.Now()
		if _, err := conn.Write(msg); err != nil {
			lastErr = err
			// ECONNREFUSED from an ICMP port unreachable: nobody listens; EMSGSIZE: the datagram
			// does not fit the path with DF set. Retrying will not help either.
			if errors.Is(err, errConnRefused) || errors.Is(err, errMsgSize) {
				break
			}
			continue
		}
		conn.SetReadDeadline(minTime(t1.Add(per), dl))
		n, err := conn.Read(buf)
		if err != nil {
			lastErr = err
			if errors.Is(err, errConnRefused) || errors.Is(err, errMsgSize) {
				break
			}
			continue
		}
		var rep Report
		if err := json.Unmarshal(buf[:n], &rep); err != nil {
			return res.fail(fmt.Errorf("reply is not a probe report: %w", err))
		}
		res.RTTMillis = ms(time.Since(t1))
		res.Server, res.OK = &rep, true
		return res, nil
	}
	if lastErr == nil {
		lastErr = ctx.Err()
	}
	return res.fail(fmt.Errorf("no UDP reply from %s: %w", ap, lastErr))
}

func minTime(a, b time.Time) time.Time {
	if b.IsZero() || a.Before(b) {
		return a
	}
	return b
}

// HTTP GETs rawURL (http:// or https://) and returns the echo's report. host, when set,
// overrides the Host header and, for https, the TLS server name (ingress checks). An https
// call does not verify the server's certificate: it reports it (Result.TLS) for the caller to
// judge. Redirects are not followed.
func (c *Client) HTTP(ctx context.Context, rawURL, host string) (Result, error) {
	return c.httpGet(ctx, rawURL, host, false, nil)
}

// Stream is HTTP asking for a streamed answer (Accept: text/event-stream): the probe server
// answers as Server-Sent Events, and the result says how many chunks arrived and when
// (Result.Stream); Result.Server is the last chunk's report.
func (c *Client) Stream(ctx context.Context, rawURL, host string) (Result, error) {
	return c.httpGet(ctx, rawURL, host, true, nil)
}

// Chain is HTTP (or Stream) through a chain of relaying echo servers: the server at rawURL sends
// the request on to each of legs in turn (RelayHeader), the last answers. When a hop could not
// reach its next leg, Result.RelayStop says which and why.
func (c *Client) Chain(ctx context.Context, rawURL, host string, legs []RelayLeg, stream bool) (Result, error) {
	return c.httpGet(ctx, rawURL, host, stream, legs)
}

func (c *Client) httpGet(ctx context.Context, rawURL, host string, stream bool, legs []RelayLeg) (Result, error) {
	res := Result{Proto: "http", Target: rawURL, Client: c.identity()}
	ctx, cancel := context.WithTimeout(ctx, c.timeout())
	defer cancel()
	hc, err := c.newHTTP(ctx, rawURL, true)
	if err != nil {
		return res.fail(err)
	}
	defer hc.release()
	res.Addr = hc.addr
	u, tr := hc.u, hc.tr
	tr.DisableKeepAlives = true
	if u.Scheme == "https" {
		sni := u.Hostname()
		if host != "" {
			sni, _, _ = strings.Cut(host, ":")
		}
		// Reported, not trusted: the check verifies the leaf against the lab's CA.
		tr.TLSClientConfig = &tls.Config{ServerName: sni, InsecureSkipVerify: true, MinVersion: tls.VersionTLS12} //nolint:gosec // the certificate is reported for the check to verify
	}
	var t1 time.Time
	trace := &httptrace.ClientTrace{
		GotConn:      func(i httptrace.GotConnInfo) { res.Source = i.Conn.LocalAddr().String() },
		ConnectStart: func(string, string) { t1 = time.Now() },
		ConnectDone: func(string, string, error) {
			res.ConnectMillis = ms(time.Since(t1))
		},
		WroteRequest: func(httptrace.WroteRequestInfo) { t1 = time.Now() },
	}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, trace), http.MethodGet, u.String(), nil)
	if err != nil {
		return res.fail(err)
	}
	if host != "" {
		req.Host = host
	}
	if stream {
		req.Header.Set("Accept", StreamAccept)
	}
	if len(legs) > 0 {
		req.Header.Set(RelayHeader, FormatRelay(legs))
	}
	resp, err := hc.client.Do(req)
	if err != nil {
		return res.fail(err)
	}
	defer resp.Body.Close()
	res.HTTPStatus = resp.StatusCode
	if cs := resp.TLS; cs != nil && len(cs.PeerCertificates) > 0 {
		leaf := cs.PeerCertificates[0]
		res.TLS = &TLSSeen{Version: tls.VersionName(cs.Version), ServerName: cs.ServerName, Subject: leaf.Subject.String(),
			Issuer: leaf.Issuer.String(), DNSNames: leaf.DNSNames,
			LeafPEM: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leaf.Raw}))}
	}
	if stream && resp.StatusCode == http.StatusOK && strings.HasPrefix(resp.Header.Get("Content-Type"), StreamAccept) {
		seen, last, err := readStream(io.LimitReader(resp.Body, 1<<20), t1)
		res.RTTMillis = ms(time.Since(t1))
		res.Stream = seen
		if last != nil {
			res.Server = last
		}
		if err != nil {
			return res.fail(err)
		}
		res.OK = last != nil
		return res, nil
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return res.fail(err)
	}
	res.RTTMillis = ms(time.Since(t1))
	if resp.Header.Get(RelayStopHeader) != "" {
		var rs relayStopBody
		if err := json.Unmarshal(body, &rs); err == nil && rs.RelayStop.Hop != "" {
			res.RelayStop = &rs.RelayStop
			return res.fail(fmt.Errorf("HTTP %d: the chain stopped at %s (from %s): %s %s: %s", resp.StatusCode, rs.RelayStop.Hop, rs.RelayStop.From, rs.RelayStop.Leg.URL, rs.RelayStop.Leg.Host, rs.RelayStop.Error))
		}
	}
	var rep Report
	if err := json.Unmarshal(body, &rep); err != nil || rep.Proto == "" {
		// Not our echo (an ingress default backend, a 404 page): that is an answer, not a report.
		snippet := strings.TrimSpace(string(body))
		if len(snippet) > 200 {
			snippet = snippet[:200]
		}
		return res.fail(fmt.Errorf("HTTP %d without a probe report: %q", resp.StatusCode, snippet))
	}
	res.Server, res.OK = &rep, true
	return res, nil
}

// DNS looks name up against server (host:port, port 53 when omitted) with Go's resolver dialing
// only that server. qtype is "A", "AAAA" or "" (both). The name is treated as absolute (no search
// domains) unless search is set. NXDomain is set when the resolver says the name does not exist
// (which Go's resolver also says for a name without records of the asked type).
func (c *Client) DNS(ctx context.Context, server, name, qtype string, search bool) (DNSResult, error) {
	if _, _, err := net.SplitHostPort(server); err != nil {
		server = net.JoinHostPort(strings.Trim(server, "[]"), "53")
	}
	res := DNSResult{Name: name, Server: server, Type: strings.ToUpper(qtype), Answers: []string{}}
	network := "ip"
	switch res.Type {
	case "A":
		network = "ip4"
	case "AAAA":
		network = "ip6"
	case "", "IP":
		res.Type = "A+AAAA"
	default:
		err := fmt.Errorf("DNS type %q: want A, AAAA or nothing", qtype)
		res.Error = err.Error()
		return res, err
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout())
	defer cancel()
	dial, ap, release, err := c.resolve(ctx, server)
	if err != nil {
		res.Error = err.Error()
		return res, err
	}
	defer release()
	res.Server = ap.String()
	r := &net.Resolver{
		PreferGo: true,
		// The resolver dials from goroutines of its own; dial keeps them in this namespace,
		// and only ever to the checked server address.
		Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return dial(ctx, network, ap.String())
		},
	}
	q := name
	if !search && !strings.HasSuffix(q, ".") {
		q += "."
	}
	t0 := time.Now()
	ips, err := r.LookupNetIP(ctx, network, q)
	res.RTTMillis = ms(time.Since(t0))
	if err != nil {
		var de *net.DNSError
		if errors.As(err, &de) && de.IsNotFound {
			res.NXDomain, res.OK = true, true
			return res, nil
		}
		res.Error = err.Error()
		return res, err
	}
	for _, a := range ips {
		res.Answers = append(res.Answers, a.Unmap().String())
	}
	res.OK = true
	return res, nil
}

// dialTCP dials a guarded TCP target and returns the connection and the checked address.
func (c *Client) dialTCP(ctx context.Context, target string) (net.Conn, netip.AddrPort, error) {
	dial, ap, release, err := c.resolve(ctx, target)
	if err != nil {
		return nil, ap, err
	}
	defer release()
	conn, err := dial(ctx, "tcp", ap.String())
	return conn, ap, err
}

// resolve is every client's first step: a dialer for the calling thread's network namespace
// (hereDialer) and the target resolved and checked against the guard. The caller defers release
// when err is nil; on an error there is nothing to release.
func (c *Client) resolve(ctx context.Context, target string) (dialFunc, netip.AddrPort, func(), error) {
	dial, release, err := hereDialer()
	if err != nil {
		return nil, netip.AddrPort{}, nil, err
	}
	ap, err := c.Guard.resolve(ctx, target, dial)
	if err != nil {
		release()
		return nil, ap, nil, err
	}
	return dial, ap, release, nil
}
