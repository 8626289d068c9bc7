package probe

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// A relayed request makes the HTTP echo a hop of a chain (seed pattern 4: Web Pod -> WAS -> GPU):
// instead of answering, it appends itself to the hop header and sends the request on to the first
// leg of RelayHeader, with the rest of the legs, and passes back what comes back (streamed as it
// arrives). A hop that cannot reach its next leg answers 502 with a RelayStop naming itself and
// the leg; hops before it pass that answer back unchanged, so the client learns where the chain
// stopped. The server relays only when ServerConfig.Relay allows the next leg's address.
const (
	// RelayHeader holds the legs still to go: "URL HOST" each, comma-separated.
	RelayHeader = "X-Netlab-Relay"
	// RelayStopHeader marks an answer that is a RelayStop.
	RelayStopHeader = "X-Netlab-Relay-Stop"
	// maxRelayLegs bounds a chain.
	maxRelayLegs = 6
	// relayConnect and relayHeaders bound one hop's wait for its next leg: a hop nearer the end
	// answers its 502 before the hops before it give up.
	relayConnect = 3 * time.Second
	relayHeaders = 10 * time.Second
)

// RelayLeg is one leg of a chain: the URL to send to and the Host to send.
type RelayLeg struct {
	URL  string `json:"url"`
	Host string `json:"host,omitempty"`
}

func (l RelayLeg) String() string { return l.URL + " " + l.Host }

// RelayStop is the answer of a hop that could not go on: who it is (cluster/Pod), the source it
// saw the request come from, the leg it could not reach and why.
type RelayStop struct {
	Hop   string   `json:"hop"`
	From  string   `json:"from"`
	Leg   RelayLeg `json:"leg"`
	Error string   `json:"error"`
}

// relayStopBody is how a RelayStop travels, so that it is told from an echo report.
type relayStopBody struct {
	RelayStop RelayStop `json:"relayStop"`
}

// FormatRelay is the value of RelayHeader for legs.
func FormatRelay(legs []RelayLeg) string {
	parts := make([]string, len(legs))
	for i, l := range legs {
		parts[i] = l.String()
	}
	return strings.Join(parts, ",")
}

// ParseRelay reads RelayHeader's value: at most maxRelayLegs legs, each an http:// URL with a host
// and an optional Host.
func ParseRelay(v string) ([]RelayLeg, error) {
	var legs []RelayLeg
	for _, part := range strings.Split(v, ",") {
		f := strings.Fields(part)
		if len(f) < 1 || len(f) > 2 {
			return nil, fmt.Errorf("relay leg %q: want \"URL [HOST]\"", part)
		}
		u, err := url.Parse(f[0])
		if err != nil || u.Scheme != "http" || u.Host == "" {
			return nil, fmt.Errorf("relay leg %q: want an http:// URL with a host", part)
		}
		l := RelayLeg{URL: f[0]}
		if len(f) == 2 {
			l.Host = f[1]
		}
		legs = append(legs, l)
	}
	if len(legs) > maxRelayLegs {
		return nil, fmt.Errorf("%d relay legs: at most %d", len(legs), maxRelayLegs)
	}
	return legs, nil
}

// HopName is how a server names itself in the hop header: cluster/Pod, or the Pod alone.
func (id Identity) HopName() string {
	if id.ClusterName == "" {
		return id.PodName
	}
	return id.ClusterName + "/" + id.PodName
}

// relay sends r on to its first leg and passes the answer back (see RelayHeader).
func (s *Server) relay(w http.ResponseWriter, r *http.Request, remoteIP string) {
	me := s.cfg.Identity.HopName()
	legs, err := ParseRelay(r.Header.Get(RelayHeader))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	next, rest := legs[0], legs[1:]
	stop := func(err error) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set(RelayStopHeader, me)
		w.WriteHeader(http.StatusBadGateway)
		_ = json.NewEncoder(w).Encode(relayStopBody{RelayStop{Hop: me, From: remoteIP, Leg: next, Error: err.Error()}})
	}
	if s.cfg.Relay == nil {
		stop(errors.New("this server does not relay (no allowed ranges)"))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), relayHeaders+maxStreamTotal+5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, next.URL, nil)
	if err != nil {
		stop(err)
		return
	}
	if next.Host != "" {
		req.Host = next.Host
	}
	if a := r.Header.Get("Accept"); a != "" {
		req.Header.Set("Accept", a)
	}
	AppendHop(req.Header, r.Header.Get(HopHeader), HopEntry(me, remoteIP, r.Header.Get("X-Forwarded-For")))
	if len(rest) > 0 {
		req.Header.Set(RelayHeader, FormatRelay(rest))
	}
	guard := s.cfg.Relay
	tr := &http.Transport{
		Proxy: nil,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			ctx, cancel := context.WithTimeout(ctx, relayConnect)
			defer cancel()
			return guard.DialContext(ctx, network, addr)
		},
		ResponseHeaderTimeout: relayHeaders,
		DisableKeepAlives:     true,
	}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		stop(err)
		return
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 400 && resp.Header.Get(RelayStopHeader) == "" {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
		stop(fmt.Errorf("HTTP %d: %q", resp.StatusCode, strings.TrimSpace(string(b))))
		return
	}
	for _, h := range []string{"Content-Type", "Cache-Control", RelayStopHeader} {
		if v := resp.Header.Get(h); v != "" {
			w.Header().Set(h, v)
		}
	}
	w.WriteHeader(resp.StatusCode)
	fl, _ := w.(http.Flusher)
	buf := make([]byte, 32<<10)
	var total int64
	for total < 1<<20 {
		n, err := resp.Body.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return
			}
			total += int64(n)
			if fl != nil {
				fl.Flush()
			}
		}
		if err != nil {
			return
		}
	}
}

// AppendHop extends the hop header value prev with entry (HopEntry) into h.
func AppendHop(h http.Header, prev, entry string) {
	if prev != "" {
		entry = prev + "," + entry
	}
	h.Set(HopHeader, entry)
}

// HopEntry is one hop of the hop header: "name@source", and when proxies that do not write the
// hop header stood before it (an ingress controller, a load balancer), " via " and the addresses
// they saw, in order, as their X-Forwarded-For gave them.
func HopEntry(name, source, forwardedFor string) string {
	e := name + "@" + source
	var via []string
	for _, a := range strings.Split(forwardedFor, ",") {
		if a = strings.TrimSpace(a); a != "" {
			via = append(via, a)
		}
	}
	if len(via) > 0 {
		e += " via " + strings.Join(via, " ")
	}
	return e
}

// ParseHopEntry splits a HopEntry into its name, source and the addresses the proxies before it saw.
func ParseHopEntry(e string) (name, source string, via []string) {
	e, v, _ := strings.Cut(strings.TrimSpace(e), " via ")
	name, source, _ = strings.Cut(e, "@")
	return name, source, strings.Fields(v)
}
