package probe

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Commands a client sends as the first line on the TCP port. Any other first line is echoed.
const (
	cmdBulk = "NETLAB-BULK"
	cmdRR   = "NETLAB-RR"
)

// ServerConfig says what to serve. An empty address disables that server; ":0" picks a free port.
type ServerConfig struct {
	TCPAddr  string   // TCP echo, and the bulk and request/response sessions
	HTTPAddr string   // HTTP echo
	UDPAddr  string   // UDP echo (IPv4; see UDP6Addr)
	UDP6Addr string   // UDP echo over IPv6 (optional)
	Identity Identity // reported in every reply; zero means IdentityFromEnv

	// Bounds on what one client can make the server do.
	MaxSession   time.Duration // a bulk or request/response session (default 2m)
	MaxBulkBytes int64         // bytes accepted by one bulk session (default 64 GiB)
	IdleTimeout  time.Duration // waiting for a client's first line or next request (default 10s)
	// BulkReadSize is the receive buffer of one read in a bulk session (default 128 KiB, as
	// iperf3's default length, so that the two measure the same thing).
	BulkReadSize int

	// Relay, when set, lets the HTTP echo relay requests that ask for it (RelayHeader) to the
	// addresses it allows; nil refuses every relay.
	Relay *Guard

	Logf func(format string, args ...any) // optional
}

func (c *ServerConfig) defaults() {
	if c.Identity == (Identity{}) {
		c.Identity = IdentityFromEnv()
	}
	if c.MaxSession <= 0 {
		c.MaxSession = 2 * time.Minute
	}
	if c.MaxBulkBytes <= 0 {
		c.MaxBulkBytes = 64 << 30
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = 10 * time.Second
	}
	if c.BulkReadSize <= 0 {
		c.BulkReadSize = 128 << 10
	}
	if c.Logf == nil {
		c.Logf = func(string, ...any) {}
	}
}

// Server runs the echo servers. Create it with Start; stop it with Close.
type Server struct {
	cfg     ServerConfig
	tcp     net.Listener
	httpLn  net.Listener
	httpSrv *http.Server
	udp     []*net.UDPConn
	wg      sync.WaitGroup
	mu      sync.Mutex
	conns   map[net.Conn]struct{}
	closed  bool
	// served counts HTTP requests by Host and path (see HTTPSeen.Served).
	served map[string]int64
}

// maxServedKeys bounds the Host and path pairs a server counts: a client cannot grow it without end.
const maxServedKeys = 1024

// HopHeader is the header each hop of a chain appends "name@source-address" to, comma-separated
// (package waf appends to it; the HTTP echo reports it).
const HopHeader = "X-Netlab-Hops"

// count adds one to the requests answered for host and path and returns the new count, or 0 when
// the pair is new and the server already counts maxServedKeys of them.
func (s *Server) count(host, path string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := host + path
	n, ok := s.served[k]
	if !ok && len(s.served) >= maxServedKeys {
		return 0
	}
	s.served[k] = n + 1
	return n + 1
}

// Start listens on the configured addresses and serves in the background. Sockets are created in
// the calling goroutine's network namespace (call it inside ns.Do to serve in a netns).
func Start(ctx context.Context, cfg ServerConfig) (*Server, error) {
	cfg.defaults()
	s := &Server{cfg: cfg, conns: map[net.Conn]struct{}{}, served: map[string]int64{}}
	fail := func(err error) (*Server, error) { s.Close(); return nil, err }
	if cfg.TCPAddr != "" {
		ln, err := listenTCP(ctx, cfg.TCPAddr)
		if err != nil {
			return fail(fmt.Errorf("tcp echo: %w", err))
		}
		s.tcp = ln
		s.wg.Add(1)
		go s.serveTCP()
	}
	if cfg.HTTPAddr != "" {
		ln, err := listenTCP(ctx, cfg.HTTPAddr)
		if err != nil {
			return fail(fmt.Errorf("http echo: %w", err))
		}
		s.httpLn = ln
		s.httpSrv = &http.Server{
			Handler:           http.HandlerFunc(s.serveHTTP),
			ReadHeaderTimeout: cfg.IdleTimeout,
			ReadTimeout:       cfg.IdleTimeout,
			WriteTimeout:      cfg.IdleTimeout,
			IdleTimeout:       cfg.IdleTimeout,
			ConnContext: func(ctx context.Context, c net.Conn) context.Context {
				ttl, err := savedSYNTTL(c)
				return context.WithValue(ctx, ttlKey{}, ttlInfo{ttl, err})
			},
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			if err := s.httpSrv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				cfg.Logf("http echo: %v", err)
			}
		}()
	}
	for _, u := range []struct{ network, addr string }{{"udp4", cfg.UDPAddr}, {"udp6", cfg.UDP6Addr}} {
		if u.addr == "" {
			continue
		}
		c, err := listenUDP(ctx, u.network, u.addr)
		if err != nil {
			return fail(fmt.Errorf("udp echo: %w", err))
		}
		s.udp = append(s.udp, c)
		s.wg.Add(1)
		go s.serveUDP(c)
	}
	return s, nil
}

