// Package pemcert writes and reads X.509 certificates as PEM, for netlab's two certificate
// authorities (labca, the lab's; meshca, Istio's).
package pemcert

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"strings"
)

// Encode is DER certificate bytes as one PEM CERTIFICATE block.
func Encode(der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

// Parse reads the first PEM block of s (space around it ignored), which must be a CERTIFICATE.
func Parse(s string) (*x509.Certificate, error) {
	b, _ := pem.Decode([]byte(strings.TrimSpace(s)))
	if b == nil || b.Type != "CERTIFICATE" {
		return nil, errors.New("not a PEM certificate")
	}
	return x509.ParseCertificate(b.Bytes)
}
