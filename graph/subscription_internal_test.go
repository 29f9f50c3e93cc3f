package graph

import (
	"testing"
	"time"

	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
)

func TestAtVersionShowsTheEventsState(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	p, err := domain.NewPayment(domain.Order{ClientID: "cli_1", OrderID: "o"}, domain.MustMoney(25000, "BDT"), now, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.StartProcessing(now); err != nil {
		t.Fatal(err)
	}
	processing := domain.PaymentChanged{TransactionID: p.ID, Status: p.Status(), Version: p.Version, UpdatedAt: now}
	if err := p.Succeed(domain.GatewayBkash, "TR0011x", "CKQ70ZB4TM", now.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	// The feed reads after success committed, for the processing event.
	got := atVersion(app.PaymentView{Payment: p}, processing)
	if got.Payment.Status() != domain.StatusProcessing || got.Payment.Version != processing.Version || got.Payment.TrxID != "" {
		t.Fatalf("atVersion = %s v%d trx %q, want processing v%d without trxID",
			got.Payment.Status(), got.Payment.Version, got.Payment.TrxID, processing.Version)
	}
	if p.Status() != domain.StatusSuccess {
		t.Fatal("atVersion changed the stored payment")
	}
	// An event at the stored version shows the stored payment.
	same := domain.PaymentChanged{TransactionID: p.ID, Status: p.Status(), Version: p.Version}
	if got := atVersion(app.PaymentView{Payment: p}, same); got.Payment != p {
		t.Fatal("event at the stored version should not rewrite the payment")
	}
}
