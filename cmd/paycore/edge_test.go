package main

// End-to-end tests of issue 10's edge rules: a suspended client can do
// nothing anywhere, and GraphQL mutations are idempotent like REST's POSTs.

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/paycore/paycore/domain"
)

// A suspended client's pending payment is refused on the hosted page: the
// page says so (403) and starting an attempt calls no gateway.
func TestSuspendedClientHostedPage(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	c := v1NewClient(t, ts, "suspended", 0)
	r := c.post(t, "/api/v1/pay", v1PayBody(v1Order(), "1500.00", nil))
	v1Want(t, r, http.StatusCreated)
	txn := v1Data[v1Txn](t, r)
	if err := ts.db.SetClientStatus(context.Background(), c.clientID, domain.ClientSuspended); err != nil {
		t.Fatal(err)
	}
	before := ts.sim.Stats()

	b := newBrowser()
	ctx := context.Background()
	code, _, body, err := b.do(ctx, http.MethodGet, txn.PaymentURL, nil)
	if err != nil || code != http.StatusForbidden || !strings.Contains(body, "cannot take payments") || strings.Contains(body, "Pay with") {
		t.Fatalf("hosted page of a suspended client: %d %v\n%s", code, err, body)
	}
	code, loc, body, err := b.do(ctx, http.MethodPost, ts.base+"/pay/"+txn.TransactionID+"/bkash", url.Values{})
	if err != nil || code != http.StatusForbidden || loc != "" {
		t.Fatalf("start attempt of a suspended client: %d %q %v\n%s", code, loc, err, body)
	}
	if n := v1Count(t, ts, "SELECT count(*) FROM attempts WHERE payment_id = $1", txn.TransactionID); n != 0 {
		t.Fatalf("%d attempts stored", n)
	}
	after := ts.sim.Stats()
	for k, v := range after {
		if v != before[k] {
			t.Fatalf("bKash simulator called (%s: %d → %d)", k, before[k], v)
		}
	}

	// Reactivated, the same payment can be paid again.
	if err := ts.db.SetClientStatus(ctx, c.clientID, domain.ClientActive); err != nil {
		t.Fatal(err)
	}
	v1PayOnWallet(t, ts, txn.PaymentURL, txn.TransactionID)
}
