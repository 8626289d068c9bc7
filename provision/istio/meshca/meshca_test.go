package meshca

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/netlab-dev/netlab/internal/pemcert"
)

var now = time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)

func newCA(t *testing.T, mesh string, clusters ...string) *CA {
	t.Helper()
	ca, err := New(mesh, clusters, now, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return ca
}

// workload signs a leaf the way istiod does: a SPIFFE URI, client and server auth, with the
// cluster's intermediate from its cacerts secret.
func workload(t *testing.T, data map[string][]byte, spiffe string) *x509.Certificate {
	t.Helper()
	caCert, err := pemcert.Parse(string(data[KeyCACert]))
	if err != nil {
		t.Fatal(err)
	}
	caKey, err := parseKey(string(data[KeyCAKey]))
	if err != nil {
		t.Fatal(err)
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(spiffe)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(7),
		NotBefore:    now.Add(-time.Minute),
		NotAfter:     now.Add(24 * time.Hour),
		URIs:         []*url.URL{u},
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return leaf
}

// verifyFrom verifies leaf as a peer in another cluster does: against that cluster's
// root-cert.pem, with the intermediates the peer sends (its cert-chain.pem).
func verifyFrom(leaf *x509.Certificate, peer, verifier map[string][]byte) error {
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(verifier[KeyRootCert])
	inters := x509.NewCertPool()
	inters.AppendCertsFromPEM(peer[KeyCertChain])
	_, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inters, CurrentTime: now,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	return err
}

func TestWorkloadsOfTwoClustersTrustEachOther(t *testing.T) {
	ca := newCA(t, "mesh1", "east", "west")
	east, err := ca.SecretData("east")
	if err != nil {
		t.Fatal(err)
	}
	west, err := ca.SecretData("west")
	if err != nil {
		t.Fatal(err)
	}
	leaf := workload(t, east, "spiffe://cluster.local/ns/netlab/sa/client")
	if err := verifyFrom(leaf, east, west); err != nil {
		t.Fatalf("a workload of east does not verify in west: %v", err)
	}
	leaf = workload(t, west, "spiffe://cluster.local/ns/netlab/sa/server")
	if err := verifyFrom(leaf, west, east); err != nil {
		t.Fatalf("a workload of west does not verify in east: %v", err)
	}
}

// The failure this package exists to prevent: two clusters, each with a root of its own.
func TestSeparateRootsDoNotTrustEachOther(t *testing.T) {
	east, err := newCA(t, "mesh1", "east").SecretData("east")
	if err != nil {
		t.Fatal(err)
	}
	west, err := newCA(t, "mesh1", "west").SecretData("west")
	if err != nil {
		t.Fatal(err)
	}
	leaf := workload(t, east, "spiffe://cluster.local/ns/netlab/sa/client")
	if err := verifyFrom(leaf, east, west); err == nil {
		t.Fatal("a workload signed under another root verified")
	}
}

func TestShapeIstiodExpects(t *testing.T) {
	ca := newCA(t, "mesh1", "east")
	data, err := ca.SecretData("east")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{KeyCACert, KeyCAKey, KeyRootCert, KeyCertChain} {
		if len(data[k]) == 0 {
			t.Errorf("cacerts lacks %s", k)
		}
	}
	if len(data) != 4 {
		t.Errorf("cacerts has %d keys, want 4", len(data))
	}
	// cert-chain.pem: the intermediate first, then the root.
	var chain []*x509.Certificate
	rest := data[KeyCertChain]
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		chain = append(chain, c)
	}
	if len(chain) != 2 {
		t.Fatalf("cert-chain.pem holds %d certificates, want 2", len(chain))
	}
	inter, root := chain[0], chain[1]
	if string(data[KeyCACert]) != string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: inter.Raw})) {
		t.Error("cert-chain.pem does not start with ca-cert.pem")
	}
	if !root.IsCA || root.KeyUsage&x509.KeyUsageCertSign == 0 || root.CheckSignatureFrom(root) != nil {
		t.Errorf("root: CA %v, usage %b, self-signed %v", root.IsCA, root.KeyUsage, root.CheckSignatureFrom(root) == nil)
	}
	if !inter.IsCA || inter.KeyUsage&x509.KeyUsageCertSign == 0 || inter.MaxPathLen != 0 || !inter.MaxPathLenZero {
		t.Errorf("intermediate: CA %v, usage %b, path length %d (zero set %v)", inter.IsCA, inter.KeyUsage, inter.MaxPathLen, inter.MaxPathLenZero)
	}
	if len(inter.DNSNames) != 1 || inter.DNSNames[0] != IstiodSAN {
		t.Errorf("intermediate SANs %v, want [%s]", inter.DNSNames, IstiodSAN)
	}
	if inter.CheckSignatureFrom(root) != nil {
		t.Error("the intermediate is not signed by the root")
	}
	if inter.NotAfter.After(root.NotAfter) || inter.NotBefore.After(now) {
		t.Errorf("intermediate valid %s to %s, root to %s, now %s", inter.NotBefore, inter.NotAfter, root.NotAfter, now)
	}
	if !strings.Contains(inter.Subject.CommonName, "east") || !strings.Contains(root.Subject.CommonName, "mesh1") {
		t.Errorf("subjects %q and %q do not name the cluster and the mesh", inter.Subject, root.Subject)
	}
}

