package main

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/paycore/paycore/adapters/simkit"
	"github.com/paycore/paycore/adapters/sslcommerz"
	"github.com/paycore/paycore/adapters/sslcommerzsim"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports/portstest"
)

// sslPay creates a payment of amount, starts an SSLCommerz attempt from the
// hosted page and submits SSLCommerz's page with form. It returns the
// payment and the signed return form (action, fields); the browser has not
// posted it back yet.
func sslPay(t *testing.T, ts *testServer, amount string, form url.Values) (string, sslcommerzReturnForm) {
	t.Helper()
	ctx := context.Background()
	var created createdPayment
	if err := ts.m.graphql(ctx, "", createPaymentMutation, map[string]any{"input": map[string]any{
		"orderId": "ORD-" + nonce()[:8], "amount": amount, "currency": "BDT", "returnURL": "https://shop.example.com/r",
		"customerName": "Rahim Uddin", "customerEmail": "rahim@example.com", "customerPhone": "01711111111",
	}}, &created); err != nil {
		t.Fatal(err)
	}
	txn := created.CreatePayment.Payment.TransactionID
	b := newBrowser()
	code, _, body, err := b.do(ctx, http.MethodGet, ts.base+"/pay/"+txn, nil)
	if err != nil || code != http.StatusOK || !strings.Contains(body, "/pay/"+txn+"/sslcommerz") {
		t.Fatalf("hosted page offers no SSLCommerz: %d %v", code, err)
	}
	code, pageURL, _, err := b.do(ctx, http.MethodPost, ts.base+"/pay/"+txn+"/sslcommerz", url.Values{})
	if err != nil || code != http.StatusSeeOther || !strings.HasPrefix(pageURL, ts.base+"/sandbox/sslcommerz/EasyCheckOut/testcde") {
		t.Fatalf("start: %d %q %v", code, pageURL, err)
	}
	code, _, body, err = b.do(ctx, http.MethodPost, pageURL, form)
	if err != nil || code != http.StatusOK {
		t.Fatalf("SSLCommerz page: %d %v %s", code, err, body)
	}
	m := sslFormRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no return form: %s", body)
	}
	f := sslcommerzReturnForm{action: html.UnescapeString(m[1]), fields: url.Values{}}
	for _, in := range sslInputRe.FindAllStringSubmatch(body, -1) {
		f.fields.Set(html.UnescapeString(in[1]), html.UnescapeString(in[2]))
	}
	return txn, f
}

// postBack posts the return form as the browser would (cross-site: no
// cookie) and returns the status code and where it was sent.
func postBack(t *testing.T, action string, fields url.Values) (int, string) {
	t.Helper()
	code, loc, _, err := newBrowser().do(context.Background(), http.MethodPost, action, fields)
	if err != nil {
		t.Fatal(err)
	}
	return code, loc
}

func paymentStatus(t *testing.T, ts *testServer, txn string) string {
	t.Helper()
	var st string
	ts.queryRow(t, `SELECT status FROM payments WHERE id = $1`, []any{txn}, &st)
	return st
}

func sslCard(no string) url.Values {
	return url.Values{"method": {"card"}, "card_no": {no}, "action": {"pay"}}
}

func TestSSLCommerzDemo(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	var out strings.Builder
	if err := runDemo(context.Background(), &out, ts.base, domain.GatewaySSLCommerz, "01711111111", "250.00"); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
}

func TestSSLCommerzOutcomes(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	// Failure: the browser posts to fail_url; the payment stays pending.
	txn, f := sslPay(t, ts, "100.00", sslCard(sslcommerzsim.CardDeclined))
	if !strings.HasSuffix(f.action, sslcommerz.CallbackFail) {
		t.Fatalf("fail posted to %s", f.action)
	}
	if code, loc := postBack(t, f.action, f.fields); code != http.StatusSeeOther || !strings.Contains(loc, "/pay/"+txn+"/result") {
		t.Fatalf("fail return: %d %s", code, loc)
	}
	var code, msg string
	ts.queryRow(t, `SELECT status, failure_code FROM attempts WHERE payment_id = $1`, []any{txn}, &code, &msg)
	if code != "failed" || msg != "FAILED" || paymentStatus(t, ts, txn) != "pending" {
		t.Fatalf("fail: attempt %s %s, payment %s", code, msg, paymentStatus(t, ts, txn))
	}
	// Cancel.
	txn, f = sslPay(t, ts, "100.00", url.Values{"action": {"cancel"}})
	if c, _ := postBack(t, f.action, f.fields); c != http.StatusSeeOther || !strings.HasSuffix(f.action, sslcommerz.CallbackCancel) {
		t.Fatalf("cancel: %d %s", c, f.action)
	}
	ts.queryRow(t, `SELECT status, failure_code FROM attempts WHERE payment_id = $1`, []any{txn}, &code, &msg)
	if code != "failed" || msg != "CANCELLED" || paymentStatus(t, ts, txn) != "pending" {
		t.Fatalf("cancel: attempt %s %s", code, msg)
	}
	// Risky: held for an operator, not success.
	txn, f = sslPay(t, ts, "100.00", sslCard(sslcommerzsim.CardRisky))
	postBack(t, f.action, f.fields)
	var reason string
	ts.queryRow(t, `SELECT reason FROM attempt_reviews WHERE payment_id = $1`, []any{txn}, &reason)
	if reason != sslcommerz.CodeRisky || paymentStatus(t, ts, txn) != "processing" {
		t.Fatalf("risky: review %q, payment %s", reason, paymentStatus(t, ts, txn))
	}
	// Success, and the same return again changes nothing.
	txn, f = sslPay(t, ts, "100.00", sslCard(sslcommerzsim.CardVisa))
	postBack(t, f.action, f.fields)
	postBack(t, f.action, f.fields)
	var trx string
	ts.queryRow(t, `SELECT trx_id FROM payments WHERE id = $1`, []any{txn}, &trx)
	if paymentStatus(t, ts, txn) != "success" || trx != f.fields.Get("bank_tran_id") {
		t.Fatalf("success: %s %s", paymentStatus(t, ts, txn), trx)
	}
}

