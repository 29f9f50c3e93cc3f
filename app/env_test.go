package app_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
	"github.com/paycore/paycore/ports/portstest"
)

// Clients every env has.
const (
	cliA   = "cli_a"   // active, default webhook_url, 150 bps
	cliB   = "cli_b"   // active, another merchant
	cliOff = "cli_off" // suspended
)

const customerPhone = "01712345678"

var t0 = time.Date(2026, 1, 10, 10, 0, 0, 0, time.UTC)

// env is one app wired over the in-memory store, the fake clock and fakes
// of every other port. bkash confirms only success callbacks, nagad
// confirms every callback (CallbackVerifier), redirectgw has signed
// returns.
type env struct {
	t        *testing.T
	ctx      context.Context
	store    *portstest.Store
	clock    *portstest.Clock
	cfg      app.Config
	app      *app.App
	bkash    *fakeGateway
	nagad    *fakeGateway
	redirect *fakeGateway
	sms      *fakeSMS
	hooks    *fakeWebhookSender
	secrets  fakeSecrets
	keys     *fakeKeys
	calls    *fakeCalls
}

type option func(*app.Config, *app.Deps)

func newEnv(t *testing.T, opts ...option) *env {
	t.Helper()
	e := &env{
		t: t, ctx: t.Context(), store: portstest.NewStore(), clock: portstest.NewClock(t0),
		bkash: newFakeGateway(domain.GatewayBkash), nagad: newFakeGateway(domain.GatewayNagad),
		redirect: newFakeGateway(domain.GatewayRedirectGW),
		sms:      &fakeSMS{}, hooks: &fakeWebhookSender{},
		secrets: fakeSecrets{cliA: []byte("whsec-a"), cliB: []byte("whsec-b")},
		keys:    &fakeKeys{current: map[string]string{cliA: "pk_current_a"}},
		calls:   &fakeCalls{stats: map[domain.Gateway]ports.GatewayCallStats{}},
	}
	e.nagad.verifies = true
	e.store.AddClient(domain.Client{ID: cliA, Name: "Shop A", Status: domain.ClientActive,
		WebhookURL: "https://a.test/hook", CommissionBPS: 150, Language: "en", CreatedAt: t0})
	e.store.AddClient(domain.Client{ID: cliB, Name: "Shop B", Status: domain.ClientActive,
		WebhookURL: "https://b.test/hook", CommissionBPS: 200, Language: "bn", CreatedAt: t0})
	e.store.AddClient(domain.Client{ID: cliOff, Name: "Gone", Status: domain.ClientSuspended, CreatedAt: t0})
	d := app.Deps{
		Tx: e.store, Clock: e.clock, SMS: e.sms,
		Gateways: []ports.PaymentGateway{e.bkash, e.nagad, e.redirect},
		Keys:     e.keys, Calls: e.calls, Webhooks: e.hooks, Secrets: e.secrets, Hooks: e.store,
		Announce: e.store,
	}
	for _, o := range opts {
		o(&e.cfg, &d)
	}
	e.app = app.New(e.cfg, d)
	return e
}

func principal(clientID string) app.Principal { return app.Principal{ClientID: clientID} }

func input(orderID, amount string) app.CreatePaymentInput {
	return app.CreatePaymentInput{OrderID: orderID, Amount: amount, Currency: "BDT", CustomerName: "Rahim",
		CustomerEmail: "rahim@example.com", CustomerPhone: customerPhone, ReturnURL: "https://a.test/done"}
}

// pay creates a pending payment of amount BDT for client cliA.
func (e *env) pay(orderID, amount string) *domain.Payment {
	e.t.Helper()
	p, err := e.app.Payments.Create(e.ctx, cliA, input(orderID, amount))
	if err != nil {
		e.t.Fatalf("create payment %s: %v", orderID, err)
	}
	return p
}

// start opens an attempt at gw and returns it.
func (e *env) start(payID string, g domain.Gateway) *domain.Attempt {
	e.t.Helper()
	if _, err := e.app.Attempts.Start(e.ctx, payID, g); err != nil {
		e.t.Fatalf("start %s: %v", g, err)
	}
	atts := e.attempts(payID)
	return atts[len(atts)-1]
}

// paid returns a payment of amount settled through bkash.
func (e *env) paid(orderID, amount string) *domain.Payment {
	e.t.Helper()
	p := e.pay(orderID, amount)
	a := e.start(p.ID, domain.GatewayBkash)
	res, err := e.app.Attempts.HandleCallback(e.ctx, app.CallbackInput{Gateway: domain.GatewayBkash,
		GatewayRef: a.GatewayRef, Status: app.CallbackSuccess, Signature: a.Signature})
	if err != nil || res.Payment.Status() != domain.StatusSuccess {
		e.t.Fatalf("pay %s: %v %+v", orderID, err, res.Payment)
	}
	return res.Payment
}

func (e *env) read(fn func(ctx context.Context, tx ports.Tx) error) {
	e.t.Helper()
	if err := e.store.Transact(e.ctx, fn); err != nil {
		e.t.Fatalf("read: %v", err)
	}
}

