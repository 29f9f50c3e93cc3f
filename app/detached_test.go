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

// slowGateway's Confirm answers success when released, or fails when its
// context ends first (as an HTTP call cut by its context does).
type slowGateway struct {
	walletGateway
	started, release chan struct{}
}

func (g *slowGateway) Confirm(ctx context.Context, req ports.ConfirmRequest) (ports.ConfirmResult, error) {
	close(g.started)
	select {
	case <-ctx.Done():
		return ports.ConfirmResult{}, ctx.Err()
	case <-g.release:
		return ports.ConfirmResult{Outcome: ports.OutcomeSucceeded, TrxID: "TRX-DETACHED"}, nil
	}
}

// A shopper who closes the tab while execute is in flight does not turn a
// completed payment into an unresolved one: the confirm runs detached from
// the browser's request.
func TestConfirmOutlivesTheBrowser(t *testing.T) {
	store := portstest.NewStore()
	store.AddClient(domain.Client{ID: "cli_x", Name: "Shop", Status: domain.ClientActive, Language: "en"})
	gw := &slowGateway{started: make(chan struct{}), release: make(chan struct{})}
	a := app.New(app.Config{}, app.Deps{Tx: store, Clock: portstest.NewClock(time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)),
		Gateways: []ports.PaymentGateway{gw}})
	bg := context.Background()
	p, err := a.Payments.Create(bg, "cli_x", app.CreatePaymentInput{OrderID: "o-x", Amount: "10", Currency: "BDT",
		ReturnURL: "https://shop.example/r"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Attempts.Start(bg, p.ID, domain.GatewayBkash); err != nil {
		t.Fatal(err)
	}
	v, _ := a.Payments.Get(bg, app.Principal{ClientID: "cli_x"}, p.ID)
	browser, closeTab := context.WithCancel(bg)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = a.Attempts.HandleCallback(browser, app.CallbackInput{Gateway: domain.GatewayBkash,
			GatewayRef: v.LastAttempt().GatewayRef, Status: app.CallbackSuccess})
	}()
	<-gw.started
	closeTab()
	close(gw.release)
	<-done
	v, _ = a.Payments.Get(bg, app.Principal{ClientID: "cli_x"}, p.ID)
	if v.Payment.Status() != domain.StatusSuccess || v.LastAttempt().TrxID != "TRX-DETACHED" {
		t.Fatalf("after the tab closed mid-execute: payment %s, attempt %s", v.Payment.Status(), v.LastAttempt().Status())
	}
}