// TCPAddr, HTTPAddr and UDPAddr return the bound addresses ("" when not serving).
func (s *Server) TCPAddr() string  { return addrString(s.tcp) }
func (s *Server) HTTPAddr() string { return addrString(s.httpLn) }
func (s *Server) UDPAddr() string {
	if len(s.udp) == 0 {
		return ""
	}
	return s.udp[0].LocalAddr().String()
}

func addrString(l net.Listener) string {
	if l == nil {
		return ""
	}
	return l.Addr().String()
}

// Close stops every server and open session and waits for them.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	if s.tcp != nil {
		s.tcp.Close()
	}
	if s.httpSrv != nil {
		s.httpSrv.Close()
	} else if s.httpLn != nil {
		s.httpLn.Close()
	}
	for _, u := range s.udp {
		u.Close()
	}
	s.wg.Wait()
	return nil
}

func (s *Server) track(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.conns[c] = struct{}{}
	return true
}

func (s *Server) untrack(c net.Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// report builds the report for a connection, reading the TTL of its SYN.
func (s *Server) tcpReport(proto string, c net.Conn) Report {
	r := Report{Proto: proto, Server: s.cfg.Identity}
	fillAddrs(&r, c.RemoteAddr(), c.LocalAddr())
	ttl, err := savedSYNTTL(c)
	setTTL(&r, ttl, err, TTLFromSYN)
	return r
}

func setTTL(r *Report, ttl int, err error, source string) {
	if err != nil {
		r.TTLError = err.Error()
		return
	}
	r.TTL, r.TTLSource = ttl, source
}

func (s *Server) serveTCP() {
	defer s.wg.Done()
	var delay time.Duration
	for {
		c, err := s.tcp.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			// Temporary failure (EMFILE and the like): back off, bounded.
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			s.cfg.Logf("tcp accept: %v; retrying in %v", err, delay)
			time.Sleep(delay)
			continue
		}
		delay = 0
		if !s.track(c) {
			c.Close()
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer s.untrack(c)
			defer c.Close()
			s.handleTCP(c)
		}()
	}
}

const maxLine = 4096

func (s *Server) handleTCP(c net.Conn) {
	rep := s.tcpReport("tcp", c) // read the SYN first: the kernel keeps it until asked once
	c.SetDeadline(time.Now().Add(s.cfg.IdleTimeout))
	br := bufio.NewReaderSize(c, 64<<10)
	line, err := readLine(br)
	if err != nil && line == "" {
		// No message: still answer, so a bare connect gets the report.
		if !errors.Is(err, io.EOF) {
			s.cfg.Logf("tcp %s: %v", c.RemoteAddr(), err)
		}
	}
	switch {
	case line == cmdBulk || strings.HasPrefix(line, cmdBulk+" "):
		omit, err := parseBulkArgs(strings.TrimPrefix(line, cmdBulk))
		if err != nil {
			rep.Echo = err.Error()
			reply(c, rep)
			return
		}
		s.bulkSession(c, br, rep, omit)
		return
	case strings.HasPrefix(line, cmdRR+" "):
		s.rrSession(c, br, rep, strings.TrimPrefix(line, cmdRR+" "))
		return
	}
	rep.Echo = line
	reply(c, rep)
}

