package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/graph"
	"github.com/paycore/paycore/ports"
)

// Tests of webhookDeliveries, redeliverWebhook, requestLogs and admin
// tokens.

// testTokenKey is the key newEnv's Tokens sign with.
const testTokenKey = "0123456789abcdef0123456789abcdef"

// seedDelivery stores event evtID of clientID's payment txnID and its
// delivery whdID, created at created, with one failed attempt.
func (e *env) seedDelivery(t *testing.T, evtID, whdID, clientID, txnID string, created time.Time) {
	t.Helper()
	e.store.seed(t, func(ctx context.Context, tx ports.Tx) error {
		log := tx.EventLog()
		if err := log.CreateEvent(ctx, &domain.Event{ID: evtID, Type: domain.EventPaymentSuccess, ClientID: clientID,
			PaymentID: txnID, Payload: []byte(`{}`), CreatedAt: created}); err != nil {
			return err
		}
		if err := log.CreateDelivery(ctx, &domain.WebhookDelivery{ID: whdID, EventID: evtID, ClientID: clientID,
			URL: "https://" + clientID + ".example/hook", Status: domain.DeliveryFailed, Attempts: 1, LastStatus: 500,
			CreatedAt: created, UpdatedAt: created}); err != nil {
			return err
		}
		for _, a := range []domain.WebhookAttempt{
			{DeliveryID: whdID, Attempt: 1, At: created.Add(time.Second), StatusCode: 500, Latency: 1500 * time.Millisecond, Response: "oops"},
			{DeliveryID: whdID, Attempt: 2, At: created.Add(time.Minute), Latency: 10 * time.Second, Error: "context deadline exceeded"},
		} {
			if err := log.AddAttempt(ctx, a); err != nil {
				return err
			}
		}
		return nil
	})
}

// adminToken returns a bearer header with an admin token.
func (e *env) adminToken(t *testing.T) http.Header {
	t.Helper()
	tok, _, err := e.tokens.IssueAdmin("alice", 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	return bearer(tok)
}

// logCalls is a fake Config.RequestLogs: it records its arguments.
type logCalls struct {
	mu    sync.Mutex
	calls []logCall
}

type logCall struct {
	clientID string
	since    time.Time
	limit    int
}

func (l *logCalls) read(_ context.Context, clientID string, since time.Time, limit int) ([]graph.RequestLogView, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls = append(l.calls, logCall{clientID, since, limit})
	at := time.Date(2026, 8, 22, 10, 15, 0, 0, time.UTC)
	return []graph.RequestLogView{
		{ClientID: clientA, Method: "POST", Endpoint: "/api/v1/pay", StatusCode: 201, RequestBody: `{"secret":"[redacted]"}`,
			ResponseBody: `{}`, IP: "203.0.113.7", Latency: 42 * time.Millisecond, At: at},
		{Method: "GET", Endpoint: "/api/v1/transactions", StatusCode: 401, IP: "203.0.113.8", At: at.Add(-time.Minute)},
	}, nil
}

func (l *logCalls) all() []logCall {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.calls)
}

func withRequestLogs(l *logCalls) envOption {
	return func(c *graph.Config, _ *fakeGateway) { c.RequestLogs = l.read }
}

const deliveriesQuery = `query($eventId: ID, $first: Int) {
  webhookDeliveries(eventId: $eventId, first: $first) {
    id eventId event clientId transactionId url status createdAt deliveredAt
    attempts { attempt at statusCode latencyMs response error }
  }
}`

type deliveryJSON struct {
	ID, EventID, Event, ClientID, TransactionID, URL, Status string
	CreatedAt                                                time.Time
	DeliveredAt                                              *time.Time
	Attempts                                                 []struct {
		Attempt    int
		At         time.Time
		StatusCode *int
		LatencyMs  int
		Response   string
		Error      *string
	}
}

func deliveryIDs(ds []deliveryJSON) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.ID)
	}
	return out
}

