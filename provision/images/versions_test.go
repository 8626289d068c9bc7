package images

import (
	"os"
	"strings"
	"testing"
)

// The Calico pins are written here, in the hermetic build's module
// (ci/images/calico/go.mod) and in netlab's own go.mod (for Calico's CRDs). They must agree.
// netlab imports packages of the calico module only, so its tidy go.mod lists just that one.
func TestCalicoPinsAgree(t *testing.T) {
	calico := "github.com/projectcalico/calico " + CalicoModuleVersion
	wants := map[string][]string{
		"../../ci/images/calico/go.mod": {
			calico,
			"github.com/projectcalico/calico/lib/std " + CalicoModuleVersion,
			"github.com/projectcalico/api " + CalicoAPIVersion,
		},
		"../../go.mod": {calico},
	}
	for f, want := range wants {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range want {
			if !strings.Contains(string(data), w) {
				t.Errorf("%s does not require %s", f, w)
			}
		}
	}
}
