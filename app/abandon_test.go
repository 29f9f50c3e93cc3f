package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
	"github.com/paycore/paycore/ports/portstest"
)

// pageGateway is a gateway where money moves on its own page (as Nagad):
// every callback is confirmed, and abandoned attempts are asked about.
type pageGateway struct {
	answer  ports.ConfirmResult // what verify says
	asked   int                 // CheckAbandoned calls
	confirm int                 // Confirm calls
}

func (*pageGateway) Gateway() domain.Gateway { return domain.GatewayNagad }

func (*pageGateway) Create(_ context.Context, req ports.CreateRequest) (ports.CreateResult, error) {
	return ports.CreateResult{GatewayRef: "REF-" + req.AttemptID, RedirectURL: "https://gw.example/" + req.AttemptID}, nil
}

func (g *pageGateway) Confirm(context.Context, ports.ConfirmRequest) (ports.ConfirmResult, error) {
	g.confirm++
	return g.answer, nil
}

func (*pageGateway) ConfirmsEveryCallback() bool { return true }

func (g *pageGateway) Resolve(ctx context.Context, req ports.ConfirmRequest) (ports.ConfirmResult, error) {
	return g.Confirm(ctx, req)
}

func (g *pageGateway) CheckAbandoned(context.Context, ports.ConfirmRequest) (ports.ConfirmResult, error) {
	g.asked++
	return g.answer, nil
}

type abandonEnv struct {
	app   *app.App
	store *portstest.Store
	clock *portstest.Clock
	gw    *pageGateway
}

func newAbandonEnv(t *testing.T) *abandonEnv {
	t.Helper()
	store := portstest.NewStore()
	store.AddClient(domain.Client{ID: "cli_a", Name: "Shop", Status: domain.ClientActive, Language: "en"})
	clock := portstest.NewClock(time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC))
	gw := &pageGateway{}
	a := app.New(app.Config{PaymentTTL: 2 * time.Hour, AttemptTTL: 30 * time.Minute},
		app.Deps{Tx: store, Clock: clock, Gateways: []ports.PaymentGateway{gw}})
	return &abandonEnv{app: a, store: store, clock: clock, gw: gw}
}

