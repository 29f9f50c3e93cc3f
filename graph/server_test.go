package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/graph"
	"github.com/paycore/paycore/ports"
)

type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

type gqlResponse struct {
	Data   json.RawMessage `json:"data"`
	Errors []gqlError      `json:"errors"`
}

// post sends one GraphQL operation as POST /graphql with extra headers.
func (e *env) post(t *testing.T, query string, vars map[string]any, hdr http.Header) (int, gqlResponse) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range hdr {
		req.Header[k] = v
	}
	return e.send(t, req)
}

func (e *env) send(t *testing.T, req *http.Request) (int, gqlResponse) {
	t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out gqlResponse
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Fatalf("decode response (HTTP %d): %v", res.StatusCode, err)
	}
	return res.StatusCode, out
}

// signed returns HMAC headers for a request (docs/merchant-api.md §2.2).
func signed(method, path string, body []byte, nonce string) http.Header {
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	sig := app.Sign([]byte(demoSecret), app.SignedRequest{Method: method, Path: path, Timestamp: ts, Nonce: nonce, Body: body})
	return http.Header{"X-Api-Key": {demoKey}, "X-Api-Signature": {sig}, "X-Api-Timestamp": {ts}, "X-Api-Nonce": {nonce}}
}

func errorCode(t *testing.T, r gqlResponse) string {
	t.Helper()
	if len(r.Errors) != 1 {
		t.Fatalf("want one error, got %+v (data %s)", r.Errors, r.Data)
	}
	code, _ := r.Errors[0].Extensions["code"].(string)
	return code
}

const createMutation = `mutation($in: CreatePaymentInput!) {
  createPayment(input: $in) {
    payment { transactionId orderId amount { amount currency } status paymentURL attempts { id } }
    paymentURL clientToken clientTokenExpiresAt
  }
}`

func createInput(orderID string) map[string]any {
	return map[string]any{"in": map[string]any{
		"orderId": orderID, "amount": "1500", "currency": "BDT",
		"customerPhone": "01712345678", "returnURL": "https://shop.example/done",
		"metadata": map[string]any{"cart": 42, "note": "gift"},
	}}
}

func TestUnauthenticatedFields(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seedPayment(t, "txn_a1", clientA)
	for name, q := range map[string]struct {
		query string
		vars  map[string]any
	}{
		"createPayment": {createMutation, createInput("o-1")},
		"startPayment":  {`mutation { startPayment(transactionId: "txn_a1", gateway: BKASH) { redirectURL } }`, nil},
		"payment":       {`{ payment(transactionId: "txn_a1") { status } }`, nil},
		"gateways":      {`{ gateways }`, nil},
	} {
		t.Run(name, func(t *testing.T) {
			status, res := e.post(t, q.query, q.vars, nil)
			if status != http.StatusOK {
				t.Errorf("HTTP %d, want 200", status)
			}
			if code := errorCode(t, res); code != graph.CodeUnauthenticated {
				t.Errorf("code %q, want UNAUTHENTICATED", code)
			}
			if res.Errors[0].Message != "authentication required" {
				t.Errorf("message %q", res.Errors[0].Message)
			}
		})
	}
}

func TestBadCredentialsAre401(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	body := []byte(`{"query":"{ gateways }"}`)
	badSig := signed(http.MethodPost, "/graphql", body, "n-bad")
	badSig.Set("X-Api-Signature", strings.Repeat("0", 64))
	expired, _, _ := e.tokens.Issue(app.Principal{ClientID: clientA})
	for name, hdr := range map[string]http.Header{
		"garbage bearer":  bearer("not-a-jwt"),
		"foreign bearer":  bearer(expired[:len(expired)-4] + "AAAA"),
		"bad signature":   badSig,
		"unknown api key": {"X-Api-Key": {"nope"}, "X-Api-Signature": {"00"}, "X-Api-Timestamp": {"1"}, "X-Api-Nonce": {"n"}},
	} {
		t.Run(name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/graphql", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			for k, v := range hdr {
				req.Header[k] = v
			}
			status, res := e.send(t, req)
			if status != http.StatusUnauthorized {
				t.Fatalf("HTTP %d, want 401", status)
			}
			if code := errorCode(t, res); code != graph.CodeUnauthenticated || res.Errors[0].Message == "" {
				t.Errorf("got %+v", res.Errors[0])
			}
		})
	}
}

