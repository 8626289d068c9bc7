package networks

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/netlab-dev/netlab/docker"
	"github.com/netlab-dev/netlab/internal/status"
	"github.com/netlab-dev/netlab/internal/testplan"
)

type fakeEngine struct{ have map[string]bool }

func (f *fakeEngine) EnsureNetwork(_ context.Context, spec docker.NetworkSpec) (bool, error) {
	created := !f.have[spec.Name]
	f.have[spec.Name] = true
	return created, nil
}

func TestEnsureCreatesOnlyWhatIsMissing(t *testing.T) {
	p := testplan.Builtin(t, "tgw-two-vpc")
	specs := Specs(p)
	if len(specs) != 2 || specs[0].VPC != "vpc-a" || specs[1].VPC != "vpc-b" || specs[0].Lab != p.Lab {
		t.Fatalf("specs = %+v", specs)
	}
	eng := &fakeEngine{have: map[string]bool{specs[1].Name: true}}
	var out bytes.Buffer
	if err := Ensure(context.Background(), eng, p, status.New(&out, 0, false)); err != nil {
		t.Fatal(err)
	}
	want := "   network " + specs[0].Name + " (" + p.VPCs[0].Subnets[0].CIDR.String() + ") created\n" +
		"   network " + specs[1].Name + " (" + p.VPCs[1].Subnets[0].CIDR.String() + ") exists\n"
	if out.String() != want {
		t.Errorf("lines:\n%s\nwant\n%s", out.String(), want)
	}
	out.Reset()
	if err := Ensure(context.Background(), eng, p, status.New(&out, 0, false)); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "created") {
		t.Errorf("a second run must create nothing:\n%s", out.String())
	}
}
