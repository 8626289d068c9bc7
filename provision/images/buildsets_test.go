package images

import "testing"

// Each image the hermetic builder makes names the build.sh set that makes it; upstream-only
// images name none.
func TestBuildCommand(t *testing.T) {
	for ref, want := range map[string]string{
		HermeticNodeImage: "bash ci/images/build.sh",
		MetalLBSpeaker:    "bash ci/images/build.sh",
		CalicoNode:        "bash ci/images/build.sh calico",
		E2EAgnhost:        "bash ci/images/build.sh conformance",
		IstioPilot:        "bash ci/images/build.sh istio",
		IstioAgent:        "bash ci/images/build.sh istio",
		Traefik:           "bash ci/images/build.sh traefik",
	} {
		if got, ok := BuildCommand(ref); !ok || got != want {
			t.Errorf("%s: %q %v, want %q", ref, got, ok, want)
		}
	}
	for _, ref := range []string{IstioUpstreamHub + "/pilot:" + IstioUpstreamTag, CiliumAgent, "kindest/node:v1.37.0"} {
		if got, ok := BuildCommand(ref); ok {
			t.Errorf("%s is built by %q: nothing here builds it", ref, got)
		}
	}
}
