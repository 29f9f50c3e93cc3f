package app_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
	"github.com/paycore/paycore/webhook"
)

func (e *env) delivery(id string) *domain.WebhookDelivery {
	e.t.Helper()
	var d *domain.WebhookDelivery
	e.read(func(ctx context.Context, tx ports.Tx) (err error) {
		d, err = tx.EventLog().GetDelivery(ctx, id)
		return
	})
	return d
}

func (e *env) tries(id string) []domain.WebhookAttempt {
	e.t.Helper()
	var out []domain.WebhookAttempt
	e.read(func(ctx context.Context, tx ports.Tx) (err error) {
		out, err = tx.EventLog().ListAttempts(ctx, id)
		return
	})
	return out
}

// verifyWebhook checks a signature header the way a merchant does.
func verifyWebhook(t *testing.T, secret, body []byte, header string, now time.Time) {
	t.Helper()
	ts, v1, ok := strings.Cut(header, ",v1=")
	if !ok || !strings.HasPrefix(ts, "t=") {
		t.Fatalf("signature header %q", header)
	}
	wantEqual(t, "signature time", ts[2:], strconv.FormatInt(now.Unix(), 10))
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts[2:] + "."))
	m.Write(body)
	if !hmac.Equal([]byte(v1), []byte(hex.EncodeToString(m.Sum(nil)))) {
		t.Fatalf("signature %q does not verify", header)
	}
}

func TestWebhookDelivered(t *testing.T) {
	e := newEnv(t)
	p := e.pay("ORD-1", "10")
	id := e.jobs("webhook")[0]
	e.clock.Advance(time.Minute)
	if err := e.app.Webhooks.Deliver(e.ctx, id, false); err != nil {
		t.Fatal(err)
	}
	sent := e.hooks.sent()
	if len(sent) != 1 {
		t.Fatalf("sent %d", len(sent))
	}
	req := sent[0]
	wantEqual(t, "url", req.URL, "https://a.test/hook")
	wantEqual(t, "event header", req.Headers["X-Webhook-Event"], "payment.pending")
	if !strings.Contains(string(req.Body), p.ID) {
		t.Fatalf("body %s", req.Body)
	}
	verifyWebhook(t, []byte("whsec-a"), req.Body, req.Headers["X-Webhook-Signature"], e.clock.Now())
	wantEqual(t, "SignWebhook", req.Headers["X-Webhook-Signature"], webhook.Sign([]byte("whsec-a"), req.Body, e.clock.Now()))

	d := e.delivery(id)
	wantStatus(t, "delivery", d.Status, domain.DeliveryDelivered)
	wantEqual(t, "attempts", d.Attempts, 1)
	if d.DeliveredAt == nil || !d.DeliveredAt.Equal(e.clock.Now()) {
		t.Fatalf("delivered at %v", d.DeliveredAt)
	}
	tries := e.tries(id)
	if len(tries) != 1 || tries[0].StatusCode != 200 || tries[0].Response != "ok" || tries[0].Latency != 5*time.Millisecond {
		t.Fatalf("tries %+v", tries)
	}
	// Delivered: not sent again.
	if err := e.app.Webhooks.Deliver(e.ctx, id, false); err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "sends", len(e.hooks.sent()), 1)
}

func TestWebhookRetriedThenFailed(t *testing.T) {
	e := newEnv(t)
	e.pay("ORD-1", "10")
	id := e.jobs("webhook")[0]
	e.hooks.answers = []webhookAnswer{
		{resp: ports.WebhookResponse{StatusCode: 500, Body: "oops"}},
		{resp: ports.WebhookResponse{}, err: errors.New("connection refused")},
		{resp: ports.WebhookResponse{StatusCode: 302}},
	}
	err := e.app.Webhooks.Deliver(e.ctx, id, false)
	wantErr(t, err, app.ErrWebhookNotDelivered)
	wantStatus(t, "after 500", e.delivery(id).Status, domain.DeliveryPending)
	e.clock.Advance(time.Minute)
	wantErr(t, e.app.Webhooks.Deliver(e.ctx, id, false), app.ErrWebhookNotDelivered)
	e.clock.Advance(5 * time.Minute)
	if err := e.app.Webhooks.Deliver(e.ctx, id, true); err != nil {
		t.Fatalf("last try: %v", err)
	}
	d := e.delivery(id)
	wantStatus(t, "after the last try", d.Status, domain.DeliveryFailed)
	wantEqual(t, "attempts", d.Attempts, 3)
	wantEqual(t, "last status", d.LastStatus, 302)
	tries := e.tries(id)
	if len(tries) != 3 {
		t.Fatalf("tries %+v", tries)
	}
	wantEqual(t, "try 1", tries[0].StatusCode, 500)
	wantEqual(t, "try 1 body", tries[0].Response, "oops")
	wantEqual(t, "try 2", tries[1].StatusCode, 0)
	wantEqual(t, "try 2 error", tries[1].Error, "connection refused")
	wantEqual(t, "try 3 at", tries[2].At, e.clock.Now())
	// Failed: left alone.
	if err := e.app.Webhooks.Deliver(e.ctx, id, false); err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "sends", len(e.hooks.sent()), 3)
}

