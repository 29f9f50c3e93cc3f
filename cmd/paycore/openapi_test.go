package main

// The OpenAPI description of REST v1 (adapters/rest/openapi.json), as the
// server serves it, is valid, and real answers of a running node match it.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	legacyrouter "github.com/getkin/kin-openapi/routers/legacy"
)

// v1Spec is the served document, loaded and validated, with a router.
type v1Spec struct {
	doc    *openapi3.T
	router routers.Router
}

func v1LoadSpec(t *testing.T, base string) v1Spec {
	t.Helper()
	resp, err := http.Get(base + "/api/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("GET /api/v1/openapi.json: HTTP %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(raw)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		t.Fatalf("the served document is not valid OpenAPI: %v", err)
	}
	if doc.OpenAPI != "3.0.3" {
		t.Fatalf("openapi %q, want 3.0.3", doc.OpenAPI)
	}
	router, err := legacyrouter.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return v1Spec{doc: doc, router: router}
}

// check validates the request r was answered to (when validateRequest)
// and r itself against the document.
func (s v1Spec) check(t *testing.T, r v1Resp, validateRequest bool) {
	t.Helper()
	ctx := context.Background()
	// The document's server is relative (/api/v1): route on the request
	// target alone.
	req, err := http.NewRequest(r.Req.Method, r.Req.URL.RequestURI(), bytes.NewReader(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = r.Req.Header.Clone()
	route, params, err := s.router.FindRoute(req)
	if err != nil {
		t.Fatalf("%s %s: no route in the document: %v", req.Method, req.URL, err)
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{MultiError: true, AuthenticationFunc: v1HeaderPresent}}
	if validateRequest {
		if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
			t.Errorf("%s %s: request does not match the document: %v\n%s", req.Method, req.URL, err, r.Body)
		}
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: r.Status, Header: r.Header,
		Body:    io.NopCloser(bytes.NewReader(r.Raw)),
		Options: &openapi3filter.Options{MultiError: true, IncludeResponseStatus: true},
	}
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		t.Errorf("%s %s → %d: response does not match the document: %v\n%s", req.Method, req.URL, r.Status, err, r.Raw)
	}
}

// v1HeaderPresent stands in for the server's HMAC check: each security
// scheme's header must be there.
func v1HeaderPresent(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	s := in.SecurityScheme
	if s.Type != "apiKey" || s.In != "header" {
		return errors.New("unexpected security scheme " + in.SecuritySchemeName)
	}
	if in.RequestValidationInput.Request.Header.Get(s.Name) == "" {
		return errors.New("missing " + s.Name)
	}
	return nil
}

