package main

// End-to-end tests of the merchant REST API v1 over real HTTP, against a
// whole sandbox node (startServer). The client below is written from
// docs/merchant-api.md alone (§2.1 headers, §2.2 signature) and does not use
// app.Sign or the demo's merchant type, so the server's signature check is
// tested against an independent implementation.

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paycore/paycore/adapters/postgres"
	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports/portstest"
)

// ==== the merchant's client (docs/merchant-api.md §2.1, §2.2)

// v1Client signs requests as docs/merchant-api.md §2.2 says:
// lowercase hex HMAC-SHA256(secret, METHOD\nPATH\nTIMESTAMP\nNONCE\nBODY),
// PATH being the request target as sent (path plus query).
type v1Client struct {
	clientID          string
	base, key, secret string
	hc                *http.Client
}

// v1Call is one request. The fields after Body are deviations from a
// correct request, for the authentication tests; zero values mean "do it
// right".
type v1Call struct {
	Method, Target string // Target: path plus query, exactly as sent
	Body           []byte
	IdempotencyKey string

	Timestamp   string   // "" → now
	Nonce       string   // "" → a fresh random nonce
	SignTarget  *string  // nil → Target
	SignBody    []byte   // nil → Body
	Key, Secret string   // "" → the client's
	Omit        []string // headers not to send
	Chunked     bool     // send the body without Content-Length
	SigMod      func(string) string
}

// v1Envelope is the response shape of docs/merchant-api.md §5.1, §5.2.
type v1Envelope struct {
	Success bool                `json:"success"`
	Message string              `json:"message"`
	Data    json.RawMessage     `json:"data"`
	Meta    *v1Meta             `json:"meta"`
	Code    int                 `json:"code"`
	Error   string              `json:"error"`
	Errors  map[string][]string `json:"errors"`
}

type v1Meta struct {
	Page  int `json:"page"`
	Limit int `json:"limit"`
	Total int `json:"total"`
}

type v1Resp struct {
	Status int
	Header http.Header
	Raw    []byte
	Env    v1Envelope
	Req    *http.Request // as sent (its body already read)
	Body   []byte        // the request body sent
}

func v1Random() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// v1Signature is the signature of docs/merchant-api.md §2.2.
func v1Signature(secret, method, target, timestamp, nonce string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(method + "\n" + target + "\n" + timestamp + "\n" + nonce + "\n"))
	mac.Write(body)
	return hex.EncodeToString(mac.Sum(nil))
}

func (c *v1Client) request(ctx context.Context, call v1Call) (*http.Request, error) {
	var body io.Reader = bytes.NewReader(call.Body)
	if call.Chunked {
		body = io.MultiReader(bytes.NewReader(call.Body)) // hides the length
	}
	req, err := http.NewRequestWithContext(ctx, call.Method, c.base+call.Target, body)
	if err != nil {
		return nil, err
	}
	if call.Chunked {
		req.ContentLength = -1
	}
	ts := call.Timestamp
	if ts == "" {
		ts = strconv.FormatInt(time.Now().Unix(), 10)
	}
	n := call.Nonce
	if n == "" {
		n = v1Random()
	}
	key, secret := c.key, c.secret
	if call.Key != "" {
		key = call.Key
	}
	if call.Secret != "" {
		secret = call.Secret
	}
	signTarget := call.Target
	if call.SignTarget != nil {
		signTarget = *call.SignTarget
	}
	signBody := call.Body
	if call.SignBody != nil {
		signBody = call.SignBody
	}
	sig := v1Signature(secret, call.Method, signTarget, ts, n, signBody)
	if call.SigMod != nil {
		sig = call.SigMod(sig)
	}
	h := map[string]string{
		"Content-Type":    "application/json",
		"X-API-KEY":       key,
		"X-API-SIGNATURE": sig,
		"X-API-TIMESTAMP": ts,
		"X-API-NONCE":     n,
	}
	if call.IdempotencyKey != "" {
		h["Idempotency-Key"] = call.IdempotencyKey
	}
	for k, v := range h {
		if !slices.Contains(call.Omit, k) {
			req.Header.Set(k, v)
		}
	}
	return req, nil
}

// do sends call; safe from any goroutine.
func (c *v1Client) do(ctx context.Context, call v1Call) (v1Resp, error) {
	req, err := c.request(ctx, call)
	if err != nil {
		return v1Resp{}, err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return v1Resp{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return v1Resp{}, err
	}
	out := v1Resp{Status: resp.StatusCode, Header: resp.Header, Raw: raw, Req: req, Body: call.Body}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(raw, &out.Env); err != nil {
			return out, fmt.Errorf("%s %s: HTTP %d, body is not JSON: %v\n%s", call.Method, call.Target, resp.StatusCode, err, raw)
		}
	}
	return out, nil
}

func (c *v1Client) send(t *testing.T, call v1Call) v1Resp {
	t.Helper()
	r, err := c.do(context.Background(), call)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (c *v1Client) get(t *testing.T, target string) v1Resp {
	t.Helper()
	return c.send(t, v1Call{Method: http.MethodGet, Target: target})
}

func (c *v1Client) post(t *testing.T, target string, body []byte) v1Resp {
	t.Helper()
	return c.send(t, v1Call{Method: http.MethodPost, Target: target, Body: body})
}

// ==== helpers

func v1JSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// v1PayBody is a valid create-payment body (docs/merchant-api.md §7.1, in BDT: the
// gateways take BDT only) with mod applied. Amounts are json.Number so
// they are written exactly as given ("1500.00").
func v1PayBody(order, amount string, mod func(map[string]any)) []byte {
	m := map[string]any{
		"order_id": order, "amount": json.Number(amount), "currency": "BDT",
		"customer_name": "Rahim Uddin", "customer_email": "rahim@example.com",
		"customer_phone": "01770618575",
		"return_url":     "https://shop.example.com/success",
		// Loopback: nothing leaves the machine should a webhook be sent.
		"webhook_url": "https://127.0.0.1:9/webhook",
		"metadata":    map[string]any{"product_id": "P100", "notes": "Test order"},
	}
	if mod != nil {
		mod(m)
	}
	return v1JSON(m)
}

func v1Order() string { return "ORD-" + v1Random()[:12] }

func v1Demo(ts *testServer) *v1Client {
	return &v1Client{clientID: demoClientID, base: ts.base, key: demoAPIKey, secret: demoAPISecret,
		hc: &http.Client{Timeout: 30 * time.Second}}
}

// v1NewClient stores a fresh active client with its own key pair; a
// ratePerMinute above 0 becomes its own rate limit.
func v1NewClient(t *testing.T, ts *testServer, name string, ratePerMinute int) *v1Client {
	t.Helper()
	ctx := context.Background()
	id := "cli_" + name + "_" + v1Random()[:6]
	c := &v1Client{clientID: id, base: ts.base, key: "pk_" + v1Random()[:24], secret: "sk_" + v1Random(),
		hc: &http.Client{Timeout: 30 * time.Second}}
	if err := ts.db.CreateClient(ctx, postgres.NewClientParams{
		Client: domain.Client{ID: id, Name: "Shop " + name, Status: domain.ClientActive, CommissionBPS: 200, Language: "en"},
		APIKey: c.key, APISecret: []byte(c.secret), WebhookSecret: []byte("whsec_" + id),
	}); err != nil {
		t.Fatal(err)
	}
	if ratePerMinute > 0 {
		if _, err := ts.db.Pool.Exec(ctx, "UPDATE clients SET rate_limit_per_minute = $2 WHERE id = $1", id, ratePerMinute); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

func v1Count(t *testing.T, ts *testServer, sql string, args ...any) int {
	t.Helper()
	var n int
	ts.queryRow(t, sql, args, &n)
	return n
}

func v1Payments(t *testing.T, ts *testServer, clientID string) int {
	t.Helper()
	return v1Count(t, ts, "SELECT count(*) FROM payments WHERE client_id = $1", clientID)
}

func v1Want(t *testing.T, r v1Resp, status int) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("%s %s: HTTP %d, want %d\n%s", r.Req.Method, r.Req.URL.RequestURI(), r.Status, status, r.Raw)
	}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("%s %s: Content-Type %q, want application/json", r.Req.Method, r.Req.URL.RequestURI(), r.Header.Get("Content-Type"))
	}
	wantSuccess := status < 400
	if r.Env.Success != wantSuccess {
		t.Fatalf("%s %s: success=%v, want %v\n%s", r.Req.Method, r.Req.URL.RequestURI(), r.Env.Success, wantSuccess, r.Raw)
	}
	if !wantSuccess && r.Env.Code != status {
		t.Fatalf("%s %s: code=%d, want %d\n%s", r.Req.Method, r.Req.URL.RequestURI(), r.Env.Code, status, r.Raw)
	}
	if !wantSuccess && r.Env.Message == "" {
		t.Fatalf("%s %s: error without a message\n%s", r.Req.Method, r.Req.URL.RequestURI(), r.Raw)
	}
}

