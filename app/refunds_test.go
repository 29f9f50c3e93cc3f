package app_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

func (e *env) requestRefund(payID, amount string) *domain.Refund {
	e.t.Helper()
	r, err := e.app.Refunds.Request(e.ctx, principal(cliA), app.RefundInput{TransactionID: payID, Amount: amount, Reason: "damaged"})
	if err != nil {
		e.t.Fatalf("refund %s of %s: %v", amount, payID, err)
	}
	return r
}

func TestRefundPartialThenRest(t *testing.T) {
	e := newEnv(t)
	p := e.paid("ORD-1", "1000")
	r := e.requestRefund(p.ID, "300.50")
	stored := e.refund(r.ID)
	wantStatus(t, "refund", stored.Status(), domain.RefundPending)
	wantEqual(t, "amount", stored.Amount, domain.MustMoney(30050, "BDT"))
	wantSlice(t, "refund jobs", e.jobs("refund"), []string{r.ID})
	wantStatus(t, "payment before the gateway", e.payment(p.ID).Status(), domain.StatusSuccess)

	if err := e.app.Refunds.Process(e.ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "submits", e.bkash.count("submit"), 1)
	req := e.bkash.refundReqs[0]
	wantEqual(t, "refund trx", req.TrxID, p.TrxID)
	wantEqual(t, "refund ref", req.GatewayRef, p.GatewayRef)
	wantEqual(t, "refund amount", req.Amount, domain.MustMoney(30050, "BDT"))
	wantEqual(t, "reason", req.Reason, "damaged")
	stored = e.refund(r.ID)
	wantStatus(t, "refund", stored.Status(), domain.RefundSucceeded)
	wantEqual(t, "refund gateway ref", stored.GatewayRef, "RF-"+r.ID)
	got := e.payment(p.ID)
	wantStatus(t, "payment", got.Status(), domain.StatusPartiallyRefunded)
	wantEqual(t, "refunded", got.Refunded, domain.MustMoney(30050, "BDT"))
	wantSlice(t, "events", e.events(p.ID), []domain.EventType{domain.EventPaymentPending, domain.EventPaymentSuccess, domain.EventPaymentRefunded})
	ns := e.smsFor(p.ID)
	wantSlice(t, "sms", templates(ns), []string{app.TemplateOrderPlaced, app.TemplatePaymentSuccess, app.TemplateRefund})
	if !strings.Contains(ns[2].Body, "300.50 BDT refunded") {
		t.Fatalf("refund sms %q", ns[2].Body)
	}

	// Processing it again: no gateway call.
	if err := e.app.Refunds.Process(e.ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "gateway calls", e.bkash.count("submit")+e.bkash.count("check"), 1)

	// The rest ("" = everything left), naming the earlier refund.
	r2 := e.requestRefund(p.ID, "")
	wantEqual(t, "rest", e.refund(r2.ID).Amount, domain.MustMoney(69950, "BDT"))
	if err := e.app.Refunds.Process(e.ctx, r2.ID); err != nil {
		t.Fatal(err)
	}
	wantSlice(t, "prior refs", e.bkash.refundReqs[1].PriorRefundRefs, []string{"RF-" + r.ID})
	got = e.payment(p.ID)
	wantStatus(t, "payment", got.Status(), domain.StatusRefunded)
	wantEqual(t, "refunded", got.Refunded, got.Amount)
	wantEqual(t, "refunded events", len(e.events(p.ID)), 4)

	_, err := e.app.Refunds.Request(e.ctx, principal(cliA), app.RefundInput{TransactionID: p.ID})
	if len(validationFields(t, err)["amount"]) == 0 {
		t.Fatal("refund of a refunded payment not refused on amount")
	}

	list, err := e.app.Refunds.List(e.ctx, principal(cliA), p.ID)
	if err != nil || len(list) != 2 || list[0].ID != r.ID {
		t.Fatalf("list %v %v", list, err)
	}
	_, err = e.app.Refunds.List(e.ctx, principal(cliB), p.ID)
	wantErr(t, err, domain.ErrNotFound)
}

func TestRefundRequestRefused(t *testing.T) {
	e := newEnv(t)
	p := e.paid("ORD-1", "1000")
	e.requestRefund(p.ID, "600")
	jobs := len(e.jobs("refund"))

	field := func(in app.RefundInput) map[string][]string {
		t.Helper()
		in.TransactionID = p.ID
		_, err := e.app.Refunds.Request(e.ctx, principal(cliA), in)
		return validationFields(t, err)
	}
	// 400 left once the open refund is counted.
	f := field(app.RefundInput{Amount: "400.01"})
	if len(f["amount"]) == 0 || !strings.Contains(f["amount"][0], "400.00") {
		t.Fatalf("over-refund: %v", f)
	}
	for _, amt := range []string{"0", "-1", "1.001", "abc"} {
		if len(field(app.RefundInput{Amount: amt})["amount"]) == 0 {
			t.Errorf("amount %q accepted", amt)
		}
	}
	if len(field(app.RefundInput{Amount: "1", Reason: strings.Repeat("ব", 256)})["reason"]) == 0 {
		t.Error("long reason accepted")
	}
	wantEqual(t, "jobs", len(e.jobs("refund")), jobs)
	// 255 Bangla characters are fine.
	if _, err := e.app.Refunds.Request(e.ctx, principal(cliA), app.RefundInput{TransactionID: p.ID, Amount: "1",
		Reason: strings.Repeat("ব", 255)}); err != nil {
		t.Fatal(err)
	}

	// Tenancy.
	_, err := e.app.Refunds.Request(e.ctx, principal(cliB), app.RefundInput{TransactionID: p.ID, Amount: "1"})
	wantErr(t, err, domain.ErrNotFound)
	_, err = e.app.Refunds.Request(e.ctx, app.Principal{ClientID: cliA, TransactionID: p.ID}, app.RefundInput{TransactionID: p.ID, Amount: "1"})
	wantErr(t, err, domain.ErrNotFound)
	_, err = e.app.Refunds.Request(e.ctx, principal(cliA), app.RefundInput{TransactionID: "txn_missing", Amount: "1"})
	wantErr(t, err, domain.ErrNotFound)

	// A payment not paid.
	pending := e.pay("ORD-2", "10")
	_, err = e.app.Refunds.Request(e.ctx, principal(cliA), app.RefundInput{TransactionID: pending.ID, Amount: "1"})
	if len(validationFields(t, err)["transaction_id"]) == 0 {
		t.Fatal("refund of a pending payment not refused on transaction_id")
	}
}

