package images

import (
	"os"
	"strings"
	"testing"
)

// The Calico pins are written three times: here, in the hermetic build's module
// (ci/images/calico/go.mod) and in netlab's own go.mod (for Calico's CRDs). They must agree.
func TestCalicoPinsAgree(t *testing.T) {
	for _, f := range []string{"../../ci/images/calico/go.mod", "../../go.mod"} {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{
			"github.com/projectcalico/calico " + CalicoModuleVersion,
			"github.com/projectcalico/calico/lib/std " + CalicoModuleVersion,
			"github.com/projectcalico/api " + CalicoAPIVersion,
		} {
			if !strings.Contains(string(data), want) {
				t.Errorf("%s does not require %s", f, want)
			}
		}
	}
}
