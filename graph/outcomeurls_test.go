package graph_test

import (
	"testing"
	"time"

	"github.com/paycore/paycore/app"
)

// A payment read back shows the cancelURL and failureURL its merchant gave,
// and null where it gave none (the browser then goes to returnURL).
func TestPaymentOutcomeURLs(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	with := e.seedPayment(t, "txn_urls", clientA)
	with.Order.CancelURL, with.Order.FailureURL = "https://shop.example/cart", "https://shop.example/failed"
	with.Version++ // stored only when the version moves
	e.store.put(t, with)
	e.seedPayment(t, "txn_plain", clientA)
	hdr := bearer(e.token(t, app.Principal{ClientID: clientA}))
	const q = `query($id: ID!) { payment(transactionId: $id) { cancelURL failureURL } }`
	var got struct {
		Payment struct {
			CancelURL  *string `json:"cancelURL"`
			FailureURL *string `json:"failureURL"`
		} `json:"payment"`
	}
	e.data(t, q, map[string]any{"id": "txn_urls"}, hdr, &got)
	if p := got.Payment; p.CancelURL == nil || *p.CancelURL != "https://shop.example/cart" ||
		p.FailureURL == nil || *p.FailureURL != "https://shop.example/failed" {
		t.Errorf("txn_urls: cancelURL %v failureURL %v", p.CancelURL, p.FailureURL)
	}
	got.Payment.CancelURL, got.Payment.FailureURL = nil, nil
	e.data(t, q, map[string]any{"id": "txn_plain"}, hdr, &got)
	if p := got.Payment; p.CancelURL != nil || p.FailureURL != nil {
		t.Errorf("txn_plain: cancelURL %v failureURL %v, want null", p.CancelURL, p.FailureURL)
	}
}

// GraphQL times are RFC 3339 with their zone (docs/merchant-api.md §6.4),
// unlike REST's Dhaka wall-clock form.
func TestPaymentTimesCarryTheirZone(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.seedPayment(t, "txn_time", clientA)
	var got struct {
		Payment struct {
			CreatedAt string `json:"createdAt"`
			ExpiresAt string `json:"expiresAt"`
		} `json:"payment"`
	}
	e.data(t, `{ payment(transactionId: "txn_time") { createdAt expiresAt } }`, nil,
		bearer(e.token(t, app.Principal{ClientID: clientA})), &got)
	for _, c := range []struct {
		got  string
		want time.Time
	}{{got.Payment.CreatedAt, p.CreatedAt}, {got.Payment.ExpiresAt, p.ExpiresAt}} {
		at, err := time.Parse(time.RFC3339, c.got)
		if err != nil || !at.Equal(c.want) {
			t.Errorf("time %q (%v), want RFC 3339 of %v", c.got, err, c.want)
		}
	}
}
