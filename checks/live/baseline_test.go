package live

import (
	"testing"

	"github.com/netlab-dev/netlab/checks"
)

// The baseline is measured like the paths: the same stream length, a byte bound it cannot reach
// within it at any host speed (over 1 Tbit/s), the same request/response bounds, and the server
// in a process of its own.
func TestBaselineIsMeasuredLikeThePaths(t *testing.T) {
	c := baselineConfig("/usr/local/bin/netlab")
	if c.Bulk.Duration != checks.PerfDuration || c.Bulk.Omit != 0 {
		t.Errorf("bulk %+v, want %v like the paths", c.Bulk, checks.PerfDuration)
	}
	if gbps := float64(c.Bulk.Bytes) * 8 / c.Bulk.Duration.Seconds() / 1e9; gbps < 1000 {
		t.Errorf("the byte bound ends a stream at %.0f Gbit/s within %v", gbps, c.Bulk.Duration)
	}
	if c.RR.Count != checks.PerfRRCount || c.RR.Duration != checks.PerfRRDuration {
		t.Errorf("rr %+v", c.RR)
	}
	if c.ServerBinary != "/usr/local/bin/netlab" {
		t.Errorf("server binary %q: the server must run as a process of its own", c.ServerBinary)
	}
}
