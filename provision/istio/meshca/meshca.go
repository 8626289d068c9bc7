// Package meshca makes a mesh's root of trust: one root CA and one intermediate CA per cluster,
// shaped as Istio's plug-in CA expects (the `cacerts` secret istiod reads at start-up). Every
// workload certificate a cluster's istiod signs then chains to the one root, so workloads of
// different clusters accept each other's mTLS identities (the failure of istio#40891 and #39930
// is two clusters each with its own self-signed root).
//
// The CA is made once per lab and kept in the lab's state directory: a second 'netlab up'
// reuses it, and istiod's identities do not rotate under running workloads.
package meshca

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
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

// The names of the cacerts secret's keys, as istiod reads them (Istio's "plugged-in CA").
const (
	SecretName     = "cacerts"
	KeyCACert      = "ca-cert.pem"    // the cluster's intermediate CA certificate
	KeyCAKey       = "ca-key.pem"     // its private key
	KeyRootCert    = "root-cert.pem"  // the mesh's root
	KeyCertChain   = "cert-chain.pem" // intermediate, then root
	IstiodSAN      = "istiod.istio-system.svc"
	organization   = "netlab"
	rootValidity   = 10 * 365 * 24 * time.Hour
	interValidity  = 5 * 365 * 24 * time.Hour
	rsaBits        = 2048
	clockSkewGrace = time.Hour
)

// CA is a mesh's root and its clusters' intermediates, PEM-encoded.
type CA struct {
	Mesh          string                  `json:"mesh"`
	RootCert      string                  `json:"rootCert"`
	RootKey       string                  `json:"rootKey"`
	Intermediates map[string]Intermediate `json:"intermediates"` // by cluster name
}

// Intermediate is one cluster's signing CA.
type Intermediate struct {
	Cert string `json:"cert"`
	Key  string `json:"key"`
}

