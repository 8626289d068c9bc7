package kindconfig

import (
	"testing"

	"github.com/netlab-dev/netlab/plan"
	kinddefaults "sigs.k8s.io/kind/pkg/apis/config/defaults"
)

// The plan names kind's default node image without importing kind; it must be the one of the kind
// module netlab builds against.
func TestPlanDefaultNodeImageIsKinds(t *testing.T) {
	if plan.DefaultNodeImage != kinddefaults.Image {
		t.Fatalf("plan.DefaultNodeImage = %s, kind's default is %s: update plan/resolve.go", plan.DefaultNodeImage, kinddefaults.Image)
	}
}
