package app_test

import (
	"context"
	"strings"
	"testing"

	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

func (e *env) notification(id string) *domain.Notification {
	e.t.Helper()
	var n *domain.Notification
	e.read(func(ctx context.Context, tx ports.Tx) (err error) { n, err = tx.Notifications().Get(ctx, id); return })
	return n
}

func TestSMSSent(t *testing.T) {
	e := newEnv(t)
	e.pay("ORD-1", "10")
	id := e.jobs("sms")[0]
	n := e.notification(id)
	wantEqual(t, "encoding", n.Encoding, domain.EncodingGSM7)
	wantEqual(t, "segments", n.Segments, 1)
	if err := e.app.Notifications.Send(e.ctx, id, false); err != nil {
		t.Fatal(err)
	}
	n = e.notification(id)
	wantEqual(t, "status", n.Status, domain.NotificationSent)
	wantEqual(t, "provider", n.Provider, "fake")
	wantEqual(t, "ref", n.ProviderRef, "msg-1")
	wantEqual(t, "attempts", n.Attempts, 1)
	if n.SentAt == nil || !n.SentAt.Equal(e.clock.Now()) {
		t.Fatalf("sent at %v", n.SentAt)
	}
	msg := e.sms.sent[0]
	wantEqual(t, "to", msg.To, "8801712345678")
	wantEqual(t, "idempotency id", msg.ID, id)
	// Sent: not sent again.
	if err := e.app.Notifications.Send(e.ctx, id, false); err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "sends", e.sms.calls(), 1)
}

func TestSMSBangla(t *testing.T) {
	e := newEnv(t)
	if _, err := e.app.Payments.Create(e.ctx, cliB, input("ORD-1", "12345.50")); err != nil {
		t.Fatal(err)
	}
	n := e.notification(e.jobs("sms")[0])
	wantEqual(t, "language", n.Language, "bn")
	wantEqual(t, "encoding", n.Encoding, domain.EncodingUCS2)
	if !strings.Contains(n.Body, "Shop B") {
		t.Fatalf("body %q", n.Body)
	}
	// Taka as the customer pages show it: ৳, lakh grouping, Bangla digits
	// (domain.Money.FormatBD), not "12345.50 BDT".
	if !strings.Contains(n.Body, "৳১২,৩৪৫.৫০") || strings.Contains(n.Body, "BDT") {
		t.Fatalf("bn body %q: want the amount as ৳১২,৩৪৫.৫০", n.Body)
	}
}

// English SMS keep "12345.50 BDT": ৳ is outside GSM-7 and would make every
// English alert UCS-2, doubling its segments.
func TestSMSEnglishAmount(t *testing.T) {
	e := newEnv(t)
	e.pay("ORD-1", "12345.50")
	n := e.notification(e.jobs("sms")[0])
	wantEqual(t, "encoding", n.Encoding, domain.EncodingGSM7)
	if !strings.Contains(n.Body, "12345.50 BDT") {
		t.Fatalf("en body %q", n.Body)
	}
}

func TestSMSRetryableThenLastTry(t *testing.T) {
	e := newEnv(t)
	e.pay("ORD-1", "10")
	id := e.jobs("sms")[0]
	e.sms.errs = []error{
		&ports.SMSError{Code: "1011", Message: "busy", Retryable: true},
		errBoom, // no answer: worth another try
		&ports.SMSError{Code: "1011", Message: "busy", Retryable: true},
	}
	err := e.app.Notifications.Send(e.ctx, id, false)
	wantErr(t, err, app.ErrRetryable)
	n := e.notification(id)
	wantEqual(t, "status", n.Status, domain.NotificationQueued)
	wantEqual(t, "attempts", n.Attempts, 1)
	if !strings.Contains(n.Error, "busy") {
		t.Fatalf("error %q", n.Error)
	}
	wantErr(t, e.app.Notifications.Send(e.ctx, id, false), app.ErrRetryable)
	wantEqual(t, "status", e.notification(id).Status, domain.NotificationQueued)
	if err := e.app.Notifications.Send(e.ctx, id, true); err != nil {
		t.Fatalf("last try: %v", err)
	}
	n = e.notification(id)
	wantEqual(t, "status", n.Status, domain.NotificationFailed)
	wantEqual(t, "attempts", n.Attempts, 3)
	if err := e.app.Notifications.Send(e.ctx, id, false); err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "sends", e.sms.calls(), 3)
}

func TestSMSPermanentError(t *testing.T) {
	e := newEnv(t)
	e.pay("ORD-1", "10")
	id := e.jobs("sms")[0]
	e.sms.errs = []error{&ports.SMSError{Code: "1002", Message: "invalid number", Retryable: false}}
	if err := e.app.Notifications.Send(e.ctx, id, false); err != nil {
		t.Fatalf("permanent error retried: %v", err)
	}
	n := e.notification(id)
	wantEqual(t, "status", n.Status, domain.NotificationFailed)
	wantEqual(t, "attempts", n.Attempts, 1)
}

func TestSMSDisabled(t *testing.T) {
	e := newEnv(t, func(_ *app.Config, d *app.Deps) { d.SMS = nil })
	e.paid("ORD-1", "10")
	wantEqual(t, "sms jobs", len(e.jobs("sms")), 0)
	if err := e.app.Notifications.Send(e.ctx, "ntf_x", false); err == nil {
		t.Fatal("sent without a provider")
	}
	e2 := newEnv(t)
	wantErr(t, e2.app.Notifications.Send(e2.ctx, "ntf_missing", false), domain.ErrNotFound)
}