func TestHMACSignedRequest(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	body := []byte(`{"query":"{ gateways }"}`)
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/graphql", bytes.NewReader(body))
	req.Header = signed(http.MethodPost, "/graphql", body, "n-1")
	req.Header.Set("Content-Type", "application/json")
	status, res := e.send(t, req)
	if status != http.StatusOK || len(res.Errors) != 0 || string(res.Data) != `{"gateways":["BKASH"]}` {
		t.Fatalf("HTTP %d %s %+v", status, res.Data, res.Errors)
	}

	// The same nonce again is a replay.
	req, _ = http.NewRequest(http.MethodPost, e.srv.URL+"/graphql", bytes.NewReader(body))
	req.Header = signed(http.MethodPost, "/graphql", body, "n-1")
	req.Header.Set("Content-Type", "application/json")
	if status, res := e.send(t, req); status != http.StatusUnauthorized || res.Errors[0].Message != "nonce already used" {
		t.Fatalf("replay: HTTP %d %+v", status, res.Errors)
	}
}

func TestComplexityLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withComplexityLimit(5))
	e.seedPayment(t, "txn_a1", clientA)
	hdr := bearer(e.token(t, app.Principal{ClientID: clientA}))

	status, res := e.post(t, `{ payment(transactionId: "txn_a1") { transactionId status } }`, nil, hdr)
	if status != http.StatusOK || len(res.Errors) != 0 {
		t.Fatalf("small query: HTTP %d %+v", status, res.Errors)
	}

	// Refused before any resolver runs: no data, one error.
	_, res = e.post(t, `{ payment(transactionId: "txn_a1") {
	  transactionId orderId status paymentURL amount { amount currency } attempts { id status } } }`, nil, hdr)
	if code := errorCode(t, res); code != "COMPLEXITY_LIMIT_EXCEEDED" {
		t.Errorf("code %q", code)
	}
	if string(res.Data) != "" && string(res.Data) != "null" {
		t.Errorf("data %s, want none", res.Data)
	}
}

func TestIntrospection(t *testing.T) {
	t.Parallel()
	off, on := newEnv(t), newEnv(t, func(c *graph.Config, _ *fakeGateway) { c.Introspection = true })
	const q = `{ __schema { queryType { name } } }`
	if _, res := off.post(t, q, nil, bearer(off.token(t, app.Principal{ClientID: clientA}))); len(res.Errors) == 0 {
		t.Errorf("introspection served by default: %s", res.Data)
	}
	if _, res := off.post(t, q, nil, off.adminToken(t)); len(res.Errors) != 0 {
		t.Errorf("introspection refused to an admin: %+v", res.Errors)
	}
	if _, res := off.post(t, q, nil, nil); len(res.Errors) == 0 {
		t.Errorf("introspection served to an anonymous caller: %s", res.Data)
	}
	if _, res := on.post(t, q, nil, bearer(on.token(t, app.Principal{ClientID: clientA}))); len(res.Errors) != 0 ||
		string(res.Data) != `{"__schema":{"queryType":{"name":"Query"}}}` {
		t.Errorf("introspection on: %s %+v", res.Data, res.Errors)
	}
}

func TestCreateStartAndReadWithClientToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	merchant := bearer(e.token(t, app.Principal{ClientID: clientA}))

	status, res := e.post(t, createMutation, createInput("order-77"), merchant)
	if status != http.StatusOK || len(res.Errors) != 0 {
		t.Fatalf("create: HTTP %d %+v", status, res.Errors)
	}
	var created struct {
		CreatePayment struct {
			Payment struct {
				TransactionID string
				OrderID       string
				Amount        struct{ Amount, Currency string }
				Status        string
				PaymentURL    string
				Attempts      []any
			}
			PaymentURL           string
			ClientToken          string
			ClientTokenExpiresAt time.Time
		}
	}
	if err := json.Unmarshal(res.Data, &created); err != nil {
		t.Fatal(err)
	}
	c := created.CreatePayment
	txn := c.Payment.TransactionID
	if !strings.HasPrefix(txn, "txn_") || c.Payment.OrderID != "order-77" || c.Payment.Status != "PENDING" ||
		c.Payment.Amount.Amount != "1500.00" || c.Payment.Amount.Currency != "BDT" || c.Payment.Attempts == nil ||
		c.PaymentURL != "https://pay.example/pay/"+txn || c.Payment.PaymentURL != c.PaymentURL {
		t.Fatalf("payload %+v", c)
	}
	if time.Until(c.ClientTokenExpiresAt) < 50*time.Minute {
		t.Errorf("token expires at %v", c.ClientTokenExpiresAt)
	}
	pr, err := e.tokens.Verify(c.ClientToken)
	if err != nil || pr != (app.Principal{ClientID: clientA, TransactionID: txn}) {
		t.Fatalf("client token principal %+v, %v", pr, err)
	}
	stored := e.store.get(t, txn)
	if got := string(stored.Order.Metadata); got != `{"cart":42,"note":"gift"}` {
		t.Errorf("metadata stored as %s", got)
	}

	spa := bearer(c.ClientToken)
	t.Run("scoped token may not create", func(t *testing.T) {
		_, res := e.post(t, createMutation, createInput("order-78"), spa)
		if code := errorCode(t, res); code != graph.CodeForbidden {
			t.Errorf("code %q, want FORBIDDEN", code)
		}
	})
	t.Run("scoped token starts its payment", func(t *testing.T) {
		_, res := e.post(t, `mutation($id: ID!) { startPayment(transactionId: $id, gateway: BKASH) { redirectURL } }`,
			map[string]any{"id": txn}, spa)
		if len(res.Errors) != 0 || !strings.Contains(string(res.Data), `"redirectURL":"https://wallet.example/pay/att_`) {
			t.Fatalf("%s %+v", res.Data, res.Errors)
		}
		_, res = e.post(t, `query($id: ID!) { payment(transactionId: $id) { status attempts { gateway status } } }`,
			map[string]any{"id": txn}, spa)
		if want := `{"payment":{"status":"PENDING","attempts":[{"gateway":"BKASH","status":"REDIRECTED"}]}}`; string(res.Data) != want || len(res.Errors) != 0 {
			t.Fatalf("got %s %+v, want %s", res.Data, res.Errors, want)
		}
	})
	t.Run("gateway not active", func(t *testing.T) {
		_, res := e.post(t, `mutation($id: ID!) { startPayment(transactionId: $id, gateway: NAGAD) { redirectURL } }`,
			map[string]any{"id": txn}, spa)
		if code := errorCode(t, res); code != graph.CodeGatewayUnavailable {
			t.Errorf("code %q", code)
		}
	})
	t.Run("scoped token sees no other payment", func(t *testing.T) {
		e.seedPayment(t, "txn_other", clientA)
		for _, q := range []string{
			`{ payment(transactionId: "txn_other") { status } }`,
			`mutation { startPayment(transactionId: "txn_other", gateway: BKASH) { redirectURL } }`,
		} {
			if _, res := e.post(t, q, nil, spa); errorCode(t, res) != graph.CodeNotFound {
				t.Errorf("%s: %+v", q, res.Errors)
			}
		}
	})
}

