package checks

import (
	"context"
	"strings"
	"sync"

	"github.com/netlab-dev/netlab/checks/report"
)

// A trace collects the commands one check ran (where, what, a short excerpt of the output), for
// its report. The runner puts one in each check's context; the lab records into it.
type trace struct {
	mu    sync.Mutex
	steps []report.Step
}

type traceKey struct{}

// WithTrace returns a context that records the steps run under it, and the function that returns
// them.
func WithTrace(ctx context.Context) (context.Context, func() []report.Step) {
	t := &trace{}
	return context.WithValue(ctx, traceKey{}, t), func() []report.Step {
		t.mu.Lock()
		defer t.mu.Unlock()
		return append([]report.Step(nil), t.steps...)
	}
}

// maxExcerpt bounds the output kept per step.
const maxExcerpt = 200

// Record adds a step to ctx's trace, if it has one: where it ran, the command, its output
// (shortened to one line) and the error, if any.
func Record(ctx context.Context, where, command, output string, err error) {
	t, ok := ctx.Value(traceKey{}).(*trace)
	if !ok {
		return
	}
	s := report.Step{Where: where, Command: command, Output: excerpt(output, maxExcerpt)}
	if err != nil {
		s.Error = excerpt(err.Error(), maxExcerpt)
	}
	t.mu.Lock()
	t.steps = append(t.steps, s)
	t.mu.Unlock()
}

func excerpt(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