// open creates a payment and sends its customer to the gateway's page.
func (e *abandonEnv) open(t *testing.T, order string) (payment, attempt, ref string) {
	t.Helper()
	ctx := context.Background()
	p, err := e.app.Payments.Create(ctx, "cli_a", app.CreatePaymentInput{OrderID: order, Amount: "250.00", Currency: "BDT",
		ReturnURL: "https://shop.example/back"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.Attempts.Start(ctx, p.ID, domain.GatewayNagad); err != nil {
		t.Fatal(err)
	}
	v := e.view(t, p.ID)
	return p.ID, v.LastAttempt().ID, v.LastAttempt().GatewayRef
}

func (e *abandonEnv) view(t *testing.T, id string) app.PaymentView {
	t.Helper()
	v, err := e.app.Payments.Get(context.Background(), app.Principal{ClientID: "cli_a"}, id)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func (e *abandonEnv) reviews(t *testing.T) []app.ReviewView {
	t.Helper()
	rs, err := e.app.Reviews.List(context.Background(), "", 100)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// A customer who paid on the gateway's page and closed the tab: at the
// attempt's TTL reconciliation asks the gateway, and the payment succeeds
// instead of expiring unasked.
func TestAbandonedAttemptIsAskedBeforeExpiry(t *testing.T) {
	e := newAbandonEnv(t)
	payID, _, _ := e.open(t, "o-paid")
	e.gw.answer = ports.ConfirmResult{Outcome: ports.OutcomeSucceeded, TrxID: "NGD1"}
	e.clock.Advance(31 * time.Minute)
	rep, err := e.app.Reconciler.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	v := e.view(t, payID)
	if e.gw.asked != 1 || v.Payment.Status() != domain.StatusSuccess || v.LastAttempt().TrxID != "NGD1" || rep.AttemptsExpired != 0 {
		t.Fatalf("asked %d, payment %s, attempt %s %q, report %+v", e.gw.asked, v.Payment.Status(),
			v.LastAttempt().Status(), v.LastAttempt().TrxID, rep)
	}
}

// Not paid: the attempt expires (the payment stays pending for another
// try); no answer: the attempt stays open and is asked again next pass.
func TestAbandonedAttemptNotPaidOrUnknown(t *testing.T) {
	e := newAbandonEnv(t)
	payID, _, _ := e.open(t, "o-unpaid")
	e.gw.answer = ports.ConfirmResult{Outcome: ports.OutcomeUnknown}
	e.clock.Advance(31 * time.Minute)
	ctx := context.Background()
	if _, err := e.app.Reconciler.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if v := e.view(t, payID); v.LastAttempt().Status() != domain.AttemptRedirected || v.Payment.Status() != domain.StatusPending {
		t.Fatalf("no answer: attempt %s, payment %s; want redirected, pending", v.LastAttempt().Status(), v.Payment.Status())
	}
	e.gw.answer = ports.ConfirmResult{Outcome: ports.OutcomeFailed, Code: "ABANDONED"}
	if _, err := e.app.Reconciler.Run(ctx); err != nil {
		t.Fatal(err)
	}
	v := e.view(t, payID)
	if e.gw.asked != 2 || v.LastAttempt().Status() != domain.AttemptExpired || v.Payment.Status() != domain.StatusPending {
		t.Fatalf("asked %d, attempt %s, payment %s; want 2, expired, pending", e.gw.asked, v.LastAttempt().Status(), v.Payment.Status())
	}
}

// The payment's own expiry asks too: a paid attempt settles the payment
// instead of expiring it, and no answer keeps the payment pending.
func TestPaymentExpiryAsksPageGateways(t *testing.T) {
	e := newAbandonEnv(t)
	ctx := context.Background()
	paid, _, _ := e.open(t, "o-exp-paid")
	e.clock.Advance(2*time.Hour + time.Minute)
	e.gw.answer = ports.ConfirmResult{Outcome: ports.OutcomeUnknown}
	if err := e.app.Reconciler.ExpirePayment(ctx, paid); err != nil {
		t.Fatal(err)
	}
	if v := e.view(t, paid); v.Payment.Status() != domain.StatusPending {
		t.Fatalf("no answer: payment %s, want pending until the gateway can tell", v.Payment.Status())
	}
	e.gw.answer = ports.ConfirmResult{Outcome: ports.OutcomeSucceeded, TrxID: "NGD2"}
	if err := e.app.Reconciler.ExpirePayment(ctx, paid); err != nil {
		t.Fatal(err)
	}
	// Past its ExpiresAt but still pending when the answer came: the money
	// the customer paid settles it, nothing for an operator.
	v := e.view(t, paid)
	if v.LastAttempt().Status() != domain.AttemptSucceeded || v.Payment.Status() != domain.StatusSuccess {
		t.Fatalf("paid at the gateway: attempt %s, payment %s", v.LastAttempt().Status(), v.Payment.Status())
	}
	if rs := e.reviews(t); len(rs) != 0 {
		t.Fatalf("reviews %+v", rs)
	}
}

// A verifying gateway's callback for an attempt that already expired is
// asked about, and a paid answer opens a review instead of being ignored.
func TestLateCallbackPaidOpensReview(t *testing.T) {
	e := newAbandonEnv(t)
	ctx := context.Background()
	payID, attID, ref := e.open(t, "o-late")
	e.gw.answer = ports.ConfirmResult{Outcome: ports.OutcomeFailed, Code: "ABANDONED"}
	e.clock.Advance(31 * time.Minute)
	if _, err := e.app.Reconciler.Run(ctx); err != nil {
		t.Fatal(err)
	}
	e.gw.answer = ports.ConfirmResult{Outcome: ports.OutcomeSucceeded, TrxID: "NGD3"}
	if _, err := e.app.Attempts.HandleCallback(ctx, app.CallbackInput{Gateway: domain.GatewayNagad, GatewayRef: ref,
		Status: app.CallbackSuccess}); err != nil {
		t.Fatal(err)
	}
	rs := e.reviews(t)
	if len(rs) != 1 || rs[0].Review.Reason != domain.ReviewPaidAfterExpiry || rs[0].Review.TrxID != "NGD3" || rs[0].Attempt.ID != attID {
		t.Fatalf("reviews %+v", rs)
	}
	if v := e.view(t, payID); v.LastAttempt().Status() != domain.AttemptExpired {
		t.Fatalf("the expired attempt changed: %s", v.LastAttempt().Status())
	}
	// A late answer that says not paid changes nothing.
	e.gw.answer = ports.ConfirmResult{Outcome: ports.OutcomeFailed, Code: "Aborted"}
	if _, err := e.app.Attempts.HandleCallback(ctx, app.CallbackInput{Gateway: domain.GatewayNagad, GatewayRef: ref,
		Status: app.CallbackSuccess}); err != nil {
		t.Fatal(err)
	}
	if rs := e.reviews(t); len(rs) != 1 {
		t.Fatalf("reviews after a not-paid late answer: %d", len(rs))
	}
}