// v1WantInvalid checks a 422 that names field (docs/merchant-api.md §5.2).
func v1WantInvalid(t *testing.T, r v1Resp, field string) {
	t.Helper()
	v1Want(t, r, http.StatusUnprocessableEntity)
	if r.Env.Message != "Validation failed" {
		t.Fatalf("422 message %q, want \"Validation failed\"", r.Env.Message)
	}
	if msgs := r.Env.Errors[field]; len(msgs) == 0 || msgs[0] == "" {
		t.Fatalf("422 does not name %q:\n%s", field, r.Raw)
	}
}

func v1Data[T any](t *testing.T, r v1Resp) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(r.Env.Data, &v); err != nil {
		t.Fatalf("data: %v\n%s", err, r.Raw)
	}
	return v
}

// v1Fields decodes an object in data keeping numbers as written.
func v1Fields(t *testing.T, r v1Resp) map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(r.Env.Data))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("data: %v\n%s", err, r.Raw)
	}
	return m
}

// v1Txn is a transaction as the API shows it (docs/merchant-api.md §7.1–§7.3).
type v1Txn struct {
	TransactionID  string      `json:"transaction_id"`
	OrderID        string      `json:"order_id"`
	Amount         json.Number `json:"amount"`
	Currency       string      `json:"currency"`
	Status         string      `json:"status"`
	PaymentMethod  *string     `json:"payment_method"`
	GatewayRef     *string     `json:"gateway_ref"`
	RefundedAmount json.Number `json:"refunded_amount"`
	PaymentURL     string      `json:"payment_url"`
	CreatedAt      string      `json:"created_at"`
}

// v1PayOnWallet pays a transaction as the customer: hosted page, bKash,
// the simulator's wallet page, the callback and the result page.
func v1PayOnWallet(t *testing.T, ts *testServer, paymentURL, txn string) {
	t.Helper()
	ctx := context.Background()
	b := newBrowser()
	if code, _, body, err := b.do(ctx, http.MethodGet, paymentURL, nil); err != nil || code != http.StatusOK {
		t.Fatalf("hosted page: %d %v\n%s", code, err, body)
	}
	code, walletURL, body, err := b.do(ctx, http.MethodPost, ts.base+"/pay/"+txn+"/bkash", url.Values{})
	if err != nil || code != http.StatusSeeOther {
		t.Fatalf("start bKash: %d %v\n%s", code, err, body)
	}
	code, callback, body, err := b.do(ctx, http.MethodPost, walletURL, url.Values{
		"wallet": {"01770618575"}, "otp": {"123456"}, "pin": {"12121"}, "action": {"pay"}})
	if err != nil || code != http.StatusSeeOther {
		t.Fatalf("wallet: %d %v\n%s", code, err, body)
	}
	code, result, body, err := b.do(ctx, http.MethodGet, callback, nil)
	if err != nil || code != http.StatusSeeOther {
		t.Fatalf("callback: %d %v\n%s", code, err, body)
	}
	if code, _, body, err := b.do(ctx, http.MethodGet, result, nil); err != nil || code != http.StatusOK || !strings.Contains(body, "Payment successful") {
		t.Fatalf("result page: %d %v\n%s", code, err, body)
	}
}

// ==== create, read, list, pay, refund, dashboard, profile, gateways

func TestRESTPaymentLifecycle(t *testing.T) {
	t.Parallel()
	restLifecycle(t, startServer(t))
}

