package preflight

import "testing"

func TestReleaseAtLeast(t *testing.T) {
	for _, tc := range []struct {
		release string
		want    bool
	}{
		{"6.18.44-fc-v1045", true},
		{"5.10.0-28-amd64", true},
		{"5.4.0-150-generic", false},
		{"4.19.0", false},
		{"weird", false},
	} {
		if got, why := releaseAtLeast(tc.release, 5, 10); got != tc.want || (!got && why == "") {
			t.Errorf("releaseAtLeast(%q, 5, 10) = %v %q, want %v", tc.release, got, why, tc.want)
		}
	}
}

// /proc is not cgroup2fs: the probe says so, naming the filesystem magic.
func TestProbeCgroup2OnAnotherFilesystem(t *testing.T) {
	if ok, why := probeCgroup2("/proc"); ok || why == "" {
		t.Errorf("probeCgroup2(/proc) = %v %q", ok, why)
	}
}