// readLine reads one line of at most maxLine bytes, without its line end.
func readLine(br *bufio.Reader) (string, error) {
	var b []byte
	for {
		chunk, isPrefix, err := br.ReadLine()
		b = append(b, chunk...)
		if len(b) > maxLine {
			return string(b[:maxLine]), fmt.Errorf("line longer than %d bytes", maxLine)
		}
		if err != nil || !isPrefix {
			return string(b), err
		}
	}
}

// reply writes v as the answer to a client that may already be gone: there is nobody left to tell
// when that fails, so the error is dropped here, once.
func reply(w io.Writer, v any) { _ = writeJSONLine(w, v) }

func writeJSONLine(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// BulkReport is the server's account of a bulk session: what it received and how fast.
type BulkReport struct {
	Report
	Bytes   int64   `json:"bytes"`   // everything received, the omitted start included
	Seconds float64 `json:"seconds"` // first byte to end of stream
	// OmitBytes and OmitSeconds are the start of the stream that the client asked to leave out
	// of the rate (iperf3's -O): what arrived in the first OmitSeconds after the first byte.
	OmitBytes   int64   `json:"omitBytes,omitempty"`
	OmitSeconds float64 `json:"omitSeconds,omitempty"`
	// Gbps is (Bytes-OmitBytes) over (Seconds-OmitSeconds): the rate after the omitted start.
	Gbps    float64 `json:"gbps"`
	Stopped string  `json:"stopped"` // eof, bytes (the server's bound), time (the server's bound), error: ...
}

// maxBulkOmit bounds the omitted start a client may ask for.
const maxBulkOmit = time.Minute

// parseBulkArgs reads the bulk command's arguments: empty, or " omit=DURATION" (at most 1m).
func parseBulkArgs(args string) (omit time.Duration, err error) {
	for _, f := range strings.Fields(args) {
		v, ok := strings.CutPrefix(f, "omit=")
		if !ok {
			return 0, fmt.Errorf("bad bulk argument %q (want omit=DURATION)", f)
		}
		if omit, err = time.ParseDuration(v); err != nil || omit < 0 || omit > maxBulkOmit {
			return 0, fmt.Errorf("bad bulk omit %q (want 0 to %v)", v, maxBulkOmit)
		}
	}
	return omit, nil
}

func (s *Server) bulkSession(c net.Conn, br *bufio.Reader, rep Report, omit time.Duration) {
	deadline := time.Now().Add(s.cfg.MaxSession)
	c.SetDeadline(deadline)
	buf := make([]byte, s.cfg.BulkReadSize)
	var n, omitBytes int64
	var first, omitEnd time.Time
	omitting := omit > 0
	stopped := "eof"
	for {
		k, err := br.Read(buf)
		if k > 0 {
			if n == 0 {
				first = time.Now()
				omitEnd = first.Add(omit)
			} else if omitting {
				// The omitted start ends with the first read after first+omit; that read counts
				// as measured, since most of its bytes arrived after the boundary.
				if now := time.Now(); !now.Before(omitEnd) {
					omitting, omitBytes, omitEnd = false, n, now
				}
			}
			n += int64(k)
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				var ne net.Error
				if errors.As(err, &ne) && ne.Timeout() {
					stopped = "time"
				} else {
					stopped = "error: " + err.Error()
				}
			}
			break
		}
		if n >= s.cfg.MaxBulkBytes {
			stopped = "bytes"
			break
		}
	}
	br2 := BulkReport{Report: rep, Bytes: n, Stopped: stopped}
	if n > 0 {
		end := time.Now()
		br2.Seconds = end.Sub(first).Seconds()
		from := first
		if omit > 0 && !omitting {
			br2.OmitBytes, br2.OmitSeconds, from = omitBytes, omitEnd.Sub(first).Seconds(), omitEnd
		}
		if secs := end.Sub(from).Seconds(); secs > 0 {
			br2.Gbps = float64(n-br2.OmitBytes) * 8 / secs / 1e9
		}
	}
	c.SetDeadline(time.Now().Add(s.cfg.IdleTimeout))
	reply(c, br2)
}