// pathlen 0: a cluster's intermediate cannot mint another CA that peers would accept.
func TestIntermediateCannotSignACA(t *testing.T) {
	ca := newCA(t, "mesh1", "east")
	data, _ := ca.SecretData("east")
	inter, _ := pemcert.Parse(string(data[KeyCACert]))
	interKey, _ := parseKey(string(data[KeyCAKey]))
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	sub := &x509.Certificate{SerialNumber: big.NewInt(9), Subject: pkix.Name{CommonName: "rogue"},
		NotBefore: now.Add(-time.Minute), NotAfter: now.Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, sub, inter, &key.PublicKey, interKey)
	if err != nil {
		t.Fatal(err)
	}
	rogue, _ := x509.ParseCertificate(der)
	leaf := workload(t, map[string][]byte{
		KeyCACert: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		KeyCAKey:  []byte(encodeKey(key)),
	}, "spiffe://cluster.local/ns/x/sa/y")
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(data[KeyRootCert])
	inters := x509.NewCertPool()
	inters.AddCert(inter)
	inters.AddCert(rogue)
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inters, CurrentTime: now,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err == nil {
		t.Fatal("a CA minted by a cluster's intermediate was accepted")
	}
}

func TestKeptAcrossRunsAndExtended(t *testing.T) {
	ca := newCA(t, "mesh1", "east")
	data, err := ca.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	again, err := Unmarshal(data)
	if err != nil {
		t.Fatal(err)
	}
	if again.RootCert != ca.RootCert || again.Intermediates["east"] != ca.Intermediates["east"] {
		t.Fatal("the CA changed across Marshal and Unmarshal")
	}
	if err := again.Add([]string{"east", "west"}, now, rand.Reader); err != nil {
		t.Fatal(err)
	}
	if again.Intermediates["east"] != ca.Intermediates["east"] {
		t.Error("Add replaced an existing intermediate")
	}
	if got := again.Clusters(); len(got) != 2 || got[0] != "east" || got[1] != "west" {
		t.Errorf("clusters %v", got)
	}
	if err := again.Verify(now); err != nil {
		t.Errorf("extended CA: %v", err)
	}
	if _, err := again.SecretData("north"); err == nil || !strings.Contains(err.Error(), "north") {
		t.Errorf("a cluster without an intermediate: %v", err)
	}
}

func TestUnmarshalRefusesADamagedCA(t *testing.T) {
	ca := newCA(t, "mesh1", "east", "west")
	swapped := *ca
	swapped.Intermediates = map[string]Intermediate{
		"east": {Cert: ca.Intermediates["east"].Cert, Key: ca.Intermediates["west"].Key},
		"west": ca.Intermediates["west"],
	}
	other := newCA(t, "mesh1", "east")
	foreign := *ca
	foreign.Intermediates = map[string]Intermediate{"east": other.Intermediates["east"]}
	for name, c := range map[string]*CA{"keys swapped": &swapped, "another root's intermediate": &foreign} {
		data, err := c.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Unmarshal(data); err == nil || !strings.Contains(err.Error(), "east") {
			t.Errorf("%s: Unmarshal said %v", name, err)
		}
	}
	if _, err := Unmarshal([]byte("{")); err == nil {
		t.Error("Unmarshal took broken JSON")
	}
}

func TestNewRefusesMissingNames(t *testing.T) {
	if _, err := New("", []string{"a"}, now, rand.Reader); err == nil {
		t.Error("no mesh name accepted")
	}
	if _, err := New("m", []string{""}, now, rand.Reader); err == nil {
		t.Error("an unnamed cluster accepted")
	}
}