func TestWebhookDeliverNotWired(t *testing.T) {
	e := newEnv(t, func(_ *app.Config, d *app.Deps) { d.Webhooks = nil })
	e.pay("ORD-1", "10")
	if err := e.app.Webhooks.Deliver(e.ctx, e.jobs("webhook")[0], false); err == nil {
		t.Fatal("delivered without a sender")
	}
	e2 := newEnv(t)
	delete(e2.secrets, cliA)
	e2.pay("ORD-1", "10")
	if err := e2.app.Webhooks.Deliver(e2.ctx, e2.jobs("webhook")[0], false); err == nil {
		t.Fatal("delivered without a secret")
	}
	wantEqual(t, "sends", len(e2.hooks.sent()), 0)
	wantErr(t, e2.app.Webhooks.Deliver(e2.ctx, "whd_missing", false), domain.ErrNotFound)
}

func TestWebhookListAndRedeliver(t *testing.T) {
	e := newEnv(t)
	p := e.pay("ORD-1", "10")
	if _, err := e.app.Payments.Create(e.ctx, cliB, input("ORD-B", "10")); err != nil {
		t.Fatal(err)
	}
	id := e.jobs("webhook")[0]
	if err := e.app.Webhooks.Deliver(e.ctx, id, false); err != nil {
		t.Fatal(err)
	}
	views, err := e.app.Webhooks.List(e.ctx, principal(cliA), "", 0)
	if err != nil || len(views) != 1 || views[0].Delivery.ID != id || len(views[0].Attempts) != 1 || views[0].Event.PaymentID != p.ID {
		t.Fatalf("list %+v %v", views, err)
	}
	all, _ := e.app.Webhooks.List(e.ctx, app.Principal{ClientID: "ops", Admin: true}, "", 0)
	wantEqual(t, "admin sees", len(all), 2)
	_, err = e.app.Webhooks.List(e.ctx, app.Principal{ClientID: cliA, TransactionID: p.ID}, "", 0)
	wantErr(t, err, domain.ErrForbidden)

	evID := views[0].Event.ID
	_, err = e.app.Webhooks.Redeliver(e.ctx, principal(cliB), evID)
	wantErr(t, err, domain.ErrNotFound)
	_, err = e.app.Webhooks.Redeliver(e.ctx, app.Principal{ClientID: cliA, TransactionID: p.ID}, evID)
	wantErr(t, err, domain.ErrForbidden)
	_, err = e.app.Webhooks.Redeliver(e.ctx, principal(cliA), "evt_missing")
	wantErr(t, err, domain.ErrNotFound)
	wantStatus(t, "untouched", e.delivery(id).Status, domain.DeliveryDelivered)
	jobs := len(e.jobs("webhook"))

	e.clock.Advance(time.Hour)
	d, err := e.app.Webhooks.Redeliver(e.ctx, principal(cliA), evID)
	if err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "same delivery", d.ID, id)
	got := e.delivery(id)
	wantStatus(t, "redelivered", got.Status, domain.DeliveryPending)
	if got.DeliveredAt != nil {
		t.Fatal("delivered_at kept")
	}
	wantEqual(t, "jobs", len(e.jobs("webhook")), jobs+1)
	wantEqual(t, "new job", e.jobs("webhook")[jobs], id)
	if err := e.app.Webhooks.Deliver(e.ctx, id, false); err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "sends", len(e.hooks.sent()), 2)
	wantEqual(t, "tries", len(e.tries(id)), 2)
	if _, err := e.app.Webhooks.Redeliver(e.ctx, app.Principal{ClientID: "ops", Admin: true}, evID); err != nil {
		t.Fatalf("admin redeliver: %v", err)
	}
}

// countedSecrets counts the look-ups of webhook secrets.
type countedSecrets struct {
	fakeSecrets
	reads int
}

func (c *countedSecrets) WebhookSecret(ctx context.Context, clientID string) ([]byte, error) {
	c.reads++
	return c.fakeSecrets.WebhookSecret(ctx, clientID)
}

// A node reads a client's webhook secret once per DefaultKeyCacheTTL, not
// once per delivery, and signs every delivery with it.
func TestWebhookSecretReadOncePerTTL(t *testing.T) {
	secrets := &countedSecrets{fakeSecrets: fakeSecrets{cliA: []byte("whsec-a")}}
	e := newEnv(t, func(_ *app.Config, d *app.Deps) { d.Secrets = secrets })
	deliver := func(order string) {
		t.Helper()
		e.pay(order, "10")
		jobs := e.jobs("webhook")
		if err := e.app.Webhooks.Deliver(e.ctx, jobs[len(jobs)-1], false); err != nil {
			t.Fatal(err)
		}
		sent := e.hooks.sent()
		last := sent[len(sent)-1]
		verifyWebhook(t, []byte("whsec-a"), last.Body, last.Headers["X-Webhook-Signature"], e.clock.Now())
	}
	deliver("ORD-1")
	deliver("ORD-2")
	wantEqual(t, "secret reads for two deliveries", secrets.reads, 1)
	e.clock.Advance(app.DefaultKeyCacheTTL)
	deliver("ORD-3")
	wantEqual(t, "secret reads after the TTL", secrets.reads, 2)
}