func TestOpenAPIDescribesRealAnswers(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	spec := v1LoadSpec(t, ts.base)

	// The document describes exactly the routes of adapters/rest/api.go.
	want := map[string]string{
		"/pay": "POST", "/transaction/{transaction_id}": "GET", "/transactions": "GET", "/refund": "POST",
		"/api-keys/regenerate": "POST", "/client/profile": "GET", "/client/dashboard": "GET",
		"/gateways": "GET", "/gateways/health": "GET", "/webhook": "POST", "/openapi.json": "GET",
		"/webhooks": "GET", "/webhooks/{event_id}/redeliver": "POST",
	}
	for path, item := range spec.doc.Paths.Map() {
		ops := item.Operations()
		if len(ops) != 1 || ops[want[path]] == nil {
			t.Errorf("document path %s %v, want only %s", path, ops, want[path])
		}
		delete(want, path)
	}
	if len(want) > 0 {
		t.Errorf("routes missing from the document: %v", want)
	}

	c := v1Demo(ts)
	ok := func(r v1Resp, status int) v1Resp {
		t.Helper()
		v1Want(t, r, status)
		spec.check(t, r, true)
		return r
	}
	refused := func(r v1Resp, status int) v1Resp {
		t.Helper()
		v1Want(t, r, status)
		spec.check(t, r, false)
		return r
	}

	// create, get, list
	r := ok(c.post(t, "/api/v1/pay", v1PayBody(v1Order(), "1500.00", nil)), http.StatusCreated)
	created := v1Data[v1Txn](t, r)
	ok(c.post(t, "/api/v1/pay", v1PayBody(v1Order(), "250", func(m map[string]any) {
		delete(m, "metadata")
		delete(m, "webhook_url")
		m["amount"] = "250.5"
	})), http.StatusCreated)
	ok(c.get(t, "/api/v1/transaction/"+created.TransactionID), http.StatusOK)
	ok(c.get(t, "/api/v1/transactions"), http.StatusOK)
	ok(c.get(t, "/api/v1/transactions?page=1&limit=1&status=pending&from_date=2026-01-01&to_date=2099-12-31"), http.StatusOK)
	ok(c.get(t, "/api/v1/transactions?order_id="+created.OrderID), http.StatusOK)

	// paid and refunded
	v1PayOnWallet(t, ts, created.PaymentURL, created.TransactionID)
	ok(c.get(t, "/api/v1/transaction/"+created.TransactionID), http.StatusOK)
	ok(c.post(t, "/api/v1/refund", v1JSON(map[string]any{"transaction_id": created.TransactionID,
		"amount": json.Number("500.00"), "reason": "Customer request"})), http.StatusCreated)
	ok(c.send(t, v1Call{Method: http.MethodPost, Target: "/api/v1/refund", IdempotencyKey: "refund-" + v1Random(),
		Body: v1JSON(map[string]any{"transaction_id": created.TransactionID, "amount": "1.00"})}), http.StatusCreated)

	// client and gateways
	ok(c.get(t, "/api/v1/client/profile"), http.StatusOK)
	ok(c.get(t, "/api/v1/client/dashboard"), http.StatusOK)
	ok(c.get(t, "/api/v1/gateways"), http.StatusOK)
	ok(c.get(t, "/api/v1/gateways/health"), http.StatusOK)

	// webhook deliveries (the payments' webhook_url), and one sent again
	r = ok(c.get(t, "/api/v1/webhooks"), http.StatusOK)
	deliveries := v1Data[[]struct {
		EventID string `json:"event_id"`
	}](t, r)
	if len(deliveries) == 0 {
		t.Fatalf("no webhook deliveries listed: %s", r.Raw)
	}
	ok(c.get(t, "/api/v1/webhooks?limit=1&event_id="+deliveries[0].EventID), http.StatusOK)
	ok(c.post(t, "/api/v1/webhooks/"+deliveries[0].EventID+"/redeliver", nil), http.StatusAccepted)
	ok(c.post(t, "/api/v1/webhooks/evt_doesnotexist/redeliver", nil), http.StatusNotFound)

	// idempotent replay, and 409 for the same key with another body
	key := "idem-" + v1Random()
	body := v1PayBody(v1Order(), "10.00", nil)
	ok(c.send(t, v1Call{Method: http.MethodPost, Target: "/api/v1/pay", Body: body, IdempotencyKey: key}), http.StatusCreated)
	r = ok(c.send(t, v1Call{Method: http.MethodPost, Target: "/api/v1/pay", Body: body, IdempotencyKey: key}), http.StatusCreated)
	if r.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("replay without Idempotent-Replayed: %v", r.Header)
	}
	ok(c.send(t, v1Call{Method: http.MethodPost, Target: "/api/v1/pay", Body: v1PayBody(v1Order(), "11.00", nil), IdempotencyKey: key}), http.StatusConflict)

	// errors
	refused(c.send(t, v1Call{Method: http.MethodGet, Target: "/api/v1/client/profile", Secret: "sk_wrong"}), http.StatusUnauthorized)
	refused(c.send(t, v1Call{Method: http.MethodPost, Target: "/api/v1/pay", Body: body, Omit: []string{"X-API-NONCE"}}), http.StatusUnauthorized)
	ok(c.get(t, "/api/v1/transaction/txn_doesnotexist"), http.StatusNotFound)
	ok(c.post(t, "/api/v1/refund", []byte(`{"transaction_id":"txn_doesnotexist","amount":1}`)), http.StatusNotFound)
	ok(c.post(t, "/api/v1/pay", v1PayBody(v1Order(), "0", nil)), http.StatusUnprocessableEntity)
	refused(c.post(t, "/api/v1/pay", v1PayBody(v1Order(), "1.001", func(m map[string]any) { m["currency"] = "usd" })), http.StatusUnprocessableEntity)
	refused(c.get(t, "/api/v1/transactions?status=paid"), http.StatusUnprocessableEntity)
	refused(c.post(t, "/api/v1/pay", []byte(`{"order_id":`)), http.StatusBadRequest)
	refused(c.post(t, "/api/v1/pay", v1PayBody(v1Order(), "1", func(m map[string]any) {
		m["metadata"] = map[string]string{"pad": strings.Repeat("x", 70<<10)}
	})), http.StatusRequestEntityTooLarge)
	other := v1NewClient(t, ts, "oa_other", 0)
	ok(c.post(t, "/api/v1/api-keys/regenerate", v1JSON(map[string]string{"client_id": other.clientID})), http.StatusForbidden)

	// regenerate (another client, so the demo key stays), then 429
	ok(other.post(t, "/api/v1/api-keys/regenerate", v1JSON(map[string]string{"client_id": other.clientID})), http.StatusOK)
	limited := v1NewClient(t, ts, "oa_limited", 2)
	ok(limited.get(t, "/api/v1/gateways"), http.StatusOK)
	ok(limited.get(t, "/api/v1/gateways"), http.StatusOK)
	r = refused(limited.get(t, "/api/v1/gateways"), http.StatusTooManyRequests)
	if r.Header.Get("Retry-After") == "" {
		t.Errorf("429 without Retry-After")
	}
	refused(limited.post(t, "/api/v1/pay", v1PayBody(v1Order(), "1", nil)), http.StatusTooManyRequests)

	// The gateways' webhook: unsigned, and from a gateway paycore does not
	// know.
	event := v1JSON(map[string]any{"id": "evt_" + v1Random(), "event": "payment.pending", "transaction_id": created.TransactionID})
	refused(v1Unsigned(t, ts, "/api/v1/webhook", event, map[string]string{"X-Gateway": "bkash", "X-Webhook-Signature": "t=1,v1=00"}), http.StatusUnauthorized)
	refused(v1Unsigned(t, ts, "/api/v1/webhook?gateway=nagad", event, map[string]string{"X-Webhook-Signature": "t=1,v1=00"}), http.StatusNotFound)
}

// v1Unsigned posts body to target without the merchant headers.
func v1Unsigned(t *testing.T, ts *testServer, target string, body []byte, headers map[string]string) v1Resp {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, ts.base+target, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := v1Resp{Status: resp.StatusCode, Header: resp.Header, Raw: raw, Req: req, Body: body}
	if err := json.Unmarshal(raw, &out.Env); err != nil {
		t.Fatalf("POST %s: HTTP %d, not JSON: %s", target, resp.StatusCode, raw)
	}
	return out
}