func TestWebhookDeliveriesOfClient(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	base := time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC)
	e.seedDelivery(t, "evt_a1", "whd_a1", clientA, "txn_a1", base)
	e.seedDelivery(t, "evt_a2", "whd_a2", clientA, "txn_a2", base.Add(time.Hour))
	e.seedDelivery(t, "evt_b1", "whd_b1", clientB, "txn_b1", base.Add(2*time.Hour))
	hdr := bearer(e.token(t, app.Principal{ClientID: clientA}))

	var out struct{ WebhookDeliveries []deliveryJSON }
	e.data(t, deliveriesQuery, nil, hdr, &out)
	if got := deliveryIDs(out.WebhookDeliveries); !slices.Equal(got, []string{"whd_a2", "whd_a1"}) {
		t.Fatalf("client A sees %v", got)
	}
	if got := e.store.deliveryClients(); !slices.Equal(got, []string{clientA}) {
		t.Errorf("ListDeliveries called for %q, want only %q", got, clientA)
	}
	d := out.WebhookDeliveries[1]
	if d.EventID != "evt_a1" || d.Event != "payment.success" || d.ClientID != clientA || d.TransactionID != "txn_a1" ||
		d.URL != "https://cli_a.example/hook" || d.Status != "FAILED" || !d.CreatedAt.Equal(base) || d.DeliveredAt != nil {
		t.Errorf("delivery %+v", d)
	}
	if len(d.Attempts) != 2 {
		t.Fatalf("attempts %+v", d.Attempts)
	}
	if a := d.Attempts[0]; a.Attempt != 1 || a.StatusCode == nil || *a.StatusCode != 500 || a.LatencyMs != 1500 ||
		a.Response != "oops" || a.Error != nil || !a.At.Equal(base.Add(time.Second)) {
		t.Errorf("attempt 1 %+v", a)
	}
	if a := d.Attempts[1]; a.StatusCode != nil || a.Error == nil || *a.Error != "context deadline exceeded" || a.LatencyMs != 10000 {
		t.Errorf("attempt 2 %+v", a)
	}

	// Narrowed to one event, and to another client's event: nothing.
	e.data(t, deliveriesQuery, map[string]any{"eventId": "evt_a2", "first": 5}, hdr, &out)
	if got := deliveryIDs(out.WebhookDeliveries); !slices.Equal(got, []string{"whd_a2"}) {
		t.Errorf("evt_a2: %v", got)
	}
	e.data(t, deliveriesQuery, map[string]any{"eventId": "evt_b1"}, hdr, &out)
	if len(out.WebhookDeliveries) != 0 {
		t.Errorf("client A sees client B's delivery: %+v", out.WebhookDeliveries)
	}
	// first is bounded.
	for _, first := range []int{0, 101} {
		_, res := e.post(t, `query($first: Int) { webhookDeliveries(first: $first) { id } }`, map[string]any{"first": first}, hdr)
		if errorCode(t, res) != graph.CodeValidationFailed {
			t.Errorf("first %d: %+v", first, res.Errors)
		}
	}
	// Attempts count per delivery: a full list of them is too much, the
	// default one is not.
	_, res := e.post(t, deliveriesQuery, map[string]any{"first": 100}, hdr)
	if code := errorCode(t, res); code != "COMPLEXITY_LIMIT_EXCEEDED" {
		t.Errorf("first 100 with attempts: %+v", res.Errors)
	}
	if _, res = e.post(t, deliveriesQuery, nil, hdr); len(res.Errors) != 0 {
		t.Errorf("default first with attempts: %+v", res.Errors)
	}
}

func TestWebhookDeliveriesOfAdmin(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	base := time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC)
	e.seedDelivery(t, "evt_a1", "whd_a1", clientA, "txn_a1", base)
	e.seedDelivery(t, "evt_b1", "whd_b1", clientB, "txn_b1", base.Add(time.Hour))

	var out struct{ WebhookDeliveries []deliveryJSON }
	e.data(t, deliveriesQuery, nil, e.adminToken(t), &out)
	if got := deliveryIDs(out.WebhookDeliveries); !slices.Equal(got, []string{"whd_b1", "whd_a1"}) {
		t.Fatalf("admin sees %v", got)
	}
	if out.WebhookDeliveries[0].ClientID != clientB || out.WebhookDeliveries[1].ClientID != clientA {
		t.Errorf("clients %+v", out.WebhookDeliveries)
	}
	if got := e.store.deliveryClients(); !slices.Equal(got, []string{""}) {
		t.Errorf("ListDeliveries called for %q, want every client", got)
	}
}

const redeliverMutation = `mutation($in: RedeliverWebhookInput!) {
  redeliverWebhook(input: $in) {
    delivery { id eventId event clientId transactionId status deliveredAt attempts { attempt } }
  }
}`

