// Package labca is a lab's own certificate authority: a root made once per lab and kept in its
// state (labstate, file File), and the server certificates netlab issues from it for what a lab
// serves over TLS (the check Ingress's hosts). Nothing of it leaves the machine; no ACME.
package labca

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"slices"
	"time"

	"github.com/netlab-dev/netlab/internal/pemcert"
)

// File is the CA's file in the lab's state directory.
const File = "lab-ca.json"

const (
	rootLifetime = 10 * 365 * 24 * time.Hour
	leafLifetime = 365 * 24 * time.Hour
	// renewBefore: a leaf this close to its end is issued anew.
	renewBefore = 30 * 24 * time.Hour
)

// CA is the lab's root and the leaves issued from it, by the key their user gives them.
type CA struct {
	Lab     string          `json:"lab"`
	CertPEM string          `json:"cert"`
	KeyPEM  string          `json:"key"`
	Leaves  map[string]Leaf `json:"leaves,omitempty"`
}

// Leaf is a server certificate and its key, PEM.
type Leaf struct {
	Names   []string `json:"names"`
	CertPEM string   `json:"cert"`
	KeyPEM  string   `json:"key"`
}

// New makes a lab's root: ECDSA P-256, valid for ten years from now.
func New(lab string, now time.Time, random io.Reader) (*CA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), random)
	if err != nil {
		return nil, err
	}
	serial, err := serialNumber(random)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "netlab lab CA " + lab, Organization: []string{"netlab"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(rootLifetime),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(random, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	keyPEM, err := encodeKey(key)
	if err != nil {
		return nil, err
	}
	return &CA{Lab: lab, CertPEM: pemcert.Encode(der), KeyPEM: keyPEM}, nil
}

// Leaf returns the leaf kept under id when it names exactly names and is not near its end;
// otherwise it issues one (ECDSA P-256, a year, serverAuth, the names as DNS SANs), keeps it under
// id and reports that the CA changed (the caller saves it).
func (ca *CA) Leaf(id string, names []string, now time.Time, random io.Reader) (Leaf, bool, error) {
	want := slices.Clone(names)
	slices.Sort(want)
	if l, ok := ca.Leaves[id]; ok && slices.Equal(l.Names, want) {
		if c, err := parseCert(l.CertPEM); err == nil && now.Add(renewBefore).Before(c.NotAfter) && ca.Verify([]byte(l.CertPEM), want[0], now) == nil {
			return l, false, nil
		}
	}
	if len(want) == 0 {
		return Leaf{}, false, errors.New("labca: a leaf needs at least one name")
	}
	root, rootKey, err := ca.root()
	if err != nil {
		return Leaf{}, false, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), random)
	if err != nil {
		return Leaf{}, false, err
	}
	serial, err := serialNumber(random)
	if err != nil {
		return Leaf{}, false, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: want[0], Organization: []string{"netlab"}},
		DNSNames:     want,
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     minTime(now.Add(leafLifetime), root.NotAfter),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(random, tmpl, root, &key.PublicKey, rootKey)
	if err != nil {
		return Leaf{}, false, err
	}
	keyPEM, err := encodeKey(key)
	if err != nil {
		return Leaf{}, false, err
	}
	l := Leaf{Names: want, CertPEM: pemcert.Encode(der), KeyPEM: keyPEM}
	if ca.Leaves == nil {
		ca.Leaves = map[string]Leaf{}
	}
	ca.Leaves[id] = l
	return l, true, nil
}

// Verify checks that the PEM certificate leaf chains to the lab's root and names name, at at.
func (ca *CA) Verify(leaf []byte, name string, at time.Time) error {
	root, err := parseCert(ca.CertPEM)
	if err != nil {
		return err
	}
	c, err := parseCert(string(leaf))
	if err != nil {
		return err
	}
	pool := x509.NewCertPool()
	pool.AddCert(root)
	_, err = c.Verify(x509.VerifyOptions{Roots: pool, DNSName: name, CurrentTime: at, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	return err
}

// Subject is the root's subject, as a client shows a certificate's issuer.
func (ca *CA) Subject() string {
	root, err := parseCert(ca.CertPEM)
	if err != nil {
		return ""
	}
	return root.Subject.String()
}

// Marshal and Unmarshal are the CA's form in the lab's state.
func (ca *CA) Marshal() ([]byte, error) { return json.MarshalIndent(ca, "", "  ") }

// Unmarshal reads a CA and checks that its key is its certificate's.
func Unmarshal(data []byte) (*CA, error) {
	var ca CA
	if err := json.Unmarshal(data, &ca); err != nil {
		return nil, fmt.Errorf("labca: %w", err)
	}
	if _, _, err := ca.root(); err != nil {
		return nil, err
	}
	return &ca, nil
}

func (ca *CA) root() (*x509.Certificate, *ecdsa.PrivateKey, error) {
	c, err := parseCert(ca.CertPEM)
	if err != nil {
		return nil, nil, err
	}
	b, _ := pem.Decode([]byte(ca.KeyPEM))
	if b == nil {
		return nil, nil, errors.New("labca: the root's key is not PEM")
	}
	k, err := x509.ParseECPrivateKey(b.Bytes)
	if err != nil {
		return nil, nil, fmt.Errorf("labca: the root's key: %w", err)
	}
	if !k.PublicKey.Equal(c.PublicKey) {
		return nil, nil, errors.New("labca: the root's key is not its certificate's")
	}
	return c, k, nil
}

func serialNumber(random io.Reader) (*big.Int, error) {
	return rand.Int(random, new(big.Int).Lsh(big.NewInt(1), 127))
}

func encodeKey(k *ecdsa.PrivateKey) (string, error) {
	der, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		return "", err
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})), nil
}

// parseCert is pemcert.Parse with this package's name on its error.
func parseCert(s string) (*x509.Certificate, error) {
	c, err := pemcert.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("labca: %w", err)
	}
	return c, nil
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
