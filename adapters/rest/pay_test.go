package rest_test

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestPayCreates(t *testing.T) {
	e := newEnv(t)
	w := e.call(asA, http.MethodPost, "/api/v1/pay", payBody("order-1", "1500"))
	rep := wantOK(t, w, http.StatusCreated)
	if rep.Message != "Payment created successfully" {
		t.Errorf("message %q", rep.Message)
	}
	p := unmarshal[payment](t, rep.Data)
	if !strings.HasPrefix(p.TransactionID, "txn_") {
		t.Errorf("transaction_id %q", p.TransactionID)
	}
	if p.PaymentURL != "https://pay.example/pay/"+p.TransactionID {
		t.Errorf("payment_url %q", p.PaymentURL)
	}
	// amounts are JSON numbers with the currency's decimals
	if !strings.Contains(w.Body.String(), `"amount":1500.00,`) || !strings.Contains(w.Body.String(), `"refunded_amount":0.00`) {
		t.Errorf("amounts not written with two decimals: %s", w.Body)
	}
	want := payment{TransactionID: p.TransactionID, OrderID: "order-1", Amount: "1500.00", Currency: "BDT",
		Status: "pending", RefundedAmount: "0.00", PaymentURL: p.PaymentURL,
		CreatedAt: "2026-06-18 14:00:00", UpdatedAt: "2026-06-18 14:00:00"} // 08:00 UTC in Dhaka
	if p != want {
		t.Errorf("data\n got %+v\nwant %+v", p, want)
	}
	if !strings.Contains(w.Body.String(), `"payment_method":null`) || !strings.Contains(w.Body.String(), `"gateway_ref":null`) {
		t.Errorf("payment_method and gateway_ref should be null: %s", w.Body)
	}

	// the amount may be a decimal string, or a number with an exponent,
	// parsed exactly
	for order, in := range map[string]string{"order-2": `"10.5"`, "order-3": `1.05e1`, "order-4": `"0.1050e2"`} {
		if p2 := e.createPayment(t, asA, order, in); p2.Amount != "10.50" {
			t.Errorf("amount %s → %q, want 10.50", in, p2.Amount)
		}
	}
	// and GET shows what POST created
	if got := e.getPayment(t, asA, p.TransactionID); got != p {
		t.Errorf("GET\n got %+v\nwant %+v", got, p)
	}
}

func TestPayValidation(t *testing.T) {
	cases := []struct {
		name   string
		body   string
		fields []string
	}{
		{"empty object", `{}`, []string{"order_id", "amount", "currency", "return_url"}},
		{"null body", `null`, []string{"order_id", "amount", "currency", "return_url"}},
		{"too many decimals", `{"order_id":"o1","amount":10.001,"currency":"BDT","return_url":"https://s.example/"}`, []string{"amount"}},
		{"too many decimals as string", `{"order_id":"o1","amount":"10.001","currency":"BDT","return_url":"https://s.example/"}`, []string{"amount"}},
		{"zero amount", `{"order_id":"o1","amount":0,"currency":"BDT","return_url":"https://s.example/"}`, []string{"amount"}},
		{"negative amount", `{"order_id":"o1","amount":-5,"currency":"BDT","return_url":"https://s.example/"}`, []string{"amount"}},
		{"exponent below the paisa", `{"order_id":"o1","amount":1e-3,"currency":"BDT","return_url":"https://s.example/"}`, []string{"amount"}},
		{"huge amount", `{"order_id":"o1","amount":99999999999999999999999999,"currency":"BDT","return_url":"https://s.example/"}`, []string{"amount"}},
		{"empty string amount", `{"order_id":"o1","amount":"","currency":"BDT","return_url":"https://s.example/"}`, []string{"amount"}},
		{"boolean amount", `{"order_id":"o1","amount":true,"currency":"BDT","return_url":"https://s.example/"}`, []string{"amount"}},
		{"other currency", `{"order_id":"o1","amount":1,"currency":"USD","return_url":"https://s.example/"}`, []string{"currency"}},
		{"no such currency", `{"order_id":"o1","amount":1,"currency":"XXZ","return_url":"https://s.example/"}`, []string{"currency"}},
		{"bad order_id", `{"order_id":"a b","amount":1,"currency":"BDT","return_url":"https://s.example/"}`, []string{"order_id"}},
		{"NUL in order_id", `{"order_id":"a\u0000b","amount":1,"currency":"BDT","return_url":"https://s.example/"}`, []string{"order_id"}},
		{"relative return_url", `{"order_id":"o1","amount":1,"currency":"BDT","return_url":"/back"}`, []string{"return_url"}},
		{"bad email, phone, webhook, metadata", `{"order_id":"o1","amount":1,"currency":"BDT","return_url":"https://s.example/",` +
			`"customer_email":"nope","customer_phone":"12345","webhook_url":"http://s.example/h","metadata":[1]}`,
			[]string{"customer_email", "customer_phone", "webhook_url", "metadata"}},
		{"field of the wrong type", `{"order_id":12,"amount":1,"currency":"BDT","return_url":"https://s.example/"}`, []string{"order_id"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			rep := wantFields(t, e.call(asA, http.MethodPost, "/api/v1/pay", c.body), c.fields...)
			if rep.Message != "Validation failed" {
				t.Errorf("message %q", rep.Message)
			}
		})
	}
}

func TestPayDuplicateOrderID(t *testing.T) {
	e := newEnv(t)
	e.createPayment(t, asA, "order-1", "10")
	// Another client may use the same order_id.
	e.createPayment(t, asB, "order-1", "10")
	w := e.call(asA, http.MethodPost, "/api/v1/pay", payBody("order-1", "10"))
	// docs/merchant-api.md §7.1 says "unique per client (409 if used)"; app
	// answers a 422 naming order_id. Either way it is refused per field.
	if w.Code != http.StatusConflict && w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("status %d; body %s", w.Code, w.Body)
	}
	if w.Code == http.StatusUnprocessableEntity {
		wantFields(t, w, "order_id")
	}
}