func TestRedeliverWebhook(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	base := time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC)
	e.seedDelivery(t, "evt_a1", "whd_a1", clientA, "txn_a1", base)
	e.seedDelivery(t, "evt_b1", "whd_b1", clientB, "txn_b1", base)
	client := bearer(e.token(t, app.Principal{ClientID: clientA}))

	var out struct {
		RedeliverWebhook struct{ Delivery deliveryJSON }
	}
	e.data(t, redeliverMutation, map[string]any{"in": map[string]any{"eventId": "evt_a1"}}, client, &out)
	d := out.RedeliverWebhook.Delivery
	if d.ID != "whd_a1" || d.EventID != "evt_a1" || d.Event != "payment.success" || d.ClientID != clientA ||
		d.TransactionID != "txn_a1" || d.Status != "PENDING" || d.DeliveredAt != nil || len(d.Attempts) != 2 {
		t.Errorf("delivery %+v", d)
	}
	if jobs := e.store.enqueuedWebhooks(); !slices.Equal(jobs, []string{"whd_a1"}) {
		t.Errorf("jobs %v", jobs)
	}

	// Another client's event is not found; an empty one is a field error.
	_, res := e.post(t, redeliverMutation, map[string]any{"in": map[string]any{"eventId": "evt_b1"}}, client)
	if errorCode(t, res) != graph.CodeNotFound {
		t.Errorf("evt_b1 by client A: %+v", res.Errors)
	}
	_, res = e.post(t, redeliverMutation, map[string]any{"in": map[string]any{"eventId": ""}}, client)
	if errorCode(t, res) != graph.CodeValidationFailed || res.Errors[0].Extensions["fields"] == nil {
		t.Errorf("empty event: %+v", res.Errors)
	}

	// An admin redelivers any client's.
	e.data(t, redeliverMutation, map[string]any{"in": map[string]any{"eventId": "evt_b1"}}, e.adminToken(t), &out)
	if d := out.RedeliverWebhook.Delivery; d.ID != "whd_b1" || d.ClientID != clientB || d.Status != "PENDING" {
		t.Errorf("admin redelivery %+v", d)
	}
	if jobs := e.store.enqueuedWebhooks(); !slices.Equal(jobs, []string{"whd_a1", "whd_b1"}) {
		t.Errorf("jobs %v", jobs)
	}
}

const requestLogsQuery = `query($clientId: ID, $since: Time, $first: Int) {
  requestLogs(clientId: $clientId, since: $since, first: $first) {
    clientId method endpoint statusCode requestBody responseBody ip latencyMs at
  }
}`

func TestRequestLogsOfAdmin(t *testing.T) {
	t.Parallel()
	logs := &logCalls{}
	e := newEnv(t, withRequestLogs(logs))
	admin := e.adminToken(t)

	var out struct {
		RequestLogs []struct {
			ClientID                                        *string
			Method, Endpoint, RequestBody, ResponseBody, IP string
			StatusCode, LatencyMs                           int
			At                                              time.Time
		}
	}
	e.data(t, requestLogsQuery, nil, admin, &out)
	if len(out.RequestLogs) != 2 {
		t.Fatalf("logs %+v", out.RequestLogs)
	}
	l := out.RequestLogs[0]
	if l.ClientID == nil || *l.ClientID != clientA || l.Method != "POST" || l.Endpoint != "/api/v1/pay" || l.StatusCode != 201 ||
		l.RequestBody != `{"secret":"[redacted]"}` || l.IP != "203.0.113.7" || l.LatencyMs != 42 ||
		!l.At.Equal(time.Date(2026, 8, 22, 10, 15, 0, 0, time.UTC)) {
		t.Errorf("log %+v", l)
	}
	if out.RequestLogs[1].ClientID != nil {
		t.Errorf("unauthenticated request's client %q", *out.RequestLogs[1].ClientID)
	}
	since := time.Date(2026, 8, 20, 0, 0, 0, 0, time.UTC)
	e.data(t, requestLogsQuery, map[string]any{"clientId": clientB, "since": since, "first": 7}, admin, &out)
	want := []logCall{{"", time.Time{}, 50}, {clientB, since, 7}}
	got := logs.all()
	if len(got) != 2 || got[0] != want[0] || got[1].clientID != clientB || !got[1].since.Equal(since) || got[1].limit != 7 {
		t.Errorf("calls %+v, want %+v", got, want)
	}
	_, res := e.post(t, requestLogsQuery, map[string]any{"first": 101}, admin)
	if errorCode(t, res) != graph.CodeValidationFailed {
		t.Errorf("first 101: %+v", res.Errors)
	}
}

