package probe

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

func startRelay(t *testing.T, cluster, pod string, relay bool) *Server {
	t.Helper()
	cfg := ServerConfig{HTTPAddr: "127.0.0.1:0", Identity: Identity{ClusterName: cluster, PodName: pod, Hostname: pod}}
	if relay {
		g, err := NewGuard()
		if err != nil {
			t.Fatal(err)
		}
		cfg.Relay = g
	}
	s, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// A request relayed web -> was -> gpu is answered by gpu, which reports every hop before it with
// the source each saw; a streamed answer comes back chunk by chunk through the relays.
func TestRelayChain(t *testing.T) {
	web, was, gpu := startRelay(t, "web", "w-1", true), startRelay(t, "was", "a-1", true), startRelay(t, "gpu", "g-1", false)
	c := loopbackClient(t)
	legs := []RelayLeg{{URL: "http://" + was.HTTPAddr() + "/chat", Host: "was.test"}, {URL: "http://" + gpu.HTTPAddr() + "/v1/generate?chunks=3&intervalMs=150", Host: "gpu.test"}}
	res, err := c.Chain(context.Background(), "http://"+web.HTTPAddr()+"/", "web.test", legs, false)
	if err != nil || !res.OK || res.Server == nil || res.Server.HTTP == nil {
		t.Fatalf("chain: %v %+v", err, res)
	}
	h := res.Server.HTTP
	if res.Server.Server.ClusterName != "gpu" || h.Host != "gpu.test" || h.Path != "/v1/generate" || h.Hops != "web/w-1@127.0.0.1,was/a-1@127.0.0.1" {
		t.Errorf("the last hop saw %+v from %s", h, res.Server.Server.HopName())
	}

	// A proxy before web (X-Forwarded-For) shows in web's entry, after " via ".
	req, _ := http.NewRequest(http.MethodGet, "http://"+web.HTTPAddr()+"/", nil)
	req.Header.Set(RelayHeader, FormatRelay(legs))
	req.Header.Set("X-Forwarded-For", "10.0.0.253, 10.0.0.251")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var rep Report
	_ = json.NewDecoder(resp.Body).Decode(&rep)
	resp.Body.Close()
	if rep.HTTP == nil || rep.HTTP.Hops != "web/w-1@127.0.0.1 via 10.0.0.253 10.0.0.251,was/a-1@127.0.0.1" {
		t.Errorf("hops with a proxy before: %+v", rep.HTTP)
	}
	if n, src, via := ParseHopEntry("web/w-1@127.0.0.1 via 10.0.0.253 10.0.0.251"); n != "web/w-1" || src != "127.0.0.1" || !slices.Equal(via, []string{"10.0.0.253", "10.0.0.251"}) {
		t.Errorf("ParseHopEntry: %q %q %q", n, src, via)
	}

	res, err = c.Chain(context.Background(), "http://"+web.HTTPAddr()+"/", "web.test", legs, true)
	if err != nil || !res.OK || res.Stream == nil || res.Stream.Chunks != 3 {
		t.Fatalf("streamed chain: %v %+v", err, res)
	}
	if at := res.Stream.AtMillis; at[2]-at[0] < 200 {
		t.Errorf("chunks at %v ms: the relays held them back", at)
	}
}

// A hop that cannot reach its next leg answers 502 naming itself, the source it saw and the leg;
// the hops before pass it back; a server without allowed ranges does not relay.
func TestRelayStop(t *testing.T) {
	web, was := startRelay(t, "web", "w-1", true), startRelay(t, "was", "a-1", true)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	c := loopbackClient(t)
	c.Timeout = 15 * time.Second
	legs := []RelayLeg{{URL: "http://" + was.HTTPAddr() + "/"}, {URL: "http://" + closed + "/", Host: "gpu.test"}}
	res, err := c.Chain(context.Background(), "http://"+web.HTTPAddr()+"/", "", legs, true)
	if err == nil || res.OK || res.HTTPStatus != 502 || res.RelayStop == nil {
		t.Fatalf("a broken chain: %v %+v", err, res)
	}
	if s := res.RelayStop; s.Hop != "was/a-1" || s.From != "127.0.0.1" || s.Leg.URL != "http://"+closed+"/" || !strings.Contains(s.Error, "refused") {
		t.Errorf("stop %+v", s)
	}

	plain := startRelay(t, "web", "w-2", false)
	res, _ = c.Chain(context.Background(), "http://"+plain.HTTPAddr()+"/", "", legs, false)
	if res.RelayStop == nil || res.RelayStop.Hop != "web/w-2" || !strings.Contains(res.RelayStop.Error, "does not relay") {
		t.Errorf("a server that does not relay: %+v", res)
	}

	for _, bad := range []string{"ftp://x/", "http:// a b c", strings.Repeat("http://127.0.0.1/,", 7) + "http://127.0.0.1/"} {
		if _, err := ParseRelay(bad); err == nil {
			t.Errorf("ParseRelay(%q) accepted", bad)
		}
	}
}
