package pemcert

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"strings"
	"testing"
	"time"
)

// A certificate comes back as it went in, surrounding space or not; anything else is refused.
func TestRoundTrip(t *testing.T) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "x"}, NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	s := Encode(der)
	for _, in := range []string{s, "\n  " + s + "\n"} {
		c, err := Parse(in)
		if err != nil || c.Subject.CommonName != "x" || c.SerialNumber.Int64() != 7 {
			t.Fatalf("round trip: %v %v", c, err)
		}
	}
	for _, bad := range []string{"", "not pem", strings.Replace(s, "CERTIFICATE", "PRIVATE KEY", 2)} {
		if _, err := Parse(bad); err == nil || err.Error() != "not a PEM certificate" {
			t.Errorf("Parse(%.20q) = %v", bad, err)
		}
	}
}