func (e *env) payment(id string) *domain.Payment {
	e.t.Helper()
	var p *domain.Payment
	e.read(func(ctx context.Context, tx ports.Tx) (err error) { p, err = tx.Payments().Get(ctx, id); return })
	return p
}

func (e *env) attempt(id string) *domain.Attempt {
	e.t.Helper()
	var a *domain.Attempt
	e.read(func(ctx context.Context, tx ports.Tx) (err error) { a, err = tx.Attempts().Get(ctx, id); return })
	return a
}

func (e *env) attempts(payID string) []*domain.Attempt {
	e.t.Helper()
	var out []*domain.Attempt
	e.read(func(ctx context.Context, tx ports.Tx) (err error) {
		out, err = tx.Attempts().ListByPayment(ctx, payID)
		return
	})
	return out
}

func (e *env) refund(id string) *domain.Refund {
	e.t.Helper()
	var r *domain.Refund
	e.read(func(ctx context.Context, tx ports.Tx) (err error) { r, err = tx.Refunds().Get(ctx, id); return })
	return r
}

// review returns an attempt's review, or nil.
func (e *env) review(attemptID string) *domain.Review {
	e.t.Helper()
	var r *domain.Review
	e.read(func(ctx context.Context, tx ports.Tx) error {
		var err error
		r, err = tx.Reviews().Get(ctx, attemptID)
		if errors.Is(err, domain.ErrNotFound) {
			return nil
		}
		return err
	})
	return r
}

// events returns the types of the events logged for a payment, oldest
// first (every env client has a webhook_url, so each event has a delivery).
func (e *env) events(payID string) []domain.EventType {
	e.t.Helper()
	var out []domain.EventType
	e.read(func(ctx context.Context, tx ports.Tx) error {
		ds, err := tx.EventLog().ListDeliveries(ctx, "", "", 10000)
		if err != nil {
			return err
		}
		slices.Reverse(ds)
		for _, d := range ds {
			ev, err := tx.EventLog().GetEvent(ctx, d.EventID)
			if err != nil {
				return err
			}
			if ev.PaymentID == payID {
				out = append(out, ev.Type)
			}
		}
		return nil
	})
	return out
}

// smsFor returns the notifications queued (with a job) for a payment, in
// order.
func (e *env) smsFor(payID string) []*domain.Notification {
	e.t.Helper()
	var out []*domain.Notification
	jobs := e.store.Jobs() // outside the transaction: the store's lock
	e.read(func(ctx context.Context, tx ports.Tx) error {
		for _, j := range jobs {
			if j.Kind != "sms" {
				continue
			}
			n, err := tx.Notifications().Get(ctx, j.ID)
			if err != nil {
				return err
			}
			if n.PaymentID == payID {
				out = append(out, n)
			}
		}
		return nil
	})
	return out
}

func templates(ns []*domain.Notification) []string {
	var out []string
	for _, n := range ns {
		out = append(out, n.Template)
	}
	return out
}

func (e *env) jobs(kind string) []string {
	var out []string
	for _, j := range e.store.Jobs() {
		if j.Kind == kind {
			out = append(out, j.ID)
		}
	}
	return out
}

// changes returns the statuses published to live subscribers for a
// payment, in order.
func (e *env) changes(payID string) []domain.PaymentStatus {
	var out []domain.PaymentStatus
	for _, c := range e.store.Changes() {
		if c.TransactionID == payID {
			out = append(out, c.Status)
		}
	}
	return out
}

// returnQuery is a redirect gateway return the fake's VerifyReturn accepts.
func (e *env) returnQuery(kind ports.ReturnKind, a *domain.Attempt, trxID string) map[string][]string {
	q := map[string][]string{
		"sig": {"good"}, "kind": {string(kind)}, "attempt": {a.ID},
		"amount": {strconv.FormatInt(a.Amount.Minor(), 10)},
		"exp":    {strconv.FormatInt(e.clock.Now().Add(10*time.Minute).Unix(), 10)},
	}
	if trxID != "" {
		q["transaction_id"] = []string{trxID}
	}
	return q
}

func validationFields(t *testing.T, err error) map[string][]string {
	t.Helper()
	var ve *domain.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("want *domain.ValidationError, got %T %v", err, err)
	}
	if app.ErrorCode(err) != app.CodeValidationFailed || app.CodeHTTPStatus(app.ErrorCode(err)) != 422 {
		t.Fatalf("validation error not classified 422: %s", app.ErrorCode(err))
	}
	return ve.Fields
}

func wantErr(t *testing.T, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("want error %v, got %v", target, err)
	}
}

func wantStatus[S comparable](t *testing.T, what string, got, want S) {
	t.Helper()
	if got != want {
		t.Fatalf("%s: status %v, want %v", what, got, want)
	}
}

func wantEqual[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Fatalf("%s: got %v, want %v", what, got, want)
	}
}

func wantSlice[T comparable](t *testing.T, what string, got, want []T) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("%s: got %v, want %v", what, got, want)
	}
}
