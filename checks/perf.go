package checks

import "time"

// The shape of every --perf measurement: a path's (checks/catalog's measure, through Lab.Bulk and
// Lab.RR) and the host baseline it is divided by (Lab.Baseline) are bounded alike.
const (
	// PerfDuration is the length of a bulk stream.
	PerfDuration = 3 * time.Second
	// PerfBytes is a bulk stream's byte bound, set where it cannot end a stream within
	// PerfDuration at host speeds (1 TiB in 3 s is about 2.9 Tbit/s): streams end by time only.
	PerfBytes int64 = 1 << 40
	// PerfRRCount and PerfRRDuration bound the request/response test, whichever comes first.
	PerfRRCount    = 1000
	PerfRRDuration = 3 * time.Second
)