// restLifecycle is the demo client's REST lifecycle on ts: create, read,
// list, pay with bKash, refund, dashboard, profile, gateways and their
// health (TestRESTPaymentLifecycle; through PgBouncer in
// TestRESTLifecycleThroughPgBouncer).
func restLifecycle(t *testing.T, ts *testServer) {
	c := v1Demo(ts)

	// Create (docs/merchant-api.md §7.1).
	order1 := v1Order()
	r := c.post(t, "/api/v1/pay", v1PayBody(order1, "1500.00", nil))
	v1Want(t, r, http.StatusCreated)
	if r.Env.Message != "Payment created successfully" {
		t.Errorf("message %q", r.Env.Message)
	}
	if !bytes.Contains(r.Raw, []byte(`"amount":1500.00`)) {
		t.Errorf("amount not written as 1500.00:\n%s", r.Raw)
	}
	created := v1Data[v1Txn](t, r)
	txn := created.TransactionID
	if !strings.HasPrefix(txn, "txn_") || created.OrderID != order1 || created.Currency != "BDT" ||
		created.Status != "pending" || created.Amount != "1500.00" {
		t.Fatalf("created %+v", created)
	}
	if created.PaymentURL != ts.base+"/pay/"+txn {
		t.Fatalf("payment_url %q, want %s/pay/%s", created.PaymentURL, ts.base, txn)
	}

	// Read (docs/merchant-api.md §7.2).
	r = c.get(t, "/api/v1/transaction/"+txn)
	v1Want(t, r, http.StatusOK)
	got := v1Data[v1Txn](t, r)
	if got.TransactionID != txn || got.OrderID != order1 || got.Amount != "1500.00" || got.Status != "pending" ||
		got.PaymentMethod != nil || got.RefundedAmount != "0.00" {
		t.Fatalf("read %+v", got)
	}
	if _, err := time.Parse("2006-01-02 15:04:05", got.CreatedAt); err != nil {
		t.Fatalf("created_at %q is not \"2006-01-02 15:04:05\": %v", got.CreatedAt, err)
	}
	v1Want(t, c.get(t, "/api/v1/transaction/txn_doesnotexist"), http.StatusNotFound)

	// A second payment for the listing.
	order2 := v1Order()
	r = c.post(t, "/api/v1/pay", v1PayBody(order2, "250", nil))
	v1Want(t, r, http.StatusCreated)
	if !bytes.Contains(r.Raw, []byte(`"amount":250.00`)) {
		t.Errorf("amount 250 not written as 250.00:\n%s", r.Raw)
	}
	second := v1Data[v1Txn](t, c.get(t, "/api/v1/transaction/"+v1Data[v1Txn](t, r).TransactionID))

	// List (docs/merchant-api.md §7.3): page, limit, status, order_id, from_date, to_date.
	list := func(t *testing.T, q url.Values) ([]v1Txn, v1Meta) {
		t.Helper()
		target := "/api/v1/transactions"
		if len(q) > 0 {
			target += "?" + q.Encode()
		}
		r := c.get(t, target)
		v1Want(t, r, http.StatusOK)
		if r.Env.Meta == nil {
			t.Fatalf("%s: no meta\n%s", target, r.Raw)
		}
		return v1Data[[]v1Txn](t, r), *r.Env.Meta
	}
	items, meta := list(t, nil)
	if meta != (v1Meta{Page: 1, Limit: 20, Total: 2}) || len(items) != 2 {
		t.Fatalf("list: meta %+v, %d items", meta, len(items))
	}
	items, meta = list(t, url.Values{"page": {"1"}, "limit": {"1"}})
	if meta != (v1Meta{Page: 1, Limit: 1, Total: 2}) || len(items) != 1 || items[0].OrderID != order2 {
		t.Fatalf("page 1: meta %+v items %+v (newest first)", meta, items)
	}
	items, meta = list(t, url.Values{"page": {"2"}, "limit": {"1"}})
	if meta != (v1Meta{Page: 2, Limit: 1, Total: 2}) || len(items) != 1 || items[0].OrderID != order1 {
		t.Fatalf("page 2: meta %+v items %+v", meta, items)
	}
	if items[0].Amount != "1500.00" || !strings.Contains(string(c.get(t, "/api/v1/transactions?page=2&limit=1").Raw), `"amount":1500.00`) {
		t.Fatalf("listed amount %q", items[0].Amount)
	}
	if items, meta = list(t, url.Values{"order_id": {order1}}); meta.Total != 1 || items[0].TransactionID != txn {
		t.Fatalf("order_id filter: %+v %+v", meta, items)
	}
	if _, meta = list(t, url.Values{"status": {"pending"}}); meta.Total != 2 {
		t.Fatalf("status=pending: %+v", meta)
	}
	if items, meta = list(t, url.Values{"status": {"success"}}); meta.Total != 0 || len(items) != 0 {
		t.Fatalf("status=success before paying: %+v", meta)
	}
	day1, day2 := got.CreatedAt[:10], second.CreatedAt[:10]
	if _, meta = list(t, url.Values{"from_date": {day1}, "to_date": {day2}}); meta.Total != 2 {
		t.Fatalf("from_date=%s to_date=%s (whole days, Dhaka): %+v", day1, day2, meta)
	}
	next := func(day string, n int) string {
		d, _ := time.Parse("2006-01-02", day)
		return d.AddDate(0, 0, n).Format("2006-01-02")
	}
	if _, meta = list(t, url.Values{"from_date": {next(day2, 1)}}); meta.Total != 0 {
		t.Fatalf("from_date tomorrow: %+v", meta)
	}
	if _, meta = list(t, url.Values{"to_date": {next(day1, -1)}}); meta.Total != 0 {
		t.Fatalf("to_date yesterday: %+v", meta)
	}
	if _, meta = list(t, url.Values{"from_date": {time.Now().Add(time.Hour).UTC().Format(time.RFC3339)}}); meta.Total != 0 {
		t.Fatalf("from_date in an hour (RFC 3339): %+v", meta)
	}
	if _, meta = list(t, url.Values{"from_date": {time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)}}); meta.Total != 2 {
		t.Fatalf("from_date an hour ago (RFC 3339): %+v", meta)
	}
	for q, field := range map[string]string{
		"status=paid": "status", "limit=101": "limit", "limit=-1": "limit", "limit=x": "limit", "page=-1": "page", "page=x": "page",
		"from_date=yesterday": "from_date", "to_date=2026-13-45": "to_date",
		"from_date=2026-06-18&to_date=2026-06-16": "to_date",
	} {
		v1WantInvalid(t, c.get(t, "/api/v1/transactions?"+q), field)
	}
	// The app's own rules (page 1 or more, limit 1..100) hold for an
	// explicit 0 too: page=0 is not page 1.
	t.Run("explicit page=0 and limit=0 are refused", func(t *testing.T) {
		for q, field := range map[string]string{"page=0": "page", "limit=0": "limit"} {
			r := c.get(t, "/api/v1/transactions?"+q)
			if r.Status != http.StatusUnprocessableEntity || len(r.Env.Errors[field]) == 0 {
				t.Errorf("%s: HTTP %d, want 422 naming %s (meta %+v)", q, r.Status, field, r.Env.Meta)
			}
		}
	})
	// A to_date written like the created_at the API shows includes that
	// second: the listing must not lose a payment shown as created at
	// exactly to_date.
	t.Run("to_date includes the second it names", func(t *testing.T) {
		if _, meta := list(t, url.Values{"from_date": {got.CreatedAt}, "to_date": {second.CreatedAt}}); meta.Total != 2 {
			t.Errorf("from_date=%q to_date=%q: total %d, want 2 (both payments were created within those seconds)",
				got.CreatedAt, second.CreatedAt, meta.Total)
		}
	})

	// Refunding an unpaid payment names the transaction.
	v1WantInvalid(t, c.post(t, "/api/v1/refund", v1JSON(map[string]any{"transaction_id": txn, "amount": json.Number("1.00")})), "transaction_id")

	// Pay it as the customer.
	v1PayOnWallet(t, ts, created.PaymentURL, txn)
	r = c.get(t, "/api/v1/transaction/"+txn)
	v1Want(t, r, http.StatusOK)
	paid := v1Data[v1Txn](t, r)
	if paid.Status != "success" || paid.PaymentMethod == nil || *paid.PaymentMethod != "bkash" ||
		paid.GatewayRef == nil || *paid.GatewayRef == "" || paid.PaymentURL != "" {
		t.Fatalf("after paying: %s", r.Raw)
	}
	if items, meta = list(t, url.Values{"status": {"success"}}); meta.Total != 1 || items[0].TransactionID != txn {
		t.Fatalf("status=success: %+v", meta)
	}

	// Refunds (docs/merchant-api.md §7.4).
	refund := func(amount string) v1Resp {
		t.Helper()
		return c.post(t, "/api/v1/refund", v1JSON(map[string]any{
			"transaction_id": txn, "amount": json.Number(amount), "reason": "Customer request"}))
	}
	for _, tc := range []struct{ body, field string }{
		{`{"transaction_id":"` + txn + `","amount":0}`, "amount"},
		{`{"transaction_id":"` + txn + `","amount":-1}`, "amount"},
		{`{"transaction_id":"` + txn + `","amount":1.001}`, "amount"},
		{`{"transaction_id":"` + txn + `","amount":"x"}`, "amount"},
		{`{"transaction_id":"` + txn + `"}`, "amount"},
		{`{"amount":1}`, "transaction_id"},
		{`{"transaction_id":"` + txn + `","amount":1,"reason":"` + strings.Repeat("r", 256) + `"}`, "reason"},
	} {
		v1WantInvalid(t, c.post(t, "/api/v1/refund", []byte(tc.body)), tc.field)
	}
	v1Want(t, c.post(t, "/api/v1/refund", []byte(`{"transaction_id":"txn_doesnotexist","amount":1}`)), http.StatusNotFound)

	r = refund("500.00")
	v1Want(t, r, http.StatusCreated)
	if r.Env.Message != "Refund request submitted" || !bytes.Contains(r.Raw, []byte(`"amount":500.00`)) {
		t.Errorf("refund response:\n%s", r.Raw)
	}
	ref := v1Data[struct {
		RefundID string `json:"refund_id"`
		Status   string `json:"status"`
	}](t, r)
	if !strings.HasPrefix(ref.RefundID, "ref_") || ref.Status != "pending" {
		t.Fatalf("refund %+v", ref)
	}
	// What is still open counts: 1500 − 500 pending leaves 1000.
	v1WantInvalid(t, refund("1000.01"), "amount")

	waitStatus := func(want, refunded string) {
		t.Helper()
		portstest.WaitFor(t, "payment "+want, func() bool {
			p := v1Data[v1Txn](t, c.get(t, "/api/v1/transaction/"+txn))
			return p.Status == want && p.RefundedAmount == json.Number(refunded)
		})
	}
	waitStatus("partially_refunded", "500.00")
	var refundStatus string
	ts.queryRow(t, "SELECT status FROM refunds WHERE id = $1", []any{ref.RefundID}, &refundStatus)
	if refundStatus != "succeeded" {
		t.Fatalf("refund %s is %s", ref.RefundID, refundStatus)
	}
	r = refund("1000.01")
	v1WantInvalid(t, r, "amount")
	if !strings.Contains(strings.Join(r.Env.Errors["amount"], " "), "1000.00") {
		t.Errorf("over-refund does not say what is left: %s", r.Raw)
	}
	v1Want(t, refund("1000.00"), http.StatusCreated)
	waitStatus("refunded", "1500.00")
	r = refund("0.01")
	v1Want(t, r, http.StatusUnprocessableEntity)
	if len(r.Env.Errors["amount"]) == 0 && len(r.Env.Errors["transaction_id"]) == 0 {
		t.Fatalf("refund of a refunded payment: %s", r.Raw)
	}

	// Dashboard (docs/merchant-api.md §7.7): the demo client pays 150 bps.
	r = c.get(t, "/api/v1/client/dashboard")
	v1Want(t, r, http.StatusOK)
	dash := v1Fields(t, r)
	want := map[string]string{
		"total_transactions": "2", "total_success": "1", "total_failed": "0",
		"total_amount": "1500.00", "total_refunded": "1500.00", "commission_amount": "22.50", "currency": "BDT",
	}
	for k, v := range want {
		if fmt.Sprint(dash[k]) != v {
			t.Errorf("dashboard %s = %q, want %s\n%s", k, dash[k], v, r.Raw)
		}
	}
	if !bytes.Contains(r.Raw, []byte(`"commission_amount":22.50`)) || !bytes.Contains(r.Raw, []byte(`"currency":"BDT"`)) {
		t.Errorf("dashboard:\n%s", r.Raw)
	}

	// Profile (docs/merchant-api.md §7.6): no secret in it.
	r = c.get(t, "/api/v1/client/profile")
	v1Want(t, r, http.StatusOK)
	prof := v1Data[map[string]any](t, r)
	if prof["client_id"] != demoClientID || prof["name"] != "Demo Shop" || prof["status"] != "active" ||
		prof["api_key"] != demoAPIKey || prof["commission_bps"] != float64(150) {
		t.Errorf("profile:\n%s", r.Raw)
	}
	if bytes.Contains(r.Raw, []byte(demoAPISecret)) || bytes.Contains(bytes.ToLower(r.Raw), []byte("secret")) {
		t.Errorf("profile shows a secret:\n%s", r.Raw)
	}

	// Gateways (docs/merchant-api.md §7.8).
	r = c.get(t, "/api/v1/gateways")
	v1Want(t, r, http.StatusOK)
	type gateway struct {
		Code       string      `json:"code"`
		Name       string      `json:"name"`
		Currencies []string    `json:"currencies"`
		Min        json.Number `json:"min_amount"`
		Max        json.Number `json:"max_amount"`
	}
	gws := v1Data[[]gateway](t, r)
	i := slices.IndexFunc(gws, func(g gateway) bool { return g.Code == "bkash" })
	if i < 0 || gws[i].Name == "" || !slices.Equal(gws[i].Currencies, []string{"BDT"}) || gws[i].Min != "1.00" || gws[i].Max != "50000.00" {
		t.Errorf("gateways:\n%s", r.Raw)
	}

	// Gateway health (docs/merchant-api.md §7.9), from the calls just made (written
	// in batches).
	type health struct {
		Code        string       `json:"code"`
		Status      string       `json:"status"`
		SuccessRate *json.Number `json:"success_rate"`
		P95         *json.Number `json:"p95_latency_ms"`
		Uptime      *json.Number `json:"uptime_percent"`
		Calls       int          `json:"calls"`
	}
	var h health
	portstest.WaitFor(t, "gateway calls recorded", func() bool {
		r = c.get(t, "/api/v1/gateways/health")
		v1Want(t, r, http.StatusOK)
		for _, x := range v1Data[[]health](t, r) {
			if x.Code == "bkash" {
				h = x
			}
		}
		return h.Calls >= 3 // grant, create, execute (+ refunds)
	})
	if h.Code != "bkash" || !slices.Contains([]string{"up", "degraded", "down"}, h.Status) ||
		h.SuccessRate == nil || h.P95 == nil || h.Uptime == nil {
		t.Fatalf("health:\n%s", r.Raw)
	}
	if h.Status != "up" || *h.SuccessRate != "100.00" || *h.Uptime != "100.00" {
		t.Errorf("health after only answered calls:\n%s", r.Raw)
	}
}

