// Package waf is the DMZ's web application firewall of seed pattern 4: Coraza v3 (a Go WAF engine
// that reads ModSecurity's rule language) with the OWASP Core Rule Set v4 embedded in its Go
// package, in front of a reverse proxy to one upstream. It runs in netlab's own image ('netlab
// waf'): the Coraza hosts that would be a "real proxy" here (coraza-caddy, Traefik's Coraza
// plugin) are not available as Go packages this project can build.
//
// One process serves two listeners on the same upstream: the guarded one with the rule engine
// On, and, for a check's negative control, the same proxy with the engine Off. Every request that
// passes gets the hop header (X-Netlab-Hops) extended with this hop and the address it came from.
package waf

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"sync/atomic"

	coreruleset "github.com/corazawaf/coraza-coreruleset/v4"
	"github.com/corazawaf/coraza/v3"
	txhttp "github.com/corazawaf/coraza/v3/http"

	"github.com/netlab-dev/netlab/probe"
)

// HopHeader is the header each hop of a chain appends "name@source-address" to, comma-separated.
const HopHeader = probe.HopHeader

// CRSVersion is the Core Rule Set's version (the coraza-coreruleset module's).
const CRSVersion = "v4.25.0"

// Counters are what a WAF has done since it started: requests seen, and those it passed to the
// upstream (the rest it refused).
type Counters struct {
	Seen, Passed atomic.Int64
}

// Blocked is how many requests the WAF refused.
func (c *Counters) Blocked() int64 { return c.Seen.Load() - c.Passed.Load() }

// Count is a reading of Counters.
func (c *Counters) Count() Count {
	seen, passed := c.Seen.Load(), c.Passed.Load()
	return Count{Seen: seen, Passed: passed, Blocked: seen - passed}
}

// Count is what one listener of the WAF has done: requests seen, passed to the upstream, refused.
type Count struct {
	Seen    int64 `json:"seen"`
	Passed  int64 `json:"passed"`
	Blocked int64 `json:"blocked"`
}

// Snapshot is what 'netlab waf' serves on its counters address (JSON): both listeners' counts.
type Snapshot struct {
	On  Count `json:"on"`
	Off Count `json:"off"`
}

// Directives are the rule configuration for engine On or Off: Coraza's recommended base, the
// CRS's setup example (paranoia level 1, anomaly threshold 5: one critical rule blocks) and every
// CRS rule; the engine line comes last so that it wins.
func Directives(on bool) string {
	engine := "SecRuleEngine Off"
	if on {
		engine = "SecRuleEngine On"
	}
	return strings.Join([]string{
		"Include @coraza.conf-recommended",
		"Include @crs-setup.conf.example",
		"Include @owasp_crs/*.conf",
		// The response body is not inspected: the backends are the lab's own echo servers.
		"SecResponseBodyAccess Off",
		engine,
	}, "\n")
}

// New is the WAF for upstream (http://host:port) with the rule engine on or off, and its
// counters. name is this hop's name in the hop header.
func New(upstream, name string, on bool) (http.Handler, *Counters, error) {
	u, err := url.Parse(upstream)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return nil, nil, fmt.Errorf("waf: upstream %q: want http://host:port", upstream)
	}
	// Coraza checks that it can write to the temporary directory, which a FROM scratch image
	// (netlab's own) does not have: make it.
	if err := os.MkdirAll(os.TempDir(), 0o1777); err != nil {
		return nil, nil, fmt.Errorf("waf: the temporary directory: %w", err)
	}
	w, err := coraza.NewWAF(coraza.NewWAFConfig().WithRootFS(coreruleset.FS).WithDirectives(Directives(on)))
	if err != nil {
		return nil, nil, fmt.Errorf("waf: the rules: %w", err)
	}
	c := &Counters{}
	proxy := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(u)
			r.Out.Host = r.In.Host // the Host decides the route behind the DMZ load balancer
			r.SetXForwarded()
			AppendHop(r.Out.Header, name, r.In.RemoteAddr)
		},
	}
	counted := http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		c.Passed.Add(1)
		proxy.ServeHTTP(rw, r)
	})
	guarded := txhttp.WrapHandler(w, counted)
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		c.Seen.Add(1)
		guarded.ServeHTTP(rw, r)
	}), c, nil
}

// AppendHop adds "name@host" (the address a request came from, remote without its port) to h's
// hop header.
func AppendHop(h http.Header, name, remote string) {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	probe.AppendHop(h, h.Get(HopHeader), probe.HopEntry(name, host, ""))
}
