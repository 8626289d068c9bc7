package probe

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// An https:// call sends the Host header and the TLS server name it is given, and reports the
// certificate the server presented without trusting it (the caller verifies it): here an
// httptest server's own certificate, which no root of this machine vouches for.
func TestHTTPSReportsTheServerCertificate(t *testing.T) {
	var sni string
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(Report{Proto: "http", HTTP: &HTTPSeen{Method: r.Method, Host: r.Host, Path: r.URL.Path}})
	}))
	srv.TLS = &tls.Config{GetConfigForClient: func(h *tls.ClientHelloInfo) (*tls.Config, error) { sni = h.ServerName; return nil, nil }}
	srv.StartTLS()
	defer srv.Close()
	c := loopbackClient(t)
	res, err := c.HTTP(context.Background(), srv.URL+"/v1/x", "echo.c1.netlab.test")
	if err != nil || !res.OK || res.HTTPStatus != 200 {
		t.Fatalf("https: %v %+v", err, res)
	}
	if sni != "echo.c1.netlab.test" || res.Server.HTTP.Host != "echo.c1.netlab.test" || res.Server.HTTP.Path != "/v1/x" {
		t.Errorf("SNI %q, Host %q, path %q", sni, res.Server.HTTP.Host, res.Server.HTTP.Path)
	}
	leaf := srv.Certificate()
	if res.TLS == nil || !strings.HasPrefix(res.TLS.LeafPEM, "-----BEGIN CERTIFICATE-----") || res.TLS.Issuer != leaf.Issuer.String() ||
		res.TLS.ServerName != "echo.c1.netlab.test" || !strings.HasPrefix(res.TLS.Version, "TLS 1.") {
		t.Fatalf("TLS seen: %+v", res.TLS)
	}
	// Plain http reports no TLS.
	plain := httptest.NewServer(srv.Config.Handler)
	defer plain.Close()
	if res, err := c.HTTP(context.Background(), plain.URL+"/", ""); err != nil || res.TLS != nil {
		t.Fatalf("http: %v, TLS %+v", err, res.TLS)
	}
	// Other schemes are refused.
	if _, err := c.HTTP(context.Background(), "ftp://127.0.0.1/", ""); !IsRefused(err) {
		t.Errorf("ftp: %v", err)
	}
}