func TestSSLCommerzForgedTamperedReplayed(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	paid, pf := sslPay(t, ts, "100.00", sslCard(sslcommerzsim.CardVisa))
	postBack(t, pf.action, pf.fields)
	if paymentStatus(t, ts, paid) != "success" {
		t.Fatal("first payment did not succeed")
	}
	// The IPN is lost and the customer does not come back, so only forged
	// posts reach paycore for the second payment.
	ts.sslSim.SetFault(sslcommerzsim.EndpointIPN, simkit.Fault{Mode: simkit.FaultDrop, Times: 1})
	txn, f := sslPay(t, ts, "100.00", sslCard(sslcommerzsim.CardVisa))
	forged := cloneValues(f.fields)
	forged.Set("verify_sign", strings.Repeat("0", 32))
	tampered := cloneValues(f.fields)
	tampered.Set("amount", "10.00")
	for name, v := range map[string]url.Values{"forged": forged, "tampered": tampered} {
		if code, _ := postBack(t, f.action, v); code != http.StatusBadRequest {
			t.Fatalf("%s: %d", name, code)
		}
		resp, err := http.PostForm(ts.base+sslcommerz.CallbackIPN, v)
		if err != nil || resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("%s IPN: %v %v", name, resp, err)
		}
		_ = resp.Body.Close()
	}
	var st string
	ts.queryRow(t, `SELECT status FROM attempts WHERE payment_id = $1`, []any{txn}, &st)
	if st != "redirected" {
		t.Fatalf("refused posts touched the attempt: %s", st)
	}
	// The first payment's val_id, re-signed for this attempt (as one who
	// knew the store password could): validation names the other tran_id.
	replay := map[string]string{}
	for k := range pf.fields {
		if !strings.HasPrefix(k, "verify_") {
			replay[k] = pf.fields.Get(k)
		}
	}
	replay["tran_id"] = f.fields.Get("tran_id")
	keys := make([]string, 0, len(replay))
	for k := range replay {
		keys = append(keys, k)
	}
	key := strings.Join(keys, ",")
	replay["verify_key"] = key
	replay["verify_sign"] = sslcommerz.Sign(replay, key, ts.sslSim.Credentials().StorePasswd)
	rv := url.Values{}
	for k, v := range replay {
		rv.Set(k, v)
	}
	if code, _ := postBack(t, f.action, rv); code != http.StatusSeeOther {
		t.Fatalf("replay: %d", code)
	}
	var reason string
	ts.queryRow(t, `SELECT reason FROM attempt_reviews WHERE payment_id = $1`, []any{txn}, &reason)
	if reason != sslcommerz.CodeTranMismatch || paymentStatus(t, ts, txn) == "success" {
		t.Fatalf("replayed val_id: review %q, payment %s", reason, paymentStatus(t, ts, txn))
	}
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

func TestSSLCommerzIPNAndReconciliation(t *testing.T) {
	t.Parallel()
	ts := startServerWith(t, func(c *config) { c.AttemptTTL = time.Nanosecond })
	// The IPN alone settles the payment: the browser never comes back.
	txn, _ := sslPay(t, ts, "100.00", sslCard(sslcommerzsim.CardVisa))
	if st := paymentStatus(t, ts, txn); st != "success" {
		t.Fatalf("after IPN only: %s", st)
	}
	// IPN lost and no return: reconciliation asks by tran_id.
	ts.sslSim.SetFault(sslcommerzsim.EndpointIPN, simkit.Fault{Mode: simkit.FaultDrop, Times: 1})
	txn, _ = sslPay(t, ts, "120.00", sslCard(sslcommerzsim.CardMaster))
	if st := paymentStatus(t, ts, txn); st != "pending" {
		t.Fatalf("before reconciliation: %s", st)
	}
	if _, err := ts.app.Reconciler.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st := paymentStatus(t, ts, txn); st != "success" {
		t.Fatalf("after reconciliation: %s", st)
	}
}

func TestSSLCommerzRefunds(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	txn, f := sslPay(t, ts, "300.00", sslCard(sslcommerzsim.CardVisa))
	postBack(t, f.action, f.fields)
	c := v1Demo(ts)
	refund := func(amount string) v1Resp {
		return c.post(t, "/api/v1/refund", v1JSON(map[string]any{"transaction_id": txn, "amount": json.Number(amount), "reason": "Customer request"}))
	}
	for i, want := range []string{"partially_refunded", "partially_refunded"} {
		r := refund("100.00")
		v1Want(t, r, http.StatusCreated)
		id := v1Data[struct {
			RefundID string `json:"refund_id"`
		}](t, r).RefundID
		portstest.WaitFor(t, "refund "+id, func() bool {
			_ = ts.app.Refunds.Process(context.Background(), id) // what the job's retries do, sooner
			var st string
			ts.queryRow(t, `SELECT status FROM refunds WHERE id = $1`, []any{id}, &st)
			return st == "succeeded"
		})
		if st := paymentStatus(t, ts, txn); st != want {
			t.Fatalf("refund %d: payment %s", i, st)
		}
	}
	v1WantInvalid(t, refund("100.01"), "amount")
	if got := ts.sslSim.Stats()[sslcommerzsim.EndpointRefund]; got != 2 {
		t.Fatalf("refund API called %d times", got)
	}
}
