package main

// Bad input never reaches a 500 on REST (issue 10, item 11): NUL bytes and
// invalid UTF-8 in any string field, query or path parameter, dates
// outside any payment's lifetime, huge page numbers, and amounts no active
// gateway accepts are all 422 naming the field.

import (
	"bytes"
	"net/http"
	"testing"
)

func TestBadInputIs422NotServerError(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	c := v1Demo(ts)

	// Body text: NUL escaped or raw, invalid UTF-8, in top-level and
	// nested fields.
	rawName := bytes.Replace(v1PayBody(v1Order(), "100.00", nil), []byte("Rahim Uddin"), []byte("Rahim \xff\xfe Uddin"), 1)
	rawMeta := bytes.Replace(v1PayBody(v1Order(), "100.00", nil), []byte("Test order"), []byte("Test \xc3\x28 order"), 1)
	bodies := []struct {
		name  string
		body  []byte
		field string
	}{
		{"NUL in customer_name", v1PayBody(v1Order(), "100.00", func(m map[string]any) { m["customer_name"] = "Rahim\x00Uddin" }), "customer_name"},
		{"invalid UTF-8 in customer_name", rawName, "customer_name"},
		{"NUL in order_id", v1PayBody("ORD\x00"+v1Random()[:6], "100.00", nil), "order_id"},
		{"NUL in return_url", v1PayBody(v1Order(), "100.00", func(m map[string]any) { m["return_url"] = "https://shop.example.com/\x00" }), "return_url"},
		{"NUL nested in metadata", v1PayBody(v1Order(), "100.00", func(m map[string]any) {
			m["metadata"] = map[string]any{"notes": []any{"ok", "bad\x00"}}
		}), "metadata"},
		{"NUL in a metadata key", v1PayBody(v1Order(), "100.00", func(m map[string]any) { m["metadata"] = map[string]any{"k\x00": 1} }), "metadata"},
		{"invalid UTF-8 in metadata", rawMeta, "metadata"},
		{"NUL in customer_email", v1PayBody(v1Order(), "100.00", func(m map[string]any) { m["customer_email"] = "a\x00@example.com" }), "customer_email"},
	}
	for _, b := range bodies {
		r := c.post(t, "/api/v1/pay", b.body)
		if r.Status != http.StatusUnprocessableEntity {
			t.Errorf("%s: HTTP %d %s", b.name, r.Status, r.Raw)
			continue
		}
		v1WantInvalid(t, r, b.field)
	}
	v1WantInvalid(t, c.post(t, "/api/v1/refund", v1JSON(map[string]any{"transaction_id": "txn_x", "amount": "1.00", "reason": "x\x00y"})), "reason")
	v1WantInvalid(t, c.post(t, "/api/v1/refund", v1JSON(map[string]any{"transaction_id": "txn_\x00", "amount": "1.00"})), "transaction_id")
	v1WantInvalid(t, c.post(t, "/api/v1/api-keys/regenerate", v1JSON(map[string]any{"client_id": "cli_demo\x00"})), "client_id")

	// Query and path parameters.
	for _, q := range []struct{ target, field string }{
		{"/api/v1/transactions?order_id=%00", "order_id"},
		{"/api/v1/transactions?order_id=ORD%FF%FE", "order_id"},
		{"/api/v1/transactions?status=%00", "status"},
		{"/api/v1/transactions?from_date=2026-01-01%00", "from_date"},
		{"/api/v1/webhooks?event_id=evt_%C3%28", "event_id"},
		{"/api/v1/transaction/txn_%00", "transaction_id"},
		{"/api/v1/transaction/txn_%FF", "transaction_id"},
		// Dates no payment can have; some beyond what PostgreSQL stores.
		{"/api/v1/transactions?from_date=0000-01-01", "from_date"},
		{"/api/v1/transactions?from_date=0000-01-01T00:00:00Z", "from_date"},
		{"/api/v1/transactions?to_date=9999-12-31", "to_date"},
		{"/api/v1/transactions?to_date=9999-12-31%2023:59:59", "to_date"},
		{"/api/v1/transactions?from_date=0001-01-01&to_date=9999-12-31", "from_date"},
		// Huge pages.
		{"/api/v1/transactions?page=1e12", "page"},
		{"/api/v1/transactions?page=99999999999999999999", "page"},
		{"/api/v1/transactions?page=999999999999", "page"},
		{"/api/v1/transactions?page=9223372036854775807", "page"},
		{"/api/v1/transactions?page=9223372036854775807&limit=100", "page"},
	} {
		r := c.get(t, q.target)
		if r.Status != http.StatusUnprocessableEntity {
			t.Errorf("%s: HTTP %d %s", q.target, r.Status, r.Raw)
			continue
		}
		v1WantInvalid(t, r, q.field)
	}
	// The edges of what is still fine: page × limit up to app.MaxOffset
	// (10 000); one page further names page (and the cursor).
	v1Want(t, c.get(t, "/api/v1/transactions?from_date=1970-01-01&to_date=2999-12-31&page=500"), http.StatusOK)
	v1Want(t, c.get(t, "/api/v1/transactions?page=10000&limit=1"), http.StatusOK)
	v1WantInvalid(t, c.get(t, "/api/v1/transactions?page=501"), "page")

	// Amounts: no active gateway takes less than 1.00 BDT (bKash's
	// minimum) or more than 50 000.00.
	for _, amount := range []string{"0.01", "0.50", "0.99", "500000.01", "1000000.00"} {
		r := c.post(t, "/api/v1/pay", v1PayBody(v1Order(), amount, nil))
		if r.Status != http.StatusUnprocessableEntity {
			t.Errorf("amount %s: HTTP %d %s", amount, r.Status, r.Raw)
			continue
		}
		v1WantInvalid(t, r, "amount")
	}
	for _, amount := range []string{"1.00", "50000.00"} {
		v1Want(t, c.post(t, "/api/v1/pay", v1PayBody(v1Order(), amount, nil)), http.StatusCreated)
	}
	// Nothing above was stored.
	if n := v1Payments(t, ts, demoClientID); n != 2 {
		t.Fatalf("%d payments stored, want the 2 valid ones", n)
	}
}