func TestPayMalformedJSON(t *testing.T) {
	for _, body := range []string{
		`{"order_id":`, `not json`, `[]`, `"a string"`, `{"order_id":"o1"} {"x":1}`,
	} {
		t.Run(body, func(t *testing.T) {
			e := newEnv(t)
			rep := wantErr(t, e.call(asA, http.MethodPost, "/api/v1/pay", body), http.StatusBadRequest)
			if !strings.HasPrefix(rep.Message, "Malformed JSON") {
				t.Errorf("message %q", rep.Message)
			}
		})
	}
}

// Invalid UTF-8 is not a 500 nor silently replaced: a 422 naming the field
// (or the body, when the JSON cannot even be split into fields).
func TestPayInvalidUTF8InName(t *testing.T) {
	e := newEnv(t)
	body := `{"order_id":"o-utf8","amount":1,"currency":"BDT","return_url":"https://s.example/","customer_name":"R` + "\xff" + `him"}`
	wantFields(t, e.call(asA, http.MethodPost, "/api/v1/pay", body), "customer_name")
	wantFields(t, e.call(asA, http.MethodPost, "/api/v1/pay", "{\"order_id\":\"o\xff\x00\""), "body")
}

func TestPayBodyTooLarge(t *testing.T) {
	e := newEnv(t)
	big := `{"order_id":"o1","amount":1,"currency":"BDT","return_url":"https://s.example/","customer_name":"` +
		strings.Repeat("x", 64<<10) + `"}`
	// with a Content-Length: refused before authentication
	wantErr(t, e.call(asA, http.MethodPost, "/api/v1/pay", big), http.StatusRequestEntityTooLarge)

	// chunked (no Content-Length): refused while reading for the signature
	r := newRequest(http.MethodPost, "/api/v1/pay", big)
	r.ContentLength = -1
	e.sign(r, asA, big)
	wantErr(t, e.serve(r), http.StatusRequestEntityTooLarge)

	// exactly 64 KiB is read (and here refused as a field, not as a size)
	pad := 64<<10 - len(`{"order_id":"o1","amount":1,"currency":"BDT","return_url":"https://s.example/","customer_name":""}`)
	exact := `{"order_id":"o1","amount":1,"currency":"BDT","return_url":"https://s.example/","customer_name":"` +
		strings.Repeat("x", pad) + `"}`
	if len(exact) != 64<<10 {
		t.Fatalf("len %d", len(exact))
	}
	wantFields(t, e.call(asA, http.MethodPost, "/api/v1/pay", exact), "customer_name")
}

func TestPayIdempotencyKey(t *testing.T) {
	e := newEnv(t)
	body := payBody("order-idem", "250")
	first := e.call(asA, http.MethodPost, "/api/v1/pay", body, "Idempotency-Key", "k-1")
	p := unmarshal[payment](t, wantOK(t, first, http.StatusCreated).Data)

	e.clock.Advance(time.Minute)
	again := e.call(asA, http.MethodPost, "/api/v1/pay", body, "Idempotency-Key", "k-1")
	if again.Code != http.StatusCreated || again.Body.String() != first.Body.String() {
		t.Fatalf("replay: %d %s\nfirst: %s", again.Code, again.Body, first.Body)
	}
	if again.Header().Get("Idempotent-Replayed") != "true" {
		t.Errorf("replay without Idempotent-Replayed")
	}
	if first.Header().Get("Idempotent-Replayed") != "" {
		t.Errorf("first response marked replayed")
	}

	// A different body with the same key is a conflict.
	w := e.call(asA, http.MethodPost, "/api/v1/pay", payBody("order-idem-2", "250"), "Idempotency-Key", "k-1")
	if rep := wantErr(t, w, http.StatusConflict); rep.Error != "idempotency_error" {
		t.Errorf("error %q", rep.Error)
	}
	// So is another path.
	w = e.call(asA, http.MethodPost, "/api/v1/refund", body, "Idempotency-Key", "k-1")
	wantErr(t, w, http.StatusConflict)

	// The key is per client: B's k-1 is its own.
	pb := unmarshal[payment](t, wantOK(t, e.call(asB, http.MethodPost, "/api/v1/pay", body, "Idempotency-Key", "k-1"),
		http.StatusCreated).Data)
	if pb.TransactionID == p.TransactionID {
		t.Errorf("client B got client A's stored response")
	}

	// Only one payment was made for A's order.
	list := e.call(asA, http.MethodGet, "/api/v1/transactions?order_id=order-idem", "")
	if rep := wantOK(t, list, http.StatusOK); rep.Meta.Total != 1 {
		t.Errorf("%d payments for the order, want 1", rep.Meta.Total)
	}

	// A too long key is a 422 naming the header.
	w = e.call(asA, http.MethodPost, "/api/v1/pay", body, "Idempotency-Key", strings.Repeat("k", 256))
	wantFields(t, w, "Idempotency-Key")
}

// A failed validation is stored and replayed too (4xx is the answer).
func TestPayIdempotencyReplaysErrors(t *testing.T) {
	e := newEnv(t)
	first := e.call(asA, http.MethodPost, "/api/v1/pay", `{}`, "Idempotency-Key", "k-422")
	wantErr(t, first, http.StatusUnprocessableEntity)
	again := e.call(asA, http.MethodPost, "/api/v1/pay", `{}`, "Idempotency-Key", "k-422")
	if again.Code != 422 || again.Body.String() != first.Body.String() || again.Header().Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay %d %s", again.Code, again.Body)
	}
}