// New makes a root for mesh and an intermediate for each cluster, valid from now (less an hour
// of clock skew). random is the entropy source (crypto/rand.Reader outside tests).
func New(mesh string, clusters []string, now time.Time, random io.Reader) (*CA, error) {
	if mesh == "" {
		return nil, errors.New("mesh CA: no mesh name")
	}
	rootKey, err := rsa.GenerateKey(random, rsaBits)
	if err != nil {
		return nil, fmt.Errorf("mesh CA: root key: %w", err)
	}
	root := &x509.Certificate{
		Subject:               pkix.Name{CommonName: "netlab root CA " + mesh, Organization: []string{organization}},
		NotBefore:             now.Add(-clockSkewGrace),
		NotAfter:              now.Add(rootValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	rootDER, err := sign(root, root, &rootKey.PublicKey, rootKey, random)
	if err != nil {
		return nil, fmt.Errorf("mesh CA: root: %w", err)
	}
	ca := &CA{Mesh: mesh, RootCert: pemcert.Encode(rootDER), RootKey: encodeKey(rootKey), Intermediates: map[string]Intermediate{}}
	if err := ca.Add(clusters, now, random); err != nil {
		return nil, err
	}
	return ca, nil
}

// Add makes intermediates for the clusters that have none yet (a cluster added to the scenario);
// existing ones are kept.
func (ca *CA) Add(clusters []string, now time.Time, random io.Reader) error {
	rootCert, rootKey, err := ca.root()
	if err != nil {
		return err
	}
	for _, cl := range clusters {
		if cl == "" {
			return errors.New("mesh CA: a cluster without a name")
		}
		if _, ok := ca.Intermediates[cl]; ok {
			continue
		}
		key, err := rsa.GenerateKey(random, rsaBits)
		if err != nil {
			return fmt.Errorf("mesh CA: key for cluster %s: %w", cl, err)
		}
		tmpl := &x509.Certificate{
			Subject: pkix.Name{CommonName: "netlab intermediate CA " + cl, Organization: []string{organization},
				Locality: []string{cl}},
			NotBefore:             now.Add(-clockSkewGrace),
			NotAfter:              minTime(now.Add(interValidity), rootCert.NotAfter),
			KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
			BasicConstraintsValid: true,
			IsCA:                  true,
			MaxPathLenZero:        true, // signs workload certificates only, never another CA
			DNSNames:              []string{IstiodSAN},
		}
		der, err := sign(tmpl, rootCert, &key.PublicKey, rootKey, random)
		if err != nil {
			return fmt.Errorf("mesh CA: intermediate for cluster %s: %w", cl, err)
		}
		ca.Intermediates[cl] = Intermediate{Cert: pemcert.Encode(der), Key: encodeKey(key)}
	}
	return nil
}

// SecretData is the data of cluster's cacerts secret (istio-system/cacerts).
func (ca *CA) SecretData(cluster string) (map[string][]byte, error) {
	in, ok := ca.Intermediates[cluster]
	if !ok {
		return nil, fmt.Errorf("mesh CA %s has no intermediate for cluster %s", ca.Mesh, cluster)
	}
	return map[string][]byte{
		KeyCACert:    []byte(in.Cert),
		KeyCAKey:     []byte(in.Key),
		KeyRootCert:  []byte(ca.RootCert),
		KeyCertChain: []byte(in.Cert + ca.RootCert),
	}, nil
}

// Clusters lists the clusters with an intermediate, sorted.
func (ca *CA) Clusters() []string {
	out := make([]string, 0, len(ca.Intermediates))
	for cl := range ca.Intermediates {
		out = append(out, cl)
	}
	slices.Sort(out)
	return out
}

// Marshal encodes the CA for the lab's state directory.
func (ca *CA) Marshal() ([]byte, error) { return json.MarshalIndent(ca, "", "  ") }

// Unmarshal decodes a CA kept by Marshal and checks that it is whole: the root parses and
// every intermediate chains to it.
func Unmarshal(data []byte) (*CA, error) {
	var ca CA
	if err := json.Unmarshal(data, &ca); err != nil {
		return nil, fmt.Errorf("mesh CA: %w", err)
	}
	if ca.Intermediates == nil {
		ca.Intermediates = map[string]Intermediate{}
	}
	if err := ca.Verify(time.Now()); err != nil {
		return nil, err
	}
	return &ca, nil
}

// Verify checks, at time at, that each intermediate chains to the root, may sign certificates
// and names istiod, and that each private key belongs to its certificate.
func (ca *CA) Verify(at time.Time) error {
	rootCert, rootKey, err := ca.root()
	if err != nil {
		return err
	}
	if !rootCert.IsCA || !publicKeyMatches(rootCert, rootKey) {
		return fmt.Errorf("mesh CA %s: the root certificate is not a CA, or not the root key's", ca.Mesh)
	}
	roots := x509.NewCertPool()
	roots.AddCert(rootCert)
	for _, cl := range ca.Clusters() {
		in := ca.Intermediates[cl]
		cert, err := pemcert.Parse(in.Cert)
		if err != nil {
			return fmt.Errorf("mesh CA %s, cluster %s: %w", ca.Mesh, cl, err)
		}
		key, err := parseKey(in.Key)
		if err != nil {
			return fmt.Errorf("mesh CA %s, cluster %s: %w", ca.Mesh, cl, err)
		}
		if !publicKeyMatches(cert, key) {
			return fmt.Errorf("mesh CA %s, cluster %s: the intermediate's key does not match its certificate", ca.Mesh, cl)
		}
		if !cert.IsCA || cert.KeyUsage&x509.KeyUsageCertSign == 0 {
			return fmt.Errorf("mesh CA %s, cluster %s: the intermediate may not sign certificates", ca.Mesh, cl)
		}
		if _, err := cert.Verify(x509.VerifyOptions{Roots: roots, CurrentTime: at, DNSName: IstiodSAN,
			KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
			return fmt.Errorf("mesh CA %s, cluster %s: the intermediate does not verify against the root: %w", ca.Mesh, cl, err)
		}
	}
	return nil
}

func (ca *CA) root() (*x509.Certificate, *rsa.PrivateKey, error) {
	cert, err := pemcert.Parse(ca.RootCert)
	if err != nil {
		return nil, nil, fmt.Errorf("mesh CA %s: root: %w", ca.Mesh, err)
	}
	key, err := parseKey(ca.RootKey)
	if err != nil {
		return nil, nil, fmt.Errorf("mesh CA %s: root: %w", ca.Mesh, err)
	}
	return cert, key, nil
}

func sign(tmpl, parent *x509.Certificate, pub crypto.PublicKey, signer crypto.Signer, random io.Reader) ([]byte, error) {
	serial, err := rand.Int(random, new(big.Int).Lsh(big.NewInt(1), 126))
	if err != nil {
		return nil, err
	}
	tmpl.SerialNumber = serial.Add(serial, big.NewInt(1))
	return x509.CreateCertificate(random, tmpl, parent, pub, signer)
}

// encodeKey writes PKCS #1, which istiod's key parser reads (as it does PKCS #8 and EC keys).
func encodeKey(k *rsa.PrivateKey) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}))
}

func parseKey(s string) (*rsa.PrivateKey, error) {
	b, _ := pem.Decode([]byte(s))
	if b == nil || b.Type != "RSA PRIVATE KEY" {
		return nil, errors.New("no PEM RSA private key")
	}
	return x509.ParsePKCS1PrivateKey(b.Bytes)
}

func publicKeyMatches(cert *x509.Certificate, key *rsa.PrivateKey) bool {
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	return ok && pub.Equal(&key.PublicKey)
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
