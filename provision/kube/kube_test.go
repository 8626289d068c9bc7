package kube

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestPodTroubleNamesPodNodeAndReason(t *testing.T) {
	pods := []corev1.Pod{
		{ObjectMeta: metav1.ObjectMeta{Name: "ready"}, Status: corev1.PodStatus{Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}}},
		{ObjectMeta: metav1.ObjectMeta{Name: "flannel-x"}, Spec: corev1.PodSpec{NodeName: "w1"}, Status: corev1.PodStatus{
			Phase:             corev1.PodPending,
			ContainerStatuses: []corev1.ContainerStatus{{Name: "kube-flannel", State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ErrImageNeverPull", Message: "image not present"}}}},
		}},
		{ObjectMeta: metav1.ObjectMeta{Name: "pending"}, Status: corev1.PodStatus{Phase: corev1.PodPending,
			Conditions: []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Message: "0/3 nodes are available"}}}},
	}
	got := PodTrouble(pods)
	want := "flannel-x on w1: kube-flannel: ErrImageNeverPull (image not present) | pending on no node: unschedulable: 0/3 nodes are available"
	if got != want {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
	if PodTrouble(pods[:1]) != "no Pod is failing yet" {
		t.Fatal("ready Pods must not be reported")
	}
}

func TestPollReportsLastReasonOnTimeout(t *testing.T) {
	n := 0
	err := Poll(context.Background(), 1500*time.Millisecond, func(context.Context) (bool, string, error) {
		n++
		return false, "2 of 3 Pods ready", nil
	})
	if err == nil || !strings.Contains(err.Error(), "not ready after 1.5s: 2 of 3 Pods ready") {
		t.Fatalf("err = %v", err)
	}
	if n < 2 {
		t.Fatalf("checked only %d times", n)
	}
	boom := errors.New("boom")
	if err := Poll(context.Background(), time.Second, func(context.Context) (bool, string, error) { return false, "", boom }); err != boom {
		t.Fatalf("a check error must end the wait at once, got %v", err)
	}
	if err := Poll(context.Background(), time.Second, func(context.Context) (bool, string, error) { return true, "", nil }); err != nil {
		t.Fatal(err)
	}
}