// ==== authentication, rate limit, validation, idempotency, isolation,
// key rotation and the request log, each with its own client on one node

func TestRESTMerchantAPI(t *testing.T) {
	t.Parallel()
	ts := startServer(t)

	t.Run("Authentication", func(t *testing.T) {
		t.Parallel()
		// A node of its own on a clock that stands at a whole second, so
		// the timestamp window is judged to the second.
		clock := portstest.NewClock(time.Now().Truncate(time.Second))
		ts := startServerClock(t, nil, clock)
		c := v1NewClient(t, ts, "auth", 0)
		ok := func(call v1Call) {
			t.Helper()
			v1Want(t, c.send(t, call), http.StatusOK)
		}
		refused := func(what string, call v1Call) v1Resp {
			t.Helper()
			r := c.send(t, call)
			if r.Status != http.StatusUnauthorized {
				t.Fatalf("%s: HTTP %d, want 401\n%s", what, r.Status, r.Raw)
			}
			v1Want(t, r, http.StatusUnauthorized)
			return r
		}
		profile := v1Call{Method: http.MethodGet, Target: "/api/v1/client/profile"}
		ok(profile)

		// Replayed nonce: the very same signed request twice.
		replay := profile
		replay.Timestamp, replay.Nonce = strconv.FormatInt(time.Now().Unix(), 10), "nonce-"+v1Random()
		ok(replay)
		refused("replayed nonce", replay)
		// The same nonce under another timestamp is still a replay.
		replay.Timestamp = strconv.FormatInt(time.Now().Unix()-1, 10)
		refused("replayed nonce, new timestamp", replay)

		// Timestamp: within 300 s of the server's clock, which compares to
		// the nanosecond; it stands still at a whole second here.
		old := func(d int64) v1Call {
			c := profile
			c.Timestamp = strconv.FormatInt(clock.Now().Unix()+d, 10)
			return c
		}
		refused("timestamp 301 s old", old(-301))
		ok(old(-299))
		refused("timestamp 301 s ahead", old(301))
		ok(old(299))
		refused("timestamp not a number", v1Call{Method: http.MethodGet, Target: profile.Target, Timestamp: "yesterday"})

		// One byte of the body changed after signing.
		body := v1PayBody(v1Order(), "100.00", nil)
		changed := bytes.Replace(body, []byte(`100.00`), []byte(`900.00`), 1)
		r := refused("body changed", v1Call{Method: http.MethodPost, Target: "/api/v1/pay", Body: changed, SignBody: body})
		if r.Env.Message != "Invalid signature" {
			t.Errorf("bad signature message %q, want \"Invalid signature\" (docs/merchant-api.md §2.5)", r.Env.Message)
		}
		// Unknown key, wrong secret, a key with another client's secret.
		refused("unknown key", v1Call{Method: http.MethodGet, Target: profile.Target, Key: "pk_unknown"})
		refused("wrong secret", v1Call{Method: http.MethodGet, Target: profile.Target, Secret: "sk_wrong"})
		refused("demo key with this client's secret", v1Call{Method: http.MethodGet, Target: profile.Target, Key: demoAPIKey})
		// Missing headers, one at a time and all.
		for _, h := range []string{"X-API-KEY", "X-API-SIGNATURE", "X-API-TIMESTAMP", "X-API-NONCE"} {
			refused("missing "+h, v1Call{Method: http.MethodGet, Target: profile.Target, Omit: []string{h}})
		}
		refused("no headers", v1Call{Method: http.MethodGet, Target: profile.Target,
			Omit: []string{"X-API-KEY", "X-API-SIGNATURE", "X-API-TIMESTAMP", "X-API-NONCE"}})
		// PATH is the target as sent: a query left out of the signature fails.
		bare := "/api/v1/transactions"
		refused("query not signed", v1Call{Method: http.MethodGet, Target: bare + "?page=1&limit=5", SignTarget: &bare})
		ok(v1Call{Method: http.MethodGet, Target: bare + "?page=1&limit=5"})
		// The signature is lower case hex (docs/merchant-api.md §2.2).
		refused("upper case hex", v1Call{Method: http.MethodGet, Target: profile.Target, SigMod: strings.ToUpper})
		// A refused request does not burn its nonce.
		n := "nonce-" + v1Random()
		refused("bad signature", v1Call{Method: http.MethodGet, Target: profile.Target, Nonce: n, Secret: "sk_wrong"})
		ok(v1Call{Method: http.MethodGet, Target: profile.Target, Nonce: n})

		// A suspended client is refused, even with a good signature: at the
		// latest once the node's key cache (app.DefaultKeyCacheTTL) expires.
		if err := ts.db.SetClientStatus(context.Background(), c.clientID, domain.ClientSuspended); err != nil {
			t.Fatal(err)
		}
		// This node's clock is the test's: move it past the TTL.
		clock.Advance(app.DefaultKeyCacheTTL)
		refused("suspended client", profile)
		refused("suspended client creating a payment", v1Call{Method: http.MethodPost, Target: "/api/v1/pay", Body: body})

		if n := v1Payments(t, ts, c.clientID); n != 0 {
			t.Fatalf("%d payments written by refused requests", n)
		}
	})

	t.Run("RateLimit", func(t *testing.T) {
		t.Parallel()
		const limit = 5
		c := v1NewClient(t, ts, "rate", limit)
		for i := range limit {
			r := c.get(t, "/api/v1/client/profile")
			v1Want(t, r, http.StatusOK)
			if r.Header.Get("X-RateLimit-Limit") != strconv.Itoa(limit) ||
				r.Header.Get("X-RateLimit-Remaining") != strconv.Itoa(limit-1-i) {
				t.Fatalf("request %d: X-RateLimit-Limit %q Remaining %q", i+1,
					r.Header.Get("X-RateLimit-Limit"), r.Header.Get("X-RateLimit-Remaining"))
			}
		}
		r := c.post(t, "/api/v1/pay", v1PayBody(v1Order(), "10", nil))
		if r.Status != http.StatusTooManyRequests {
			t.Fatalf("request %d: HTTP %d, want 429\n%s", limit+1, r.Status, r.Raw)
		}
		// The body of docs/merchant-api.md §3, exactly.
		var body, want any
		_ = json.Unmarshal(r.Raw, &body)
		_ = json.Unmarshal([]byte(`{"success":false,"message":"Too many requests","code":429}`), &want)
		if fmt.Sprint(body) != fmt.Sprint(want) {
			t.Errorf("429 body %s", r.Raw)
		}
		retry, err := strconv.Atoi(r.Header.Get("Retry-After"))
		if err != nil || retry < 1 || retry > 60/limit {
			t.Errorf("Retry-After %q, want 1..%d s", r.Header.Get("Retry-After"), 60/limit)
		}
		reset, err := strconv.ParseInt(r.Header.Get("X-RateLimit-Reset"), 10, 64)
		now := time.Now().Unix()
		if err != nil || reset < now || reset > now+61 {
			t.Errorf("X-RateLimit-Reset %q, now %d", r.Header.Get("X-RateLimit-Reset"), now)
		}
		if r.Header.Get("X-RateLimit-Limit") != "5" || r.Header.Get("X-RateLimit-Remaining") != "0" {
			t.Errorf("429 X-RateLimit-Limit %q Remaining %q", r.Header.Get("X-RateLimit-Limit"), r.Header.Get("X-RateLimit-Remaining"))
		}
		if n := v1Payments(t, ts, c.clientID); n != 0 {
			t.Errorf("a refused request wrote %d payments", n)
		}
		// Per client: the others go on.
		other := v1NewClient(t, ts, "rate_other", limit)
		v1Want(t, other.get(t, "/api/v1/client/profile"), http.StatusOK)
	})

	t.Run("Validation", func(t *testing.T) {
		t.Parallel()
		c := v1NewClient(t, ts, "valid", 0)
		set := func(k string, v any) func(map[string]any) { return func(m map[string]any) { m[k] = v } }
		del := func(k string) func(map[string]any) { return func(m map[string]any) { delete(m, k) } }
		cases := []struct {
			name  string
			mod   func(map[string]any)
			field string
		}{
			{"amount 0", set("amount", json.Number("0")), "amount"},
			{"amount 0.00", set("amount", json.Number("0.00")), "amount"},
			{"amount negative", set("amount", json.Number("-10.00")), "amount"},
			{"amount 3 decimals", set("amount", json.Number("10.005")), "amount"},
			{"amount not a number", set("amount", "ten"), "amount"},
			{"amount boolean", set("amount", true), "amount"},
			{"amount missing", del("amount"), "amount"},
			{"currency XYZ", set("currency", "XYZ"), "currency"},
			{"currency lower case", set("currency", "usd"), "currency"},
			{"currency no gateway takes", set("currency", "USD"), "currency"},
			{"currency missing", del("currency"), "currency"},
			{"customer_email", set("customer_email", "rahim.example.com"), "customer_email"},
			{"customer_email with name", set("customer_email", "Rahim <rahim@example.com>"), "customer_email"},
			{"webhook_url http", set("webhook_url", "http://shop.example.com/webhook"), "webhook_url"},
			{"webhook_url relative", set("webhook_url", "/webhook"), "webhook_url"},
			{"return_url relative", set("return_url", "/success"), "return_url"},
			{"return_url not http", set("return_url", "ftp://shop.example.com/"), "return_url"},
			{"return_url missing", del("return_url"), "return_url"},
			{"customer_phone Indian", set("customer_phone", "9999999999"), "customer_phone"},
			{"customer_phone short", set("customer_phone", "0177061857"), "customer_phone"},
			{"order_id missing", del("order_id"), "order_id"},
			{"order_id not a string", set("order_id", 10001), "order_id"},
			{"metadata not an object", set("metadata", []int{1}), "metadata"},
		}
		for _, tc := range cases {
			r := c.post(t, "/api/v1/pay", v1PayBody(v1Order(), "1500.00", tc.mod))
			if r.Status != http.StatusUnprocessableEntity || len(r.Env.Errors[tc.field]) == 0 {
				t.Errorf("%s: HTTP %d, want 422 naming %s\n%s", tc.name, r.Status, tc.field, r.Raw)
			}
		}
		// Every bad field at once is named at once.
		r := c.post(t, "/api/v1/pay", []byte(`{"order_id":"","amount":-1,"currency":"BDT","customer_email":"x","return_url":"/r","webhook_url":"http://example.com","customer_phone":"1"}`))
		v1WantInvalid(t, r, "amount")
		for _, f := range []string{"order_id", "customer_email", "return_url", "webhook_url", "customer_phone"} {
			if len(r.Env.Errors[f]) == 0 {
				t.Errorf("all-bad body does not name %s:\n%s", f, r.Raw)
			}
		}

		// Accepted: webhook_url http on loopback in sandbox mode; https.
		accepted := 0
		for _, hook := range []string{"http://127.0.0.1:9/webhook", "http://localhost:9/webhook", "https://127.0.0.1:9/webhook"} {
			v1Want(t, c.post(t, "/api/v1/pay", v1PayBody(v1Order(), "10", set("webhook_url", hook))), http.StatusCreated)
			accepted++
		}
		// Duplicate order_id.
		dup := v1Order()
		v1Want(t, c.post(t, "/api/v1/pay", v1PayBody(dup, "10", nil)), http.StatusCreated)
		accepted++
		r = c.post(t, "/api/v1/pay", v1PayBody(dup, "20", nil))
		v1WantInvalid(t, r, "order_id")

		// Malformed JSON → 400.
		for _, body := range []string{`{"order_id":`, `not json`, `[]`, `"x"`, `{"order_id":"A"} {"x":1}`, ``} {
			r := c.post(t, "/api/v1/pay", []byte(body))
			if r.Status != http.StatusBadRequest {
				t.Errorf("body %q: HTTP %d, want 400\n%s", body, r.Status, r.Raw)
				continue
			}
			v1Want(t, r, http.StatusBadRequest)
		}
		// Body over 64 KB → 413, with and without Content-Length.
		big := v1PayBody(v1Order(), "10", set("metadata", map[string]string{"pad": strings.Repeat("a", 70<<10)}))
		v1Want(t, c.post(t, "/api/v1/pay", big), http.StatusRequestEntityTooLarge)
		v1Want(t, c.send(t, v1Call{Method: http.MethodPost, Target: "/api/v1/pay", Body: big, Chunked: true}), http.StatusRequestEntityTooLarge)
		// A known route with another method → 405 in the envelope.
		v1Want(t, c.get(t, "/api/v1/pay"), http.StatusMethodNotAllowed)
		// Unknown route → 404 in the envelope, signed or not.
		r = c.get(t, "/api/v1/nothing-here")
		v1Want(t, r, http.StatusNotFound)
		resp, err := http.Get(ts.base + "/api/v1/transactionz")
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound || string(bytes.TrimSpace(raw)) != `{"success":false,"message":"Not found","code":404}` {
			t.Errorf("unsigned unknown route: %d %s", resp.StatusCode, raw)
		}

		if n := v1Payments(t, ts, c.clientID); n != accepted {
			t.Fatalf("%d payments in SQL, want %d: refused requests must write nothing", n, accepted)
		}
	})

	t.Run("Idempotency", func(t *testing.T) {
		t.Parallel()
		c := v1NewClient(t, ts, "idem", 0)
		countOrder := func(order string) int {
			return v1Count(t, ts, "SELECT count(*) FROM payments WHERE client_id = $1 AND order_id = $2", c.clientID, order)
		}
		order := v1Order()
		body := v1PayBody(order, "1500.00", nil)
		key := "idem-" + v1Random()
		first := c.send(t, v1Call{Method: http.MethodPost, Target: "/api/v1/pay", Body: body, IdempotencyKey: key})
		v1Want(t, first, http.StatusCreated)
		again := c.send(t, v1Call{Method: http.MethodPost, Target: "/api/v1/pay", Body: body, IdempotencyKey: key})
		if again.Status != http.StatusCreated || !bytes.Equal(again.Raw, first.Raw) {
			t.Fatalf("retry: HTTP %d\n%s\nfirst:\n%s", again.Status, again.Raw, first.Raw)
		}
		if n := countOrder(order); n != 1 {
			t.Fatalf("%d payments after an idempotent retry", n)
		}
		// Same key, another body.
		r := c.send(t, v1Call{Method: http.MethodPost, Target: "/api/v1/pay", Body: v1PayBody(order, "1500.01", nil), IdempotencyKey: key})
		v1Want(t, r, http.StatusConflict)
		if r.Env.Error != "idempotency_error" {
			t.Fatalf("409 without error idempotency_error:\n%s", r.Raw)
		}
		// Same key, another endpoint.
		r = c.send(t, v1Call{Method: http.MethodPost, Target: "/api/v1/refund", Body: body, IdempotencyKey: key})
		v1Want(t, r, http.StatusConflict)
		// Without a key a retry is a new request: the order is taken.
		v1WantInvalid(t, c.post(t, "/api/v1/pay", body), "order_id")
		// Keys belong to their client: another client's same key runs.
		other := v1NewClient(t, ts, "idem_other", 0)
		r = other.send(t, v1Call{Method: http.MethodPost, Target: "/api/v1/pay", Body: body, IdempotencyKey: key})
		v1Want(t, r, http.StatusCreated)
		if v1Data[v1Txn](t, r).TransactionID == v1Data[v1Txn](t, first).TransactionID {
			t.Fatal("another client got the first client's stored response")
		}
		// A refused request (422) is stored too and replayed as it was.
		badKey := "idem-" + v1Random()
		bad := v1PayBody(v1Order(), "0", nil)
		r1 := c.send(t, v1Call{Method: http.MethodPost, Target: "/api/v1/pay", Body: bad, IdempotencyKey: badKey})
		r2 := c.send(t, v1Call{Method: http.MethodPost, Target: "/api/v1/pay", Body: bad, IdempotencyKey: badKey})
		if r1.Status != 422 || r2.Status != 422 || !bytes.Equal(r1.Raw, r2.Raw) {
			t.Fatalf("422 replay: %d %s / %d %s", r1.Status, r1.Raw, r2.Status, r2.Raw)
		}

		// Ten at once with one key: one 201; the rest 409 or that same 201.
		order2 := v1Order()
		body2 := v1PayBody(order2, "99.00", nil)
		key2 := "idem-" + v1Random()
		const n = 10
		res := make([]v1Resp, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				res[i], errs[i] = c.do(context.Background(), v1Call{Method: http.MethodPost, Target: "/api/v1/pay", Body: body2, IdempotencyKey: key2})
			}()
		}
		close(start)
		wg.Wait()
		var created []byte
		fresh, replayed, conflicts := 0, 0, 0
		for i, r := range res {
			if errs[i] != nil {
				t.Fatal(errs[i])
			}
			switch {
			case r.Status == http.StatusCreated && r.Header.Get("Idempotent-Replayed") == "":
				fresh++
				created = r.Raw
			case r.Status == http.StatusCreated:
				replayed++
			case r.Status == http.StatusConflict && r.Env.Error == "idempotency_error":
				conflicts++
			default:
				t.Fatalf("concurrent request %d: HTTP %d\n%s", i, r.Status, r.Raw)
			}
		}
		if fresh != 1 {
			t.Fatalf("%d first responses among %d concurrent requests (replays %d, 409 %d)", fresh, n, replayed, conflicts)
		}
		for _, r := range res {
			if r.Status == http.StatusCreated && !bytes.Equal(r.Raw, created) {
				t.Fatalf("a replay differs from the first response:\n%s\n%s", r.Raw, created)
			}
		}
		if c := countOrder(order2); c != 1 {
			t.Fatalf("%d payments for %d concurrent requests with one key", c, n)
		}
	})

	t.Run("Isolation", func(t *testing.T) {
		t.Parallel()
		a := v1NewClient(t, ts, "iso_a", 0)
		b := v1NewClient(t, ts, "iso_b", 0)
		order := v1Order()
		r := a.post(t, "/api/v1/pay", v1PayBody(order, "10", nil))
		v1Want(t, r, http.StatusCreated)
		txn := v1Data[v1Txn](t, r).TransactionID

		r = b.get(t, "/api/v1/transaction/"+txn)
		v1Want(t, r, http.StatusNotFound)
		if bytes.Contains(r.Raw, []byte(order)) {
			t.Fatalf("404 leaks the order: %s", r.Raw)
		}
		v1Want(t, b.post(t, "/api/v1/refund", v1JSON(map[string]any{"transaction_id": txn, "amount": 1})), http.StatusNotFound)
		for _, q := range []string{"", "?order_id=" + order, "?status=pending"} {
			r = b.get(t, "/api/v1/transactions"+q)
			v1Want(t, r, http.StatusOK)
			if r.Env.Meta == nil || r.Env.Meta.Total != 0 || len(v1Data[[]v1Txn](t, r)) != 0 {
				t.Fatalf("client b lists a's payments (%s): %s", q, r.Raw)
			}
		}
		r = a.get(t, "/api/v1/transactions")
		if r.Env.Meta == nil || r.Env.Meta.Total != 1 {
			t.Fatalf("client a lists: %s", r.Raw)
		}
		// order_id is unique per client, not across clients.
		v1Want(t, b.post(t, "/api/v1/pay", v1PayBody(order, "10", nil)), http.StatusCreated)
		// b's dashboard counts b's payment only.
		r = b.get(t, "/api/v1/client/dashboard")
		v1Want(t, r, http.StatusOK)
		if d := v1Fields(t, r); fmt.Sprint(d["total_transactions"]) != "1" {
			t.Fatalf("b's dashboard: %s", r.Raw)
		}
	})

	t.Run("RegenerateKeys", func(t *testing.T) {
		t.Parallel()
		c := v1NewClient(t, ts, "keys", 0)
		other := v1NewClient(t, ts, "keys_other", 0)
		oldKey, oldSecret := c.key, c.secret

		// Another client's client_id → 403, nothing rotated.
		for _, body := range []string{`{"client_id":"` + other.clientID + `"}`, `{"client_id":1}`} {
			r := c.post(t, "/api/v1/api-keys/regenerate", []byte(body))
			v1Want(t, r, http.StatusForbidden)
		}
		v1Want(t, c.get(t, "/api/v1/client/profile"), http.StatusOK)
		v1Want(t, other.get(t, "/api/v1/client/profile"), http.StatusOK)

		r := c.post(t, "/api/v1/api-keys/regenerate", v1JSON(map[string]any{"client_id": c.clientID}))
		v1Want(t, r, http.StatusOK)
		creds := v1Data[struct {
			APIKey    string `json:"api_key"`
			SecretKey string `json:"secret_key"`
		}](t, r)
		if r.Env.Message != "API keys regenerated" || creds.APIKey == "" || creds.SecretKey == "" ||
			creds.APIKey == oldKey || creds.SecretKey == oldSecret {
			t.Fatalf("regenerate: %s", r.Raw)
		}
		// The old key is refused; the new pair works.
		r = c.get(t, "/api/v1/client/profile")
		v1Want(t, r, http.StatusUnauthorized)
		c.key, c.secret = creds.APIKey, creds.SecretKey
		r = c.get(t, "/api/v1/client/profile")
		v1Want(t, r, http.StatusOK)
		if p := v1Data[map[string]any](t, r); p["api_key"] != creds.APIKey || p["client_id"] != c.clientID {
			t.Fatalf("profile after rotation: %s", r.Raw)
		}
		if bytes.Contains(r.Raw, []byte(creds.SecretKey)) || bytes.Contains(bytes.ToLower(r.Raw), []byte("secret")) {
			t.Fatalf("profile shows the secret: %s", r.Raw)
		}
		// The old secret under the new key is refused.
		v1Want(t, c.send(t, v1Call{Method: http.MethodGet, Target: "/api/v1/client/profile", Secret: oldSecret}), http.StatusUnauthorized)
		// No body at all rotates the caller's own keys.
		r = c.post(t, "/api/v1/api-keys/regenerate", nil)
		v1Want(t, r, http.StatusOK)
		v1Want(t, c.get(t, "/api/v1/client/profile"), http.StatusUnauthorized)
		// The other client was never touched.
		v1Want(t, other.get(t, "/api/v1/client/profile"), http.StatusOK)
	})

	// Money is never refunded twice: concurrent full refunds of one
	// payment give one 201, the others 422.
	t.Run("ConcurrentRefunds", func(t *testing.T) {
		t.Parallel()
		c := v1NewClient(t, ts, "refunds", 0)
		r := c.post(t, "/api/v1/pay", v1PayBody(v1Order(), "1000.00", nil))
		v1Want(t, r, http.StatusCreated)
		p := v1Data[v1Txn](t, r)
		v1PayOnWallet(t, ts, p.PaymentURL, p.TransactionID)
		const n = 6
		res := make([]v1Resp, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res[i], errs[i] = c.do(context.Background(), v1Call{Method: http.MethodPost, Target: "/api/v1/refund",
					Body: v1JSON(map[string]any{"transaction_id": p.TransactionID, "amount": json.Number("1000.00")})})
			}()
		}
		wg.Wait()
		accepted := 0
		for i, r := range res {
			if errs[i] != nil {
				t.Fatal(errs[i])
			}
			switch {
			case r.Status == http.StatusCreated:
				accepted++
			case r.Status == http.StatusUnprocessableEntity && len(r.Env.Errors["amount"]) > 0:
			case r.Status == http.StatusUnprocessableEntity && len(r.Env.Errors["transaction_id"]) > 0 &&
				strings.Contains(r.Env.Errors["transaction_id"][0], "is refunded"):
				// The accepted refund's job already finished: the payment is
				// refunded, so a late request is refused for that instead.
			default:
				t.Errorf("concurrent refund %d: HTTP %d %s", i, r.Status, r.Raw)
			}
		}
		if accepted != 1 {
			t.Fatalf("%d of %d concurrent full refunds accepted, want 1", accepted, n)
		}
		portstest.WaitFor(t, "refunded", func() bool {
			return v1Data[v1Txn](t, c.get(t, "/api/v1/transaction/"+p.TransactionID)).Status == "refunded"
		})
		if k := v1Count(t, ts, "SELECT count(*) FROM refunds WHERE payment_id = $1", p.TransactionID); k != 1 {
			t.Fatalf("%d refunds stored", k)
		}
		// The only refunds on this node: submitted to bKash once.
		if k := ts.sim.Stats()["refund"]; k != 1 {
			t.Fatalf("bKash refund called %d times, want 1 (stats %v)", k, ts.sim.Stats())
		}
	})

	// One order_id, ten creates at once (no Idempotency-Key): one payment,
	// the others 422 naming order_id.
	t.Run("ConcurrentDuplicateOrder", func(t *testing.T) {
		t.Parallel()
		c := v1NewClient(t, ts, "dup", 0)
		order := v1Order()
		const n = 10
		res := make([]v1Resp, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res[i], errs[i] = c.do(context.Background(), v1Call{Method: http.MethodPost, Target: "/api/v1/pay",
					Body: v1PayBody(order, strconv.Itoa(10+i), nil)})
			}()
		}
		wg.Wait()
		created := 0
		for i, r := range res {
			if errs[i] != nil {
				t.Fatal(errs[i])
			}
			switch {
			case r.Status == http.StatusCreated:
				created++
			case r.Status == http.StatusUnprocessableEntity && len(r.Env.Errors["order_id"]) > 0:
			default:
				t.Errorf("create %d: HTTP %d %s", i, r.Status, r.Raw)
			}
		}
		if created != 1 || v1Payments(t, ts, c.clientID) != 1 {
			t.Fatalf("%d created, %d stored; want 1", created, v1Payments(t, ts, c.clientID))
		}
	})

	// The new secret is shown once and otherwise kept only sealed: a
	// regenerate sent with an Idempotency-Key must not leave it in clear
	// text in the database (the stored first response).
	t.Run("RegenerateSecretAtRest", func(t *testing.T) {
		t.Parallel()
		c := v1NewClient(t, ts, "keys_rest", 0)
		r := c.send(t, v1Call{Method: http.MethodPost, Target: "/api/v1/api-keys/regenerate", IdempotencyKey: "rotate-" + v1Random()})
		v1Want(t, r, http.StatusOK)
		secret := v1Data[map[string]string](t, r)["secret_key"]
		if secret == "" {
			t.Fatalf("regenerate: %s", r.Raw)
		}
		for _, q := range []string{
			"SELECT count(*) FROM idempotency_keys WHERE position(convert_to($1, 'UTF8') IN response) > 0",
			"SELECT count(*) FROM request_logs WHERE strpos(request_body || response_body, $1) > 0",
			"SELECT count(*) FROM api_keys WHERE position(convert_to($1, 'UTF8') IN secret_enc) > 0",
		} {
			if n := v1Count(t, ts, q, secret); n != 0 {
				t.Errorf("the new secret is stored in clear text: %s → %d rows", q, n)
			}
		}
	})

	t.Run("RequestLog", func(t *testing.T) {
		t.Parallel()
		c := v1NewClient(t, ts, "logs", 0)
		start := time.Now().Add(-time.Second)
		v1Want(t, c.get(t, "/api/v1/client/profile"), http.StatusOK)
		v1Want(t, c.get(t, "/api/v1/transactions?page=1&limit=2"), http.StatusOK)
		order := v1Order()
		v1Want(t, c.post(t, "/api/v1/pay", v1PayBody(order, "1500.00", nil)), http.StatusCreated)
		v1WantInvalid(t, c.post(t, "/api/v1/pay", v1PayBody(v1Order(), "0", nil)), "amount")
		r := c.post(t, "/api/v1/api-keys/regenerate", nil)
		v1Want(t, r, http.StatusOK)
		secret := v1Data[map[string]string](t, r)["secret_key"]
		if secret == "" {
			t.Fatalf("regenerate: %s", r.Raw)
		}

		type row struct {
			method, endpoint, reqBody, respBody, ip string
			status, latency                         int
			at                                      time.Time
		}
		var rows []row
		portstest.WaitFor(t, "request logs written", func() bool {
			rs, err := ts.db.Pool.Query(context.Background(), `SELECT method, endpoint, status_code, request_body,
				response_body, ip, latency_ms, created_at FROM request_logs WHERE client_id = $1 ORDER BY id`, c.clientID)
			if err != nil {
				t.Fatal(err)
			}
			defer rs.Close()
			rows = rows[:0]
			for rs.Next() {
				var x row
				if err := rs.Scan(&x.method, &x.endpoint, &x.status, &x.reqBody, &x.respBody, &x.ip, &x.latency, &x.at); err != nil {
					t.Fatal(err)
				}
				rows = append(rows, x)
			}
			return len(rows) >= 5
		})
		if len(rows) != 5 {
			t.Fatalf("%d request logs, want 5: %+v", len(rows), rows)
		}
		want := []struct {
			method, endpoint string
			status           int
		}{
			{"GET", "/api/v1/client/profile", 200}, {"GET", "/api/v1/transactions", 200},
			{"POST", "/api/v1/pay", 201}, {"POST", "/api/v1/pay", 422}, {"POST", "/api/v1/api-keys/regenerate", 200},
		}
		for i, w := range want {
			x := rows[i]
			if x.method != w.method || x.endpoint != w.endpoint || x.status != w.status {
				t.Errorf("log %d: %s %s %d, want %s %s %d", i, x.method, x.endpoint, x.status, w.method, w.endpoint, w.status)
			}
			if x.ip != "127.0.0.1" || x.latency < 0 || x.at.Before(start) || x.at.After(time.Now()) {
				t.Errorf("log %d: ip %q latency %d at %v", i, x.ip, x.latency, x.at)
			}
		}
		if !strings.Contains(rows[2].reqBody, order) || !strings.Contains(rows[2].reqBody, `"amount":1500.00`) ||
			!strings.Contains(rows[2].respBody, "transaction_id") {
			t.Errorf("create logged as\nrequest %s\nresponse %s", rows[2].reqBody, rows[2].respBody)
		}
		if !strings.Contains(rows[3].respBody, "Validation failed") {
			t.Errorf("422 logged as %s", rows[3].respBody)
		}
		var logged struct {
			Data map[string]any `json:"data"`
		}
		if err := json.Unmarshal([]byte(rows[4].respBody), &logged); err != nil {
			t.Fatalf("regenerate response logged as %q: %v", rows[4].respBody, err)
		}
		if logged.Data["secret_key"] != "[REDACTED]" {
			t.Errorf("secret_key logged as %v", logged.Data["secret_key"])
		}
		if n := v1Count(t, ts, "SELECT count(*) FROM request_logs WHERE request_body LIKE '%'||$1||'%' OR response_body LIKE '%'||$1||'%'", secret); n != 0 {
			t.Errorf("the new secret is in %d request logs", n)
		}
		// Refused requests are logged too, without a client.
		v1Want(t, c.send(t, v1Call{Method: http.MethodGet, Target: "/api/v1/gateways", Key: "pk_nobody_" + c.clientID}), http.StatusUnauthorized)
		portstest.WaitFor(t, "401 logged", func() bool {
			return v1Count(t, ts, "SELECT count(*) FROM request_logs WHERE client_id = '' AND endpoint = '/api/v1/gateways' AND status_code = 401") >= 1
		})
	})
}
