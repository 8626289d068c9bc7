package probe

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"
)

var testID = Identity{PodName: "probe-a", PodNamespace: "netlab", PodIP: "10.244.0.5", NodeName: "node-1", ClusterName: "c1", Hostname: "h"}

func startLoopback(t *testing.T) *Server {
	t.Helper()
	s, err := Start(context.Background(), ServerConfig{TCPAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0", UDPAddr: "127.0.0.1:0", Identity: testID, MaxSession: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func loopbackClient(t *testing.T) *Client {
	g, err := NewGuard()
	if err != nil {
		t.Fatal(err)
	}
	return &Client{Guard: g, Timeout: 3 * time.Second, Identity: Identity{Hostname: "client"}}
}

func checkReport(t *testing.T, proto string, res Result, s *Server) {
	t.Helper()
	if !res.OK || res.Server == nil {
		t.Fatalf("%s: no report: %+v", proto, res)
	}
	r := res.Server
	if r.Proto != proto || r.Server != testID {
		t.Errorf("%s: report %+v", proto, r)
	}
	src := netip.MustParseAddrPort(res.Source)
	if r.RemoteIP != src.Addr().String() || r.RemotePort != int(src.Port()) {
		t.Errorf("%s: server saw %s, client used %s", proto, r.Remote, res.Source)
	}
	if r.TTL != 64 || r.TTLError != "" {
		// Loopback: nothing decrements the default TTL of 64.
		t.Errorf("%s: TTL %d (%s, error %q), want 64", proto, r.TTL, r.TTLSource, r.TTLError)
	}
	if r.LocalIP != "127.0.0.1" || r.LocalPort == 0 {
		t.Errorf("%s: local %s", proto, r.Local)
	}
}

func TestEchoLoopback(t *testing.T) {
	s := startLoopback(t)
	c := loopbackClient(t)
	ctx := context.Background()

	res, err := c.TCP(ctx, s.TCPAddr(), "hello tcp")
	if err != nil {
		t.Fatal(err)
	}
	checkReport(t, "tcp", res, s)
	if res.Server.TTLSource != TTLFromSYN || res.Server.Echo != "hello tcp" {
		t.Errorf("tcp: %+v", res.Server)
	}

	res, err = c.UDP(ctx, s.UDPAddr(), "hello udp")
	if err != nil {
		t.Fatal(err)
	}
	checkReport(t, "udp", res, s)
	if res.Server.TTLSource != TTLFromRecvTTL || res.Server.Echo != "hello udp" {
		t.Errorf("udp: %+v", res.Server)
	}

	res, err = c.HTTP(ctx, "http://"+s.HTTPAddr()+"/shop/cart", "shop.example")
	if err != nil {
		t.Fatal(err)
	}
	checkReport(t, "http", res, s)
	if h := res.Server.HTTP; h == nil || h.Host != "shop.example" || h.Path != "/shop/cart" || h.Method != "GET" || res.HTTPStatus != 200 {
		t.Errorf("http: %+v %+v", res, h)
	}

	// Two connections each get their own SYN's TTL (the saved SYN is per connection).
	for i := 0; i < 2; i++ {
		if res, err := c.TCP(ctx, s.TCPAddr(), ""); err != nil || res.Server.TTL != 64 {
			t.Errorf("tcp #%d: %v %+v", i, err, res.Server)
		}
	}
}

func TestClientFailures(t *testing.T) {
	c := loopbackClient(t)
	c.Timeout = 500 * time.Millisecond
	ctx := context.Background()
	// Nobody listens on port 1 of 127.0.0.2.
	if res, err := c.TCP(ctx, "127.0.0.2:1", "x"); err == nil || res.OK || IsRefused(err) || res.Error == "" {
		t.Errorf("tcp to a closed port: %v %+v", err, res)
	}
	t0 := time.Now()
	if res, err := c.UDP(ctx, "127.0.0.2:9", "x"); err == nil || res.OK {
		t.Errorf("udp to a closed port: %v %+v", err, res)
	}
	if d := time.Since(t0); d > 2*time.Second {
		t.Errorf("udp failure took %v, the bound is 500ms", d)
	}
}

func TestDNSLookup(t *testing.T) {
	dns := startFakeDNS(t, map[string][]netip.Addr{"web.shop.svc.cluster.local.": {netip.MustParseAddr("10.96.7.7")}})
	c := loopbackClient(t)
	res, err := c.DNS(context.Background(), dns, "web.shop.svc.cluster.local", "A", false)
	if err != nil || !res.OK || res.NXDomain || len(res.Answers) != 1 || res.Answers[0] != "10.96.7.7" {
		t.Errorf("existing name: %v %+v", err, res)
	}
	res, err = c.DNS(context.Background(), dns, "nope.shop.svc.cluster.local", "A", false)
	if err != nil || !res.OK || !res.NXDomain || len(res.Answers) != 0 {
		t.Errorf("missing name: %v %+v", err, res)
	}
	if _, err := c.DNS(context.Background(), dns, "x", "MX", false); err == nil {
		t.Error("type MX accepted")
	}
}

func TestBulkAndRRLoopback(t *testing.T) {
	s := startLoopback(t)
	c := loopbackClient(t)
	ctx := context.Background()

	// Bounded by bytes: 64 MiB stops long before 10s.
	t0 := time.Now()
	b, err := c.Bulk(ctx, s.TCPAddr(), BulkOptions{Duration: 10 * time.Second, Bytes: 64 << 20})
	if err != nil {
		t.Fatal(err)
	}
	if b.Stopped != "bytes" || b.BytesSent != 64<<20 || b.Server == nil || b.Server.Bytes != 64<<20 || b.Server.Stopped != "eof" {
		t.Errorf("bytes-bounded bulk: %+v %+v", b, b.Server)
	}
	if b.Gbps <= 0.05 || b.Gbps > 1000 || time.Since(t0) > 5*time.Second {
		t.Errorf("bytes-bounded bulk: %.2f Gbit/s in %v", b.Gbps, time.Since(t0))
	}
	// Bounded by duration.
	t0 = time.Now()
	b, err = c.Bulk(ctx, s.TCPAddr(), BulkOptions{Duration: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	el := time.Since(t0)
	if b.Stopped != "duration" || b.Server.Bytes != b.BytesSent || el < 300*time.Millisecond || el > 3*time.Second {
		t.Errorf("duration-bounded bulk: %+v, took %v", b, el)
	}
	if b.Server.RemoteIP != "127.0.0.1" {
		t.Errorf("bulk account: %+v", b.Server)
	}

	r, err := c.RR(ctx, s.TCPAddr(), RROptions{Count: 200, Duration: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if r.Stopped != "count" || r.Count != 200 || !(r.MinUs > 0 && r.MinUs <= r.P50Us && r.P50Us <= r.P99Us && r.P99Us <= r.MaxUs) || r.MeanUs < r.MinUs || r.MeanUs > r.MaxUs {
		t.Errorf("count-bounded rr: %+v", r)
	}
	t0 = time.Now()
	r, err = c.RR(ctx, s.TCPAddr(), RROptions{Count: 10_000_000, Duration: 200 * time.Millisecond, Size: 64})
	if err != nil {
		t.Fatal(err)
	}
	if el := time.Since(t0); r.Stopped != "duration" || r.Count == 0 || r.Count >= 10_000_000 || el > 2*time.Second {
		t.Errorf("duration-bounded rr: %+v in %v", r, el)
	}
	if r.Server == nil || r.Server.TTL != 64 {
		t.Errorf("rr report: %+v", r.Server)
	}
}

// TestBulkOmit: with Omit the stream lasts Omit+Duration and both ends leave the start out of the
// rate, as iperf3's -O does; a bad omit argument is answered with an echo naming it.
func TestBulkOmit(t *testing.T) {
	s := startLoopback(t)
	c := loopbackClient(t)
	t0 := time.Now()
	b, err := c.Bulk(context.Background(), s.TCPAddr(), BulkOptions{Duration: 200 * time.Millisecond, Omit: 200 * time.Millisecond, Bytes: 1 << 40})
	if err != nil {
		t.Fatal(err)
	}
	el := time.Since(t0)
	srv := b.Server
	if b.Stopped != "duration" || el < 400*time.Millisecond || el > 3*time.Second || b.OmitSeconds != 0.2 || b.SenderSeconds < 0.4 {
		t.Errorf("omitted bulk: %+v, took %v", b, el)
	}
	if srv == nil || srv.Bytes != b.BytesSent || srv.OmitBytes <= 0 || srv.OmitBytes >= srv.Bytes || srv.OmitSeconds < 0.2 || srv.OmitSeconds > 0.3 || srv.Seconds < 0.35 {
		t.Fatalf("server's account: %+v", srv)
	}
	want := float64(srv.Bytes-srv.OmitBytes) * 8 / (b.SenderSeconds - 0.2) / 1e9
	if b.Gbps != want || b.Gbps <= 0 || b.SenderGbps <= 0 || srv.Gbps <= 0 {
		t.Errorf("gbps %v, want %v (sender %v, server %v)", b.Gbps, want, b.SenderGbps, srv.Gbps)
	}

	for _, line := range []string{"NETLAB-BULK omit=2m", "NETLAB-BULK omit=-1s", "NETLAB-BULK speed=1"} {
		res, err := c.TCP(context.Background(), s.TCPAddr(), line)
		if err != nil || !strings.HasPrefix(res.Server.Echo, "bad bulk") {
			t.Errorf("%q: %v %+v", line, err, res.Server)
		}
	}
}

func TestServerBoundsBulkSession(t *testing.T) {
	s, err := Start(context.Background(), ServerConfig{TCPAddr: "127.0.0.1:0", Identity: testID, MaxBulkBytes: 8 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c := loopbackClient(t)
	t0 := time.Now()
	res, err := c.Bulk(context.Background(), s.TCPAddr(), BulkOptions{Duration: 2 * time.Second, Bytes: 1 << 30})
	// The server stops reading at 8 MiB, sends its account and closes: the client's stream breaks
	// well before its own bounds.
	if err == nil || !strings.Contains(err.Error(), "bulk") || res.BytesSent >= 1<<30 {
		t.Errorf("server bound not enforced: %v %+v", err, res)
	}
	if el := time.Since(t0); el > 3*time.Second {
		t.Errorf("took %v", el)
	}
	t.Logf("client stopped after %d bytes: %v", res.BytesSent, err)
}

func TestReportJSONShape(t *testing.T) {
	r := Report{Proto: "tcp", Remote: "10.244.1.5:40000", RemoteIP: "10.244.1.5", RemotePort: 40000, Local: "10.244.2.9:7001",
		LocalIP: "10.244.2.9", LocalPort: 7001, TTL: 63, TTLSource: TTLFromSYN, Server: testID}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"proto":"tcp","remote":"10.244.1.5:40000","remoteIP":"10.244.1.5","remotePort":40000,"local":"10.244.2.9:7001","localIP":"10.244.2.9","localPort":7001,"ttl":63,"ttlSource":"tcp-saved-syn","server":{"podName":"probe-a","podNamespace":"netlab","podIP":"10.244.0.5","nodeName":"node-1","clusterName":"c1","hostname":"h"}}`
	if string(b) != want {
		t.Errorf("report JSON:\n got %s\nwant %s", b, want)
	}
	res := Result{Proto: "udp", Target: "x:1", OK: false, Error: "no UDP reply", Client: Identity{Hostname: "c"}}
	b, _ = json.Marshal(res)
	if want := `{"proto":"udp","target":"x:1","ok":false,"error":"no UDP reply","rttMillis":0,"client":{"hostname":"c"}}`; string(b) != want {
		t.Errorf("result JSON:\n got %s\nwant %s", b, want)
	}
	var back Report
	if err := json.Unmarshal([]byte(want), &back); err != nil {
		t.Error(err)
	}
}

func TestPercentiles(t *testing.T) {
	var d []time.Duration
	for i := 100; i >= 1; i-- {
		d = append(d, time.Duration(i)*time.Microsecond)
	}
	st := Summarize(d)
	if st.Count != 100 || st.MinUs != 1 || st.P50Us != 50 || st.P90Us != 90 || st.P99Us != 99 || st.MaxUs != 100 || st.MeanUs != 50.5 {
		t.Errorf("1..100: %+v", st)
	}
	if d[0] != 100*time.Microsecond {
		t.Error("Summarize sorted its input")
	}
	one := Summarize([]time.Duration{7 * time.Microsecond})
	if one.P50Us != 7 || one.P99Us != 7 {
		t.Errorf("single: %+v", one)
	}
	if (Summarize(nil) != LatencyStats{}) {
		t.Error("empty input should give zero stats")
	}
	s := []time.Duration{1, 2, 3, 4}
	for p, want := range map[float64]time.Duration{0: 1, 25: 1, 26: 2, 50: 2, 75: 3, 99: 4, 100: 4} {
		if got := Percentile(s, p); got != want {
			t.Errorf("Percentile(1..4, %v) = %v, want %v", p, got, want)
		}
	}
}

func TestTTLFromIPHeader(t *testing.T) {
	v4 := make([]byte, 20)
	v4[0], v4[8] = 0x45, 61
	v6 := make([]byte, 40)
	v6[0], v6[7] = 0x60, 250
	for _, c := range []struct {
		h    []byte
		want int
		ok   bool
	}{{v4, 61, true}, {v6, 250, true}, {v4[:10], 0, false}, {v6[:30], 0, false}, {nil, 0, false}, {[]byte{0x50}, 0, false}} {
		got, err := TTLFromIPHeader(c.h)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("TTLFromIPHeader(% x) = %d, %v", c.h, got, err)
		}
	}
}

// The HTTP echo counts requests by Host and path (query strings aside): a second request for the
// same pair reports 2, another pair starts at 1; and it reports the hop header as it arrived.
func TestEchoServedAndHops(t *testing.T) {
	s := startLoopback(t)
	c := loopbackClient(t)
	ctx := context.Background()
	base := "http://" + s.HTTPAddr()
	var got []int64
	for _, u := range []struct{ url, host string }{{"/", "a.test"}, {"/?id=1", "a.test"}, {"/", "b.test"}, {"/x", "a.test"}, {"/", "a.test"}} {
		res, err := c.HTTP(ctx, base+u.url, u.host)
		if err != nil || res.Server == nil || res.Server.HTTP == nil {
			t.Fatalf("%s %s: %v %+v", u.host, u.url, err, res)
		}
		got = append(got, res.Server.HTTP.Served)
	}
	if want := []int64{1, 2, 1, 1, 3}; !slices.Equal(got, want) {
		t.Errorf("served %v, want %v", got, want)
	}
	s.served = map[string]int64{}
	for i := range maxServedKeys {
		s.count(fmt.Sprint(i), "/")
	}
	if n := s.count("new", "/"); n != 0 {
		t.Errorf("a pair past the bound counted %d, want 0", n)
	}
	if n := s.count("0", "/"); n != 2 {
		t.Errorf("a known pair past the bound counted %d, want 2", n)
	}

	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/", nil)
	req.Header.Set(HopHeader, "waf@10.0.0.253")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var rep Report
	if err := json.NewDecoder(resp.Body).Decode(&rep); err != nil || rep.HTTP == nil || rep.HTTP.Hops != "waf@10.0.0.253" {
		t.Errorf("hops: %v %+v", err, rep.HTTP)
	}
}

// Through HTTP: the bulk answer is read for its duration and measured; request latency over one
// kept-alive connection has a figure per request; a bulk answer is bounded by the server.
func TestHTTPBulkAndRRLoopback(t *testing.T) {
	s := startLoopback(t)
	c := loopbackClient(t)
	ctx := context.Background()
	b, err := c.HTTPBulk(ctx, "http://"+s.HTTPAddr()+"/", "echo.test", 300*time.Millisecond)
	if err != nil || b.Gbps <= 0 || b.BytesSent == 0 || b.Stopped != "duration" || b.Source == "" {
		t.Fatalf("bulk %+v: %v", b, err)
	}
	rr, err := c.HTTPRR(ctx, "http://"+s.HTTPAddr()+"/", "echo.test", 50, 3*time.Second)
	if err != nil || rr.Count != 50 || rr.P50Us <= 0 || rr.Server == nil || rr.Server.HTTP.Host != "echo.test" {
		t.Fatalf("rr %+v: %v", rr, err)
	}
	small, err := Start(ctx, ServerConfig{HTTPAddr: "127.0.0.1:0", Identity: testID, MaxBulkBytes: 1000})
	if err != nil {
		t.Fatal(err)
	}
	defer small.Close()
	b, err = c.HTTPBulk(ctx, "http://"+small.HTTPAddr()+"/", "", time.Second)
	if err != nil || b.BytesSent != 1000 || b.Stopped != "bytes" {
		t.Fatalf("a bounded bulk answer: %+v: %v", b, err)
	}
}