func TestRefundMaxRefunds(t *testing.T) {
	e := newEnv(t, func(c *app.Config, _ *app.Deps) { c.MaxRefunds = 2 })
	p := e.paid("ORD-1", "1000")
	e.requestRefund(p.ID, "1")
	e.requestRefund(p.ID, "1")
	_, err := e.app.Refunds.Request(e.ctx, principal(cliA), app.RefundInput{TransactionID: p.ID, Amount: "1"})
	f := validationFields(t, err)
	if len(f["transaction_id"]) == 0 || !strings.Contains(f["transaction_id"][0], "at most 2") {
		t.Fatalf("third refund: %v", f)
	}
	wantEqual(t, "jobs", len(e.jobs("refund")), 2)
}

func TestRefundSubmittedOnceThenChecked(t *testing.T) {
	e := newEnv(t)
	p := e.paid("ORD-1", "1000")
	r := e.requestRefund(p.ID, "100")
	e.bkash.scriptSubmit(refundAnswer{res: ports.RefundResult{Outcome: ports.OutcomeUnknown}})
	e.bkash.scriptCheck(refundAnswer{res: ports.RefundResult{Outcome: ports.OutcomeUnknown}},
		refundAnswer{err: errBoom},
		refundAnswer{res: ports.RefundResult{Outcome: ports.OutcomeSucceeded, RefundRef: "RTX1"}})

	err := e.app.Refunds.Process(e.ctx, r.ID)
	wantErr(t, err, app.ErrRefundUnsettled)
	wantErr(t, err, app.ErrRetryable)
	wantStatus(t, "refund", e.refund(r.ID).Status(), domain.RefundSubmitted)
	wantStatus(t, "payment", e.payment(p.ID).Status(), domain.StatusSuccess)

	wantErr(t, e.app.Refunds.Process(e.ctx, r.ID), app.ErrRefundUnsettled)
	err = e.app.Refunds.Process(e.ctx, r.ID)
	wantErr(t, err, app.ErrRetryable)
	wantErr(t, err, errBoom)
	if err := e.app.Refunds.Process(e.ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "submits", e.bkash.count("submit"), 1)
	wantEqual(t, "checks", e.bkash.count("check"), 3)
	wantEqual(t, "refund ref", e.refund(r.ID).GatewayRef, "RTX1")
	wantStatus(t, "payment", e.payment(p.ID).Status(), domain.StatusPartiallyRefunded)
}

func TestRefundSubmitErrorThenCheck(t *testing.T) {
	e := newEnv(t)
	p := e.paid("ORD-1", "1000")
	r := e.requestRefund(p.ID, "100")
	e.bkash.scriptSubmit(refundAnswer{err: errBoom})
	e.bkash.scriptCheck(refundAnswer{res: ports.RefundResult{Outcome: ports.OutcomeFailed, Code: "2071", Message: "not found"}})
	err := e.app.Refunds.Process(e.ctx, r.ID)
	wantErr(t, err, app.ErrRetryable)
	wantStatus(t, "refund", e.refund(r.ID).Status(), domain.RefundSubmitted)
	if err := e.app.Refunds.Process(e.ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "submits", e.bkash.count("submit"), 1)
	wantEqual(t, "checks", e.bkash.count("check"), 1)
	got := e.refund(r.ID)
	wantStatus(t, "refund", got.Status(), domain.RefundFailed)
	wantEqual(t, "code", got.FailureCode, "2071")
	pay := e.payment(p.ID)
	wantStatus(t, "payment", pay.Status(), domain.StatusSuccess)
	wantEqual(t, "refunded", pay.Refunded.Minor(), int64(0))
	wantEqual(t, "events", len(e.events(p.ID)), 2)

	// The failed refund no longer holds its amount.
	e.requestRefund(p.ID, "1000")
}

func TestRefundGatewayCannotRefund(t *testing.T) {
	gw := newFakeGateway(domain.GatewayBkash)
	e := newEnv(t, func(_ *app.Config, d *app.Deps) { d.Gateways = []ports.PaymentGateway{bareGateway{gw}} })
	e.bkash = gw
	p := e.paid("ORD-1", "10")
	r := e.requestRefund(p.ID, "1")
	if err := e.app.Refunds.Process(e.ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	got := e.refund(r.ID)
	wantStatus(t, "refund", got.Status(), domain.RefundFailed)
	wantEqual(t, "code", got.FailureCode, "NOT_SUPPORTED")
	err := e.app.Refunds.Process(e.ctx, "ref_missing")
	if !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("unknown refund: %v", err)
	}
}