func TestRequestLogsNotWired(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, res := e.post(t, requestLogsQuery, nil, e.adminToken(t))
	if code := errorCode(t, res); code != graph.CodeInternal || res.Errors[0].Message != "request logs are not available on this server" {
		t.Errorf("%+v", res.Errors[0])
	}
	// Non-admins learn nothing about it.
	_, res = e.post(t, requestLogsQuery, nil, bearer(e.token(t, app.Principal{ClientID: clientA})))
	if errorCode(t, res) != graph.CodeForbidden {
		t.Errorf("client: %+v", res.Errors[0])
	}
}

func TestRequestLogsForbiddenToClients(t *testing.T) {
	t.Parallel()
	logs := &logCalls{}
	e := newEnv(t, withRequestLogs(logs))
	for name, hdr := range map[string]http.Header{
		"client token": bearer(e.token(t, app.Principal{ClientID: clientA})),
		"hmac":         nil, // signed below
	} {
		t.Run(name, func(t *testing.T) {
			var status int
			var res gqlResponse
			if hdr == nil {
				body := mustJSON(map[string]any{"query": requestLogsQuery})
				req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/graphql", bytes.NewReader(body))
				req.Header = signed(http.MethodPost, "/graphql", body, "logs-nonce")
				req.Header.Set("Content-Type", "application/json")
				status, res = e.send(t, req)
			} else {
				status, res = e.post(t, requestLogsQuery, nil, hdr)
			}
			if code := errorCode(t, res); status != http.StatusOK || code != graph.CodeForbidden || res.Errors[0].Message != "forbidden" {
				t.Errorf("HTTP %d %+v, want FORBIDDEN", status, res.Errors[0])
			}
		})
	}
	if calls := logs.all(); len(calls) != 0 {
		t.Errorf("request logs read for a client: %+v", calls)
	}
}

func TestScopedTokenRefusedWebhooksAndLogs(t *testing.T) {
	t.Parallel()
	logs := &logCalls{}
	e := newEnv(t, withRequestLogs(logs))
	e.seedDelivery(t, "evt_a1", "whd_a1", clientA, "txn_a1", time.Now().UTC())
	spa := bearer(e.token(t, app.Principal{ClientID: clientA, TransactionID: "txn_a1"}))
	for name, q := range map[string]struct {
		query string
		vars  map[string]any
	}{
		"webhookDeliveries": {deliveriesQuery, nil},
		"redeliverWebhook":  {redeliverMutation, map[string]any{"in": map[string]any{"eventId": "evt_a1"}}},
		"requestLogs":       {requestLogsQuery, nil},
	} {
		t.Run(name, func(t *testing.T) {
			_, res := e.post(t, q.query, q.vars, spa)
			if code := errorCode(t, res); code != graph.CodeForbidden {
				t.Errorf("%+v, want FORBIDDEN", res.Errors[0])
			}
		})
	}
	if jobs := e.store.enqueuedWebhooks(); len(jobs) != 0 {
		t.Errorf("redelivered: %v", jobs)
	}
	if calls := e.store.deliveryClients(); len(calls) != 0 {
		t.Errorf("deliveries read: %v", calls)
	}
	if calls := logs.all(); len(calls) != 0 {
		t.Errorf("request logs read: %+v", calls)
	}
}

// An admin reads; it never acts as a merchant.
func TestAdminIsNoMerchant(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seedAt(t, "txn_a1", clientA, time.Now().UTC(), domain.StatusSuccess, 0)
	admin := e.adminToken(t)

	status, res := e.post(t, createMutation, createInput("o-admin"), admin)
	if code := errorCode(t, res); status != http.StatusOK || code != graph.CodeForbidden {
		t.Fatalf("createPayment: HTTP %d %+v", status, res.Errors[0])
	}
	if got := e.store.listFilters(); len(got) != 0 {
		t.Errorf("payments listed: %+v", got)
	}
	// Every merchant field but the gateways', and a single payment.
	for name, q := range merchantFields {
		if name == "gatewayList" || name == "gatewayHealth" {
			continue
		}
		t.Run(name, func(t *testing.T) {
			_, res := e.post(t, q.query, q.vars, admin)
			if code := errorCode(t, res); code != graph.CodeForbidden {
				t.Errorf("%+v, want FORBIDDEN", res.Errors[0])
			}
		})
	}
	for _, q := range []string{
		`{ payment(transactionId: "txn_a1") { status } }`,
		`mutation { startPayment(transactionId: "txn_a1", gateway: BKASH) { redirectURL } }`,
	} {
		_, res := e.post(t, q, nil, admin)
		if code := errorCode(t, res); code != graph.CodeForbidden {
			t.Errorf("%s: %+v", q, res.Errors[0])
		}
	}
	if n := e.store.attemptCount(t); n != 0 || len(e.store.refundJobs()) != 0 {
		t.Errorf("admin acted: %d attempts, refunds %v", n, e.store.refundJobs())
	}
	if cur, _ := e.keys.CurrentKey(t.Context(), clientA); cur != demoKey {
		t.Errorf("key rotated to %q", cur)
	}
	// Gateways are read.
	var gw struct {
		GatewayList   []struct{ Code string }
		GatewayHealth []struct{ Code string }
		Gateways      []string
	}
	e.data(t, `{ gatewayList { code } gatewayHealth { code } gateways }`, nil, admin, &gw)
	if len(gw.GatewayList) != 1 || len(gw.GatewayHealth) != 1 || len(gw.Gateways) != 1 {
		t.Errorf("gateways %+v", gw)
	}
}

func TestAdminSubscriptionRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seedPayment(t, "txn_a1", clientA)
	tok, _, err := e.tokens.IssueAdmin("alice", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	w := e.mustDial(t, "graphql-transport-ws", nil)
	w.send(wsMsg{Type: "connection_init", Payload: initPayload("Bearer " + tok)})
	w.expect("connection_ack")
	w.send(wsMsg{ID: "1", Type: "subscribe",
		Payload: json.RawMessage(`{"query":"subscription { paymentUpdated(transactionId: \"txn_a1\") { status } }"}`)})
	m := w.expect("next")
	var res gqlResponse
	if err := json.Unmarshal(m.Payload, &res); err != nil || errorCode(t, res) != graph.CodeForbidden {
		t.Errorf("next %s (%v)", m.Payload, err)
	}
}

// adminClaims are an admin token's claims, for forging bad ones.
type adminClaims struct {
	Admin bool   `json:"adm,omitempty"`
	Txn   string `json:"txn,omitempty"`
	jwt.RegisteredClaims
}

func signClaims(t *testing.T, key string, c adminClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString([]byte(key))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestBadAdminTokensAre401(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	now := time.Now()
	valid := func(c adminClaims) adminClaims {
		c.Issuer, c.Audience = "paycore", jwt.ClaimStrings{"paycore"}
		if c.Subject == "" {
			c.Subject = "admin:mallory"
		}
		if c.IssuedAt == nil {
			c.IssuedAt = jwt.NewNumericDate(now.Add(-time.Minute))
		}
		if c.ExpiresAt == nil {
			c.ExpiresAt = jwt.NewNumericDate(now.Add(time.Minute))
		}
		return c
	}
	good := signClaims(t, testTokenKey, valid(adminClaims{Admin: true}))
	if _, res := e.post(t, deliveriesQuery, nil, bearer(good)); len(res.Errors) != 0 {
		t.Fatalf("well-formed admin token refused: %+v", res.Errors)
	}
	for name, tok := range map[string]string{
		"wrong key":      signClaims(t, "another key, 32 bytes or longer!!", valid(adminClaims{Admin: true})),
		"tampered":       good[:len(good)-4] + "AAAA",
		"expired":        signClaims(t, testTokenKey, valid(adminClaims{Admin: true, RegisteredClaims: jwt.RegisteredClaims{IssuedAt: jwt.NewNumericDate(now.Add(-2 * time.Hour)), ExpiresAt: jwt.NewNumericDate(now.Add(-time.Hour))}})),
		"too long-lived": signClaims(t, testTokenKey, valid(adminClaims{Admin: true, RegisteredClaims: jwt.RegisteredClaims{ExpiresAt: jwt.NewNumericDate(now.Add(30 * 24 * time.Hour))}})),
		"not an admin subject": signClaims(t, testTokenKey, valid(adminClaims{Admin: true,
			RegisteredClaims: jwt.RegisteredClaims{Subject: clientA}})),
		"admin subject without adm": signClaims(t, testTokenKey, valid(adminClaims{})),
		"admin with txn":            signClaims(t, testTokenKey, valid(adminClaims{Admin: true, Txn: "txn_a1"})),
	} {
		t.Run(name, func(t *testing.T) {
			for _, q := range []string{deliveriesQuery, requestLogsQuery} {
				status, res := e.post(t, q, nil, bearer(tok))
				if code := errorCode(t, res); status != http.StatusUnauthorized || code != graph.CodeUnauthenticated {
					t.Errorf("HTTP %d %+v, want 401", status, res.Errors[0])
				}
			}
		})
	}
}
