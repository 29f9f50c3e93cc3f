package app_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// limitedGateway is a fakeGateway that states its own amount limits
// (ports.AmountLimits), as the real adapters do.
type limitedGateway struct {
	*fakeGateway
	min, max domain.Money
}

func (g limitedGateway) Limits() (minAmount, maxAmount domain.Money) { return g.min, g.max }

var _ ports.AmountLimits = limitedGateway{}

// withLimits makes the env's gateway g state limits lo..hi taka (minor
// units); the others keep app's defaults (1 to 50,000 taka).
func withLimits(g domain.Gateway, lo, hi int64) option {
	return func(_ *app.Config, d *app.Deps) {
		for i, gw := range d.Gateways {
			if gw.Gateway() == g {
				d.Gateways[i] = limitedGateway{fakeGateway: gw.(*fakeGateway), min: domain.MustMoney(lo, "BDT"), max: domain.MustMoney(hi, "BDT")}
			}
		}
	}
}

// newLimitedEnv: Nagad takes 10–1,000 taka, the redirect gateway 1–100,
// bKash app's defaults (1–50,000).
func newLimitedEnv(t *testing.T) *env {
	t.Helper()
	return newEnv(t, withLimits(domain.GatewayNagad, 10_00, 1_000_00), withLimits(domain.GatewayRedirectGW, 1_00, 100_00))
}

// An attempt at a gateway that does not take the payment's amount is
// refused with 422 VALIDATION_FAILED on "amount": no attempt, no gateway
// call. The limits are inclusive; another gateway may still take it.
func TestStartAttemptOutsideGatewayLimits(t *testing.T) {
	e := newLimitedEnv(t)
	for _, tc := range []struct {
		amount string
		g      domain.Gateway
	}{
		{"1000.01", domain.GatewayNagad}, {"9.99", domain.GatewayNagad},
		{"100.01", domain.GatewayRedirectGW}, {"500", domain.GatewayRedirectGW},
		// (0.50 and 50,000.01 taka, which no gateway takes, are refused at
		// creation: TestCreateValidation.)
	} {
		p := e.pay("ORD-"+tc.amount+"-"+string(tc.g), tc.amount)
		_, err := e.app.Attempts.Start(e.ctx, p.ID, tc.g)
		var ve *domain.ValidationError
		if !errors.As(err, &ve) || len(ve.Fields["amount"]) != 1 || app.ErrorCode(err) != app.CodeValidationFailed ||
			app.CodeHTTPStatus(app.ErrorCode(err)) != 422 {
			t.Fatalf("%s at %s: err = %v, want a 422 validation error on amount", tc.amount, tc.g, err)
		}
		if n := len(e.attempts(p.ID)); n != 0 {
			t.Fatalf("%s at %s: %d attempts stored", tc.amount, tc.g, n)
		}
		wantStatus(t, "payment", e.payment(p.ID).Status(), domain.StatusPending)
	}
	msg := func() string {
		p := e.pay("ORD-msg", "2000")
		_, err := e.app.Attempts.Start(e.ctx, p.ID, domain.GatewayNagad)
		var ve *domain.ValidationError
		errors.As(err, &ve)
		return ve.Fields["amount"][0]
	}()
	wantEqual(t, "message", msg, "Nagad takes amounts from 10.00 BDT to 1000.00 BDT; this payment is 2000.00 BDT")
	for _, g := range []*fakeGateway{e.bkash, e.nagad, e.redirect} {
		wantEqual(t, "creates at "+string(g.code), g.count("create"), 0)
	}

	// The limits themselves are taken; a gateway that takes the amount
	// still starts.
	for _, tc := range []struct {
		amount string
		g      domain.Gateway
	}{{"10", domain.GatewayNagad}, {"1000.00", domain.GatewayNagad}, {"100", domain.GatewayRedirectGW}, {"1", domain.GatewayBkash}, {"2000", domain.GatewayBkash}} {
		p := e.pay("ORD-ok-"+tc.amount+"-"+string(tc.g), tc.amount)
		wantStatus(t, tc.amount+" at "+string(tc.g), e.start(p.ID, tc.g).Status(), domain.AttemptRedirected)
	}
}

// The hosted page offers only the gateways that take the payment's amount;
// GET /api/v1/gateways (Gateways.List) shows every active gateway with the
// limits its adapter states.
func TestHostedPageOffersGatewaysByAmount(t *testing.T) {
	e := newLimitedEnv(t)
	for amount, want := range map[string][]domain.Gateway{
		"50":      {domain.GatewayBkash, domain.GatewayNagad, domain.GatewayRedirectGW},
		"500":     {domain.GatewayBkash, domain.GatewayNagad},
		"5000":    {domain.GatewayBkash},
		"1000.00": {domain.GatewayBkash, domain.GatewayNagad},
	} {
		p := e.pay("ORD-page-"+amount, amount)
		v, err := e.app.Payments.HostedPage(e.ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(v.Gateways, want) {
			t.Errorf("amount %s: page offers %v, want %v", amount, v.Gateways, want)
		}
	}
	list, err := e.app.Gateways.List(e.ctx)
	if err != nil || len(list) != 3 {
		t.Fatalf("list %+v", list)
	}
	for i, want := range [][2]string{{"1.00", "50000.00"}, {"10.00", "1000.00"}, {"1.00", "100.00"}} {
		if got := [2]string{list[i].MinAmount.Decimal(), list[i].MaxAmount.Decimal()}; got != want {
			t.Errorf("%s limits %v, want %v", list[i].Code, got, want)
		}
	}
}
