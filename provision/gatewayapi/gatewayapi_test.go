package gatewayapi

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const twoCRDs = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gateways.gateway.networking.k8s.io
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: httproutes.gateway.networking.k8s.io
`

func digest(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func TestParse(t *testing.T) {
	objs, err := parse("b.yaml", []byte(twoCRDs), digest(twoCRDs))
	if err != nil || len(objs) != 2 || objs[1].GetName() != "httproutes.gateway.networking.k8s.io" {
		t.Fatalf("%v %v", objs, err)
	}
	// Another file, even one byte, is refused, naming the way back.
	if _, err := parse("b.yaml", []byte(twoCRDs+"#"), digest(twoCRDs)); err == nil || !strings.Contains(err.Error(), BuildCommand) {
		t.Fatalf("changed file: %v", err)
	}
	other := strings.Replace(twoCRDs, "kind: CustomResourceDefinition\nmetadata:\n  name: httproutes", "kind: ConfigMap\nmetadata:\n  name: httproutes", 1)
	if _, err := parse("b.yaml", []byte(other), digest(other)); err == nil {
		t.Fatal("a ConfigMap was taken for a CRD")
	}
}

func TestCRDsMissing(t *testing.T) {
	_, err := CRDs(t.TempDir())
	if !errors.Is(err, ErrMissing) || !strings.Contains(err.Error(), BuildCommand) {
		t.Fatalf("%v", err)
	}
}

// On a host where ci/gateway-api-crds.sh ran, the bundle it wrote has the pinned digest and holds
// the standard channel's six CRDs. Skipped elsewhere, saying so.
func TestBuiltBundle(t *testing.T) {
	dir := DefaultDir()
	if _, err := os.Stat(filepath.Join(dir, BundleFile())); err != nil {
		t.Skipf("no bundle in %s (%s writes it)", dir, BuildCommand)
	}
	objs, err := CRDs(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, o := range objs {
		names = append(names, o.GetName())
	}
	want := "backendtlspolicies gatewayclasses gateways grpcroutes httproutes referencegrants"
	if got := strings.ReplaceAll(strings.Join(names, " "), ".gateway.networking.k8s.io", ""); got != want {
		t.Fatalf("CRDs %s, want %s", got, want)
	}
}
