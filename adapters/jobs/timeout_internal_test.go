package jobs

import (
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
)

// Every job kind has a time limit that fits its work, each below the
// rescue time, so River never rescues a job that is still working.
func TestEachWorkerHasATimeout(t *testing.T) {
	tasks := map[string]Task{
		"reconcile":   {Name: "reconcile", Every: time.Minute},
		"maintenance": {Name: "maintenance", Every: 10 * time.Minute, Timeout: 2 * time.Minute},
	}
	got := map[string]time.Duration{
		"webhook_deliver": (&webhookWorker{}).Timeout(&river.Job[WebhookArgs]{}),
		"sms_send":        (&smsWorker{}).Timeout(&river.Job[SMSArgs]{}),
		"refund_process":  (&refundWorker{}).Timeout(&river.Job[RefundArgs]{}),
		"periodic reconcile": (&periodicWorker{tasks: tasks}).Timeout(
			&river.Job[PeriodicArgs]{Args: PeriodicArgs{Task: "reconcile"}}),
		"periodic maintenance": (&periodicWorker{tasks: tasks}).Timeout(
			&river.Job[PeriodicArgs]{Args: PeriodicArgs{Task: "maintenance"}}),
	}
	want := map[string]time.Duration{
		"webhook_deliver":      20 * time.Second, // 10 s send + margin
		"sms_send":             30 * time.Second, // one 15 s provider call + margin
		"refund_process":       90 * time.Second, // token, refund and status calls, 30 s each
		"periodic reconcile":   time.Minute,      // its interval: done before the next is due
		"periodic maintenance": 2 * time.Minute,
	}
	for kind, d := range want {
		if got[kind] != d {
			t.Errorf("%s: Timeout %s, want %s", kind, got[kind], d)
		}
		if got[kind] >= DefaultRescueAfter {
			t.Errorf("%s: Timeout %s not below the rescue time %s", kind, got[kind], DefaultRescueAfter)
		}
	}
}

// A rescue time that would rescue jobs still inside their timeout is
// refused.
func TestRescueAfterMustExceedTimeouts(t *testing.T) {
	for _, c := range []struct {
		cfg  Config
		want string
	}{
		{Config{RescueAfter: time.Minute}, "must exceed the longest job timeout, 2m0s"},
		{Config{RescueAfter: 4 * time.Minute, Tasks: []Task{{Name: "slow", Every: time.Hour}}}, "must exceed the longest job timeout, 1h0m0s"},
	} {
		if _, err := New(nil, c.cfg); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.cfg, err, c.want)
		}
	}
}