func (s *Server) rrSession(c net.Conn, br *bufio.Reader, rep Report, arg string) {
	size, err := strconv.Atoi(strings.TrimSpace(arg))
	if err != nil || size < 1 || size > 1<<20 {
		rep.Echo = "bad request size " + strconv.Quote(arg) + " (want 1..1048576)"
		reply(c, rep)
		return
	}
	c.SetDeadline(time.Now().Add(s.cfg.IdleTimeout))
	if err := writeJSONLine(c, rep); err != nil {
		return
	}
	end := time.Now().Add(s.cfg.MaxSession)
	buf := make([]byte, size)
	for time.Now().Before(end) {
		d := time.Now().Add(s.cfg.IdleTimeout)
		if d.After(end) {
			d = end
		}
		c.SetDeadline(d)
		if _, err := io.ReadFull(br, buf); err != nil {
			return
		}
		if _, err := c.Write(buf); err != nil {
			return
		}
	}
}

type ttlKey struct{}
type ttlInfo struct {
	ttl int
	err error
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	rep := Report{Proto: "http", Server: s.cfg.Identity}
	remote, _ := net.ResolveTCPAddr("tcp", r.RemoteAddr)
	var local net.Addr
	if la, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		local = la
	}
	if remote != nil {
		fillAddrs(&rep, remote, local)
	} else {
		fillAddrs(&rep, nil, local)
		rep.Remote = r.RemoteAddr
	}
	if ti, ok := r.Context().Value(ttlKey{}).(ttlInfo); ok {
		setTTL(&rep, ti.ttl, ti.err, TTLFromSYN)
	}
	rep.HTTP = &HTTPSeen{Method: r.Method, Host: r.Host, Path: r.URL.Path, Query: r.URL.RawQuery, XForwardedFor: r.Header.Get("X-Forwarded-For"),
		Hops: r.Header.Get(HopHeader), Served: s.count(r.Host, r.URL.Path)}
	w.Header().Set("X-Netlab-Pod", s.cfg.Identity.PodName)
	if v := r.URL.Query().Get(bulkParam); v != "" {
		s.serveBulk(w, r, v)
		return
	}
	if r.Header.Get(RelayHeader) != "" {
		s.relay(w, r, rep.RemoteIP)
		return
	}
	if wantsStream(r) {
		serveStream(w, r, rep)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	reply(w, rep)
}

const maxEcho = 512

func (s *Server) serveUDP(c *net.UDPConn) {
	defer s.wg.Done()
	buf := make([]byte, 64<<10)
	oob := make([]byte, 512)
	for {
		n, oobn, _, from, err := c.ReadMsgUDPAddrPort(buf, oob)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			s.cfg.Logf("udp read: %v", err)
			time.Sleep(10 * time.Millisecond)
			continue
		}
		meta, merr := parseUDPControl(oob[:oobn])
		rep := Report{Proto: "udp", Server: s.cfg.Identity}
		local := c.LocalAddr().(*net.UDPAddr).AddrPort()
		if meta.Dst.IsValid() {
			local = netip.AddrPortFrom(meta.Dst, local.Port())
		}
		fillAddrs(&rep, net.UDPAddrFromAddrPort(from), net.UDPAddrFromAddrPort(local))
		switch {
		case merr != nil:
			rep.TTLError = "control messages: " + merr.Error()
		case meta.TTL == 0:
			rep.TTLError = "no IP_TTL control message arrived"
		default:
			rep.TTL, rep.TTLSource = meta.TTL, TTLFromRecvTTL
		}
		msg := buf[:n]
		if len(msg) > maxEcho {
			msg = msg[:maxEcho]
		}
		rep.Echo = strings.TrimRight(string(msg), "\r\n")
		b, _ := json.Marshal(rep)
		var oobOut []byte
		if meta.Dst.IsValid() && !meta.Dst.IsMulticast() && meta.Dst != netip.IPv4Unspecified() && meta.Dst != netip.AddrFrom4([4]byte{255, 255, 255, 255}) {
			oobOut = srcControl(meta.Dst)
		}
		if _, _, err := c.WriteMsgUDPAddrPort(append(b, '\n'), oobOut, from); err != nil {
			s.cfg.Logf("udp reply to %s: %v", from, err)
		}
	}
}
