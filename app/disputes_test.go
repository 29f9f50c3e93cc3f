package app_test

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
	"github.com/paycore/paycore/ports/portstest"
	"github.com/paycore/paycore/webhook"
)

// walletGateway pays every confirmed attempt and refunds every refund.
type walletGateway struct{ refunds int }

func (*walletGateway) Gateway() domain.Gateway { return domain.GatewayBkash }

func (*walletGateway) Create(_ context.Context, req ports.CreateRequest) (ports.CreateResult, error) {
	return ports.CreateResult{GatewayRef: "PAY-" + req.AttemptID, RedirectURL: "https://gw.example/" + req.AttemptID}, nil
}

func (*walletGateway) Confirm(_ context.Context, req ports.ConfirmRequest) (ports.ConfirmResult, error) {
	return ports.ConfirmResult{Outcome: ports.OutcomeSucceeded, TrxID: "TRX-" + req.AttemptID}, nil
}

func (g *walletGateway) SubmitRefund(context.Context, ports.RefundRequest) (ports.RefundResult, error) {
	g.refunds++
	return ports.RefundResult{Outcome: ports.OutcomeSucceeded, RefundRef: "RF1"}, nil
}

func (*walletGateway) CheckRefund(context.Context, ports.RefundRequest) (ports.RefundResult, error) {
	return ports.RefundResult{Outcome: ports.OutcomeUnknown}, nil
}

// A dispute that arrives while a refund is open opens a review (the money
// may go back twice), and the refund the gateway then makes, which the
// disputed payment cannot take, opens one too: neither is only logged.
func TestDisputeWhileRefundOpen(t *testing.T) {
	ctx := context.Background()
	store := portstest.NewStore()
	store.AddClient(domain.Client{ID: "cli_d", Name: "Shop", Status: domain.ClientActive, Language: "en"})
	clock := portstest.NewClock(time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC))
	gw := &walletGateway{}
	secret := []byte("gateway hook secret")
	a := app.New(app.Config{GatewayHooks: map[domain.Gateway]app.GatewayHookConfig{domain.GatewayBkash: {Secret: secret}}},
		app.Deps{Tx: store, Clock: clock, Gateways: []ports.PaymentGateway{gw}, Hooks: store})
	p, err := a.Payments.Create(ctx, "cli_d", app.CreatePaymentInput{OrderID: "o-d", Amount: "500", Currency: "BDT",
		ReturnURL: "https://shop.example/back"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Attempts.Start(ctx, p.ID, domain.GatewayBkash); err != nil {
		t.Fatal(err)
	}
	pr := app.Principal{ClientID: "cli_d"}
	v, _ := a.Payments.Get(ctx, pr, p.ID)
	if _, err := a.Attempts.HandleCallback(ctx, app.CallbackInput{Gateway: domain.GatewayBkash, GatewayRef: v.LastAttempt().GatewayRef,
		Status: app.CallbackSuccess}); err != nil {
		t.Fatal(err)
	}
	r, err := a.Refunds.Request(ctx, pr, app.RefundInput{TransactionID: p.ID, Amount: "200"})
	if err != nil {
		t.Fatal(err)
	}

	body := []byte(`{"id":"dsp-1","event":"payment.disputed","transaction_id":"` + p.ID + `"}`)
	res, err := a.GatewayHooks.Handle(ctx, app.GatewayHookInput{Gateway: "bkash", SourceIP: netip.MustParseAddr("203.0.113.9"),
		Headers: map[string]string{webhook.SignatureHeader: webhook.Sign(secret, body, clock.Now())}, Body: body})
	if err != nil {
		t.Fatal(err)
	}
	reviews := func() []app.ReviewView {
		rs, err := a.Reviews.List(ctx, domain.ReviewOpen, 10)
		if err != nil {
			t.Fatal(err)
		}
		return rs
	}
	if rs := reviews(); len(rs) != 1 || rs[0].Review.Reason != domain.ReviewDisputeWithRefund || rs[0].Payment.Status() != domain.StatusDisputed {
		t.Fatalf("after the dispute (%s): reviews %+v", res.Detail, rs)
	}

	if err := a.Refunds.Process(ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	rs := reviews()
	if gw.refunds != 1 || len(rs) != 1 || rs[0].Review.Reason != domain.ReviewRefundNotApplied {
		t.Fatalf("after the gateway refunded: %d refunds sent, reviews %+v", gw.refunds, rs)
	}
	refunds, _ := a.Refunds.List(ctx, pr, p.ID)
	if refunds[0].Status() != domain.RefundSucceeded {
		t.Fatalf("refund %s, want succeeded (the gateway gave the money back)", refunds[0].Status())
	}
}
