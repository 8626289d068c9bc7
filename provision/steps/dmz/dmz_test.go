package dmz

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/netlab-dev/netlab/docker"
	"github.com/netlab-dev/netlab/internal/status"
	"github.com/netlab-dev/netlab/internal/testplan"
	pdmz "github.com/netlab-dev/netlab/provision/dmz"
	"github.com/netlab-dev/netlab/provision/steps"
)

// fakeEngine records the containers the step ensures; the WAF answers its counters after
// answerAfter failed asks (never when negative).
type fakeEngine struct {
	steps.Engine // the methods the step does not call
	ensured      []docker.ContainerSpec
	asked        int
	answerAfter  int
}

func (f *fakeEngine) SelfImage(context.Context, *status.Status) (string, error) {
	return "netlab.local/netlab:self", nil
}
func (f *fakeEngine) EnsureContainer(_ context.Context, s docker.ContainerSpec) error {
	f.ensured = append(f.ensured, s)
	return nil
}
func (f *fakeEngine) Exec(_ context.Context, name string, cmd []string, _ io.Reader) (docker.ExecResult, error) {
	f.asked++
	if f.answerAfter < 0 || f.asked <= f.answerAfter {
		return docker.ExecResult{ExitCode: 1, Stderr: []byte("netlab: waf counters: connection refused")}, nil
	}
	return docker.ExecResult{}, nil
}
func (f *fakeEngine) ContainerState(context.Context, string) (string, error) {
	return "restarting", nil
}

// The step starts the DMZ load balancer, then the WAF from netlab's own image, and waits until
// the WAF answers; a WAF that never answers fails 'up', naming the container and its log.
func TestStep(t *testing.T) {
	p := testplan.Builtin(t, "enterprise-hub-spoke")
	eng := &fakeEngine{answerAfter: 2}
	sc := steps.New(steps.Config{Plan: p, Engine: eng})
	if !Step().AppliesTo(p) || Step().AppliesTo(testplan.Builtin(t, "ingress-two-clusters")) {
		t.Fatal("the step applies to a plan with a DMZ only")
	}
	if err := Step().Run(context.Background(), sc); err != nil {
		t.Fatal(err)
	}
	if len(eng.ensured) != 2 || eng.ensured[0].Name != "enterprise-hub-spoke-dmz-lb" || eng.ensured[1].Name != "enterprise-hub-spoke-waf" ||
		eng.ensured[1].Image != "netlab.local/netlab:self" || eng.ensured[1].Labels[docker.LabelRole] != pdmz.RoleWAF {
		t.Fatalf("ensured %+v", eng.ensured)
	}
	if eng.asked != 3 {
		t.Errorf("asked the WAF %d times, want 3 (two refusals, then an answer)", eng.asked)
	}

	defer func(d time.Duration) { wafAnswerWait = d }(wafAnswerWait)
	wafAnswerWait = 1200 * time.Millisecond
	eng = &fakeEngine{answerAfter: -1}
	err := Step().Run(context.Background(), steps.New(steps.Config{Plan: p, Engine: eng}))
	if err == nil || !strings.Contains(err.Error(), "docker logs enterprise-hub-spoke-waf") || !strings.Contains(err.Error(), "restarting") {
		t.Fatalf("a WAF that never answers: %v", err)
	}
}