func TestClientSeesOnlyItsPayments(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seedPayment(t, "txn_b1", clientB)
	hdr := bearer(e.token(t, app.Principal{ClientID: clientA}))
	for _, q := range []string{
		`{ payment(transactionId: "txn_b1") { status } }`,
		`{ payment(transactionId: "txn_missing") { status } }`,
		`mutation { startPayment(transactionId: "txn_b1", gateway: BKASH) { redirectURL } }`,
	} {
		_, res := e.post(t, q, nil, hdr)
		if errorCode(t, res) != graph.CodeNotFound || res.Errors[0].Message != "not found" {
			t.Errorf("%s: %+v", q, res.Errors)
		}
	}
	if n := e.store.attemptCount(t); n != 0 {
		t.Errorf("%d attempts opened on another client's payment", n)
	}
}

func TestValidationErrorFields(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hdr := bearer(e.token(t, app.Principal{ClientID: clientA}))
	in := createInput("bad order id!")
	in["in"].(map[string]any)["amount"] = "10.005"
	_, res := e.post(t, createMutation, in, hdr)
	if code := errorCode(t, res); code != graph.CodeValidationFailed {
		t.Fatalf("code %q", code)
	}
	fields, _ := res.Errors[0].Extensions["fields"].(map[string]any)
	if len(fields) != 2 || fields["orderId"] == nil || fields["amount"] == nil {
		t.Errorf("fields %v, want orderId and amount", fields)
	}
}

func TestGatewayRefusal(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withGatewayRefusal(&ports.GatewayError{Gateway: domain.GatewayBkash, Code: "2023", Message: "Insufficient Balance"}))
	e.seedPayment(t, "txn_a1", clientA)
	hdr := bearer(e.token(t, app.Principal{ClientID: clientA}))
	_, res := e.post(t, `mutation { startPayment(transactionId: "txn_a1", gateway: BKASH) { redirectURL } }`, nil, hdr)
	if code := errorCode(t, res); code != graph.CodeGatewayError {
		t.Fatalf("code %q", code)
	}
	got := res.Errors[0]
	if got.Message != "Insufficient Balance" || got.Extensions["gatewayCode"] != "2023" || got.Extensions["gateway"] != "bkash" {
		t.Errorf("%+v", got)
	}
}

func TestPanicIsInternal(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hdr := bearer(e.token(t, app.Principal{ClientID: clientA}))
	status, res := e.post(t, `{ payment(transactionId: "`+panicID+`") { status } }`, nil, hdr)
	if status != http.StatusOK || errorCode(t, res) != graph.CodeInternal || res.Errors[0].Message != "internal error" {
		t.Fatalf("HTTP %d %+v", status, res.Errors)
	}
	if strings.Contains(string(mustJSON(res)), "boom") {
		t.Error("panic detail sent to the client")
	}
}

func TestGETServesQueriesOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.token(t, app.Principal{ClientID: clientA})
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/graphql?query="+urlQuery(`{ gateways }`), nil)
	req.Header = bearer(tok)
	if status, res := e.send(t, req); status != http.StatusOK || string(res.Data) != `{"gateways":["BKASH"]}` {
		t.Fatalf("HTTP %d %s %+v", status, res.Data, res.Errors)
	}
	req, _ = http.NewRequest(http.MethodGet, e.srv.URL+"/graphql?query="+urlQuery(`mutation { startPayment(transactionId: "x", gateway: BKASH) { redirectURL } }`), nil)
	req.Header = bearer(tok)
	if status, _ := e.send(t, req); status == http.StatusOK {
		t.Fatal("mutation served over GET")
	}
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

func urlQuery(q string) string { return url.QueryEscape(q) }

func TestBodyTooLarge(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hdr := bearer(e.token(t, app.Principal{ClientID: clientA}))
	status, res := e.post(t, `{ gateways }`, map[string]any{"pad": strings.Repeat("x", 70<<10)}, hdr)
	if status != http.StatusRequestEntityTooLarge || errorCode(t, res) != "PAYLOAD_TOO_LARGE" {
		t.Fatalf("HTTP %d %+v", status, res.Errors)
	}

	body := []byte(`{"query":"{ gateways }","variables":{"pad":"` + strings.Repeat("x", 70<<10) + `"}}`)
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/graphql", bytes.NewReader(body))
	req.Header = signed(http.MethodPost, "/graphql", body, "n-big")
	req.Header.Set("Content-Type", "application/json")
	if status, res := e.send(t, req); status != http.StatusRequestEntityTooLarge || errorCode(t, res) != "PAYLOAD_TOO_LARGE" {
		t.Fatalf("signed: HTTP %d %+v", status, res.Errors)
	}
}

// A signed lone createPayment records its nonce with the payment (one
// commit, as REST's create): the same nonce again — the same create, or
// any other operation — is a replay, HTTP 401, and writes nothing. A
// signed create that fails still spends its nonce.
func TestSignedCreateSpendsItsNonce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	send := func(query string, vars map[string]any, nonce string) (int, gqlResponse) {
		body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
		req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/graphql", bytes.NewReader(body))
		req.Header = signed(http.MethodPost, "/graphql", body, nonce)
		req.Header.Set("Content-Type", "application/json")
		return e.send(t, req)
	}
	payments := func() int {
		n := 0
		e.store.seed(t, func(ctx context.Context, tx ports.Tx) error {
			page, err := tx.Queries().List(ctx, ports.PaymentFilter{ClientID: clientA, Limit: 100})
			n = len(page.Payments)
			return err
		})
		return n
	}
	if status, res := send(createMutation, createInput("ORD-nonce-0"), "create-n-0"); status != http.StatusOK || len(res.Errors) != 0 {
		t.Fatalf("first create (the client cache is cold): HTTP %d %+v", status, res.Errors)
	}
	before := e.store.transactions.Load()
	if status, res := send(createMutation, createInput("ORD-nonce-1"), "create-n-1"); status != http.StatusOK || len(res.Errors) != 0 {
		t.Fatalf("create: HTTP %d %+v", status, res.Errors)
	}
	if n := e.store.transactions.Load() - before; n != 1 {
		t.Fatalf("a signed create ran %d transactions, want 1 (its nonce with the payment)", n)
	}
	for _, replay := range []struct {
		name, query string
		vars        map[string]any
	}{
		{"the same create", createMutation, createInput("ORD-nonce-1")},
		{"another create", createMutation, createInput("ORD-nonce-2")},
		{"a query", `{ gateways }`, nil},
	} {
		status, res := send(replay.query, replay.vars, "create-n-1")
		if status != http.StatusUnauthorized || errorCode(t, res) != graph.CodeUnauthenticated ||
			res.Errors[0].Message != "nonce already used" {
			t.Fatalf("%s with the create's nonce: HTTP %d %+v", replay.name, status, res.Errors)
		}
	}
	if n := payments(); n != 2 {
		t.Fatalf("%d payments, want 2", n)
	}

	bad := createInput("ORD-nonce-3")
	bad["in"].(map[string]any)["amount"] = "-1"
	if status, res := send(createMutation, bad, "create-n-2"); status != http.StatusOK || errorCode(t, res) != "VALIDATION_FAILED" {
		t.Fatalf("invalid create: HTTP %d %+v", status, res.Errors)
	}
	if status, _ := send(`{ gateways }`, nil, "create-n-2"); status != http.StatusUnauthorized {
		t.Fatalf("the failed create's nonce again: HTTP %d, want 401", status)
	}
}
