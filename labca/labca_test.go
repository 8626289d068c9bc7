package labca

import (
	"crypto/rand"
	"strings"
	"testing"
	"time"
)

var now = time.Date(2026, 12, 3, 6, 0, 0, 0, time.UTC)

// A leaf issued by the lab's root verifies for its names and no other; it is kept and handed out
// again until near its end; the CA survives its round trip through the lab's state.
func TestLeaf(t *testing.T) {
	ca, err := New("lab", now, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"pinned.c1.netlab.test", "echo.c1.netlab.test"}
	l, changed, err := ca.Leaf("ingress/c1", names, now, rand.Reader)
	if err != nil || !changed {
		t.Fatalf("first issue: changed %v, %v", changed, err)
	}
	for _, n := range names {
		if err := ca.Verify([]byte(l.CertPEM), n, now); err != nil {
			t.Errorf("%s: %v", n, err)
		}
	}
	if err := ca.Verify([]byte(l.CertPEM), "nobody.c1.netlab.test", now); err == nil {
		t.Error("the leaf verifies for a name it does not carry")
	}
	again, changed, err := ca.Leaf("ingress/c1", []string{names[1], names[0]}, now.Add(24*time.Hour), rand.Reader)
	if err != nil || changed || again.CertPEM != l.CertPEM {
		t.Fatalf("the same names a day later: a new leaf (changed %v, %v)", changed, err)
	}
	renewed, changed, err := ca.Leaf("ingress/c1", names, now.Add(leafLifetime-renewBefore+time.Hour), rand.Reader)
	if err != nil || !changed || renewed.CertPEM == l.CertPEM {
		t.Fatalf("near its end the leaf is not renewed (changed %v, %v)", changed, err)
	}
	other, changed, err := ca.Leaf("ingress/c1", []string{"echo.c1.netlab.test"}, now, rand.Reader)
	if err != nil || !changed || other.CertPEM == renewed.CertPEM {
		t.Fatal("other names: the old leaf handed out")
	}
	data, err := ca.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	back, err := Unmarshal(data)
	if err != nil || back.Leaves["ingress/c1"].CertPEM != other.CertPEM || back.Subject() != ca.Subject() || !strings.Contains(ca.Subject(), "netlab lab CA lab") {
		t.Fatalf("round trip: %v, subject %q", err, back.Subject())
	}
}

// A certificate of another lab's root is not this lab's; a CA whose key is not its certificate's
// is refused when read.
func TestForeignRootAndDamagedState(t *testing.T) {
	a, _ := New("a", now, rand.Reader)
	b, _ := New("b", now, rand.Reader)
	l, _, err := b.Leaf("x", []string{"echo.c1.netlab.test"}, now, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Verify([]byte(l.CertPEM), "echo.c1.netlab.test", now); err == nil {
		t.Error("lab a accepts lab b's certificate")
	}
	mixed := *a
	mixed.KeyPEM = b.KeyPEM
	data, _ := mixed.Marshal()
	if _, err := Unmarshal(data); err == nil || !strings.Contains(err.Error(), "not its certificate's") {
		t.Errorf("a CA with another root's key: %v", err)
	}
	if _, _, err := a.Leaf("x", nil, now, rand.Reader); err == nil {
		t.Error("a leaf without names")
	}
}
