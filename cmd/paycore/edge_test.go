package main

// End-to-end tests of issue 10's edge rules: a suspended client can do
// nothing anywhere, and GraphQL mutations are idempotent like REST's POSTs.

import (
	"context"
	"encoding/json"
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

// gqlSigned posts a GraphQL operation signed as the merchant m, with an
// Idempotency-Key header when key is set.
func gqlSigned(t *testing.T, m merchant, query string, vars map[string]any, key string) (int, gqlResponse) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, err := m.signedRequest(context.Background(), http.MethodPost, "/graphql", body)
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	res, err := m.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out gqlResponse
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Fatalf("HTTP %d: %v", res.StatusCode, err)
	}
	return res.StatusCode, out
}

const gqlRefund = `mutation($in: RefundPaymentInput!) { refundPayment(input: $in) { refund { id amount { amount } } } }`

// A retried refundPayment (same Idempotency-Key, same input) answers the
// first refund again and stores one refund; other input with the key is a
// CONFLICT. The keys live in REST's idempotency store.
func TestGraphQLRefundIdempotent(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	c := v1Demo(ts)
	r := c.post(t, "/api/v1/pay", v1PayBody(v1Order(), "1500.00", nil))
	v1Want(t, r, http.StatusCreated)
	txn := v1Data[v1Txn](t, r)
	v1PayOnWallet(t, ts, txn.PaymentURL, txn.TransactionID)

	in := map[string]any{"in": map[string]any{"transactionId": txn.TransactionID, "amount": "100.00"}}
	_, first := gqlSigned(t, ts.m, gqlRefund, in, "refund-retry-1")
	_, again := gqlSigned(t, ts.m, gqlRefund, in, "refund-retry-1")
	if len(first.Errors) != 0 || len(again.Errors) != 0 || string(first.Data) != string(again.Data) {
		t.Fatalf("retry:\n%s %+v\n%s %+v", first.Data, first.Errors, again.Data, again.Errors)
	}
	if n := v1Count(t, ts, "SELECT count(*) FROM refunds WHERE payment_id = $1", txn.TransactionID); n != 1 {
		t.Fatalf("%d refunds after a retried refundPayment", n)
	}
	if n := v1Count(t, ts, "SELECT count(*) FROM idempotency_keys WHERE client_id = $1 AND key = $2",
		demoClientID, "graphql:refundPayment:refund-retry-1"); n != 1 {
		t.Fatalf("%d stored keys", n)
	}
	other := map[string]any{"in": map[string]any{"transactionId": txn.TransactionID, "amount": "200.00"}}
	_, res := gqlSigned(t, ts.m, gqlRefund, other, "refund-retry-1")
	if len(res.Errors) != 1 || res.Errors[0].Extensions["code"] != "CONFLICT" || res.Errors[0].Extensions["error"] != "idempotency_error" {
		t.Fatalf("reused key: %+v", res.Errors)
	}
	if n := v1Count(t, ts, "SELECT count(*) FROM refunds WHERE payment_id = $1", txn.TransactionID); n != 1 {
		t.Fatalf("%d refunds", n)
	}
}
