package live

import (
	"context"
	"fmt"
	"os"

	"github.com/netlab-dev/netlab/checks"
	"github.com/netlab-dev/netlab/probe"
)

// hostBaseline measures the host baseline the way the paths are measured (Lab.Bulk, Lab.RR): the
// same bulk duration, bounded by time only (checks.PerfBytes cannot end it earlier), the same
// request/response bounds, and the server in a process of its own, this netlab binary's hidden
// 'probe serve', in its own network namespace (probe.BaselineWith with ServerBinary), as in the
// Pods. A server in this process measured 10-25% higher (docs/probe.md). The result records when
// it was taken (BaselineResult.Taken); Lab.Baseline takes it once per run.
func hostBaseline(ctx context.Context) (probe.BaselineResult, error) {
	self, err := os.Executable()
	if err != nil {
		return probe.BaselineResult{}, fmt.Errorf("locating the netlab binary to run the baseline's server process: %w", err)
	}
	return probe.BaselineWith(ctx, baselineConfig(self))
}

// baselineConfig is the baseline's configuration with self as the server binary.
func baselineConfig(self string) probe.BaselineConfig {
	return probe.BaselineConfig{
		Bulk:         probe.BulkOptions{Duration: checks.PerfDuration, Bytes: checks.PerfBytes},
		RR:           probe.RROptions{Count: checks.PerfRRCount, Duration: checks.PerfRRDuration},
		ServerBinary: self,
	}
}
