package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/paycore/paycore/adapters/postgres/pgtest"
	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports/portstest"
)

// dash is a dashboard client: a bearer access token, and the cookies and
// headers a browser would send.
type dash struct {
	base    string
	token   string
	origin  string // set: behaves as a browser page (Origin header)
	cookie  *http.Cookie
	csrf    bool
	refresh string
}

// gql posts an operation and returns the HTTP status, the response and the
// response's refresh cookie (nil if none was set).
func (d *dash) gql(t *testing.T, query string, vars map[string]any) (int, gqlResponse) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, d.base+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if d.token != "" {
		req.Header.Set("Authorization", "Bearer "+d.token)
	}
	if d.origin != "" {
		req.Header.Set("Origin", d.origin)
	}
	if d.cookie != nil {
		req.AddCookie(d.cookie)
	}
	if d.csrf {
		req.Header.Set("X-Paycore-CSRF", "1")
	}
	res, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	for _, c := range res.Cookies() {
		if c.Name == "paycore_refresh" {
			if c.Value == "" || c.MaxAge < 0 {
				d.cookie = nil
			} else {
				d.cookie = c
			}
		}
	}
	var out gqlResponse
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Fatalf("HTTP %d: %v", res.StatusCode, err)
	}
	return res.StatusCode, out
}

// code is the first error's code, "" for none.
func code(r gqlResponse) string {
	if len(r.Errors) == 0 {
		return ""
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c
}

const gqlLogin = `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken expiresAt refreshToken user { id email role clientId } } }`

type loginData struct {
	Login struct {
		AccessToken  string    `json:"accessToken"`
		ExpiresAt    time.Time `json:"expiresAt"`
		RefreshToken *string   `json:"refreshToken"`
		User         struct {
			ID, Email, Role string
			ClientID        *string `json:"clientId"`
		} `json:"user"`
	} `json:"login"`
	RefreshSession *struct {
		AccessToken  string  `json:"accessToken"`
		RefreshToken *string `json:"refreshToken"`
	} `json:"refreshSession"`
}

// login logs in and returns a dashboard client holding the access token.
func login(t *testing.T, base, email, password string) *dash {
	t.Helper()
	d := &dash{base: base}
	_, r := d.gql(t, gqlLogin, map[string]any{"e": email, "p": password})
	if len(r.Errors) > 0 {
		t.Fatalf("login %s: %+v", email, r.Errors)
	}
	var data loginData
	_ = json.Unmarshal(r.Data, &data)
	d.token = data.Login.AccessToken
	if data.Login.RefreshToken != nil {
		d.refresh = *data.Login.RefreshToken
	}
	return d
}

// Logins: the sandbox users log in; wrong passwords and disabled users are
// refused alike; refresh tokens rotate and a reused one revokes the family;
// browsers get the refresh token as a cookie only, usable with the CSRF
// header only; login attempts are limited per account.
func TestDashboardLogin(t *testing.T) {
	t.Parallel()
	ts := startServer(t)

	admin := login(t, ts.base, demoAdminEmail, demoAdminPassword)
	_, r := admin.gql(t, `{ me { email role clientId } }`, nil)
	if !strings.Contains(string(r.Data), `"role":"ADMIN"`) {
		t.Fatalf("me: %s %+v", r.Data, r.Errors)
	}
	if admin.refresh == "" {
		t.Fatal("no refresh token for a non-browser client")
	}
	m := login(t, ts.base, "MERCHANT@example.com", demoMerchantPassword)
	_, r = m.gql(t, `{ me { role clientId } }`, nil)
	if !strings.Contains(string(r.Data), `"clientId":"cli_demo"`) {
		t.Fatalf("merchant me: %s", r.Data)
	}

	// Wrong password, unknown user: the same answer.
	anon := &dash{base: ts.base}
	_, r1 := anon.gql(t, gqlLogin, map[string]any{"e": demoAdminEmail, "p": "wrong password!"})
	_, r2 := anon.gql(t, gqlLogin, map[string]any{"e": "nobody@example.com", "p": "wrong password!"})
	if code(r1) != "UNAUTHENTICATED" || code(r2) != "UNAUTHENTICATED" || r1.Errors[0].Message != r2.Errors[0].Message {
		t.Fatalf("bad logins: %+v / %+v", r1.Errors, r2.Errors)
	}

	// Rotation: the new refresh token works, the old one revokes the family.
	q := `mutation($r: String) { refreshSession(refreshToken: $r) { accessToken refreshToken } }`
	_, r = anon.gql(t, q, map[string]any{"r": admin.refresh})
	var data loginData
	_ = json.Unmarshal(r.Data, &data)
	if data.RefreshSession == nil || data.RefreshSession.RefreshToken == nil {
		t.Fatalf("refresh: %s %+v", r.Data, r.Errors)
	}
	second := *data.RefreshSession.RefreshToken
	if _, r = anon.gql(t, q, map[string]any{"r": admin.refresh}); code(r) != "UNAUTHENTICATED" {
		t.Fatalf("reused refresh token: %s %+v", r.Data, r.Errors)
	}
	if _, r = anon.gql(t, q, map[string]any{"r": second}); code(r) != "UNAUTHENTICATED" {
		t.Fatalf("refresh token of a revoked family still works: %s", r.Data)
	}

	// A browser: the refresh token is a cookie (HttpOnly, SameSite=Strict),
	// never in the body; the cookie counts only with the CSRF header.
	b := &dash{base: ts.base, origin: ts.base}
	_, r = b.gql(t, gqlLogin, map[string]any{"e": demoAdminEmail, "p": demoAdminPassword})
	if strings.Contains(string(r.Data), "rt_") || b.cookie == nil || !b.cookie.HttpOnly || b.cookie.SameSite != http.SameSiteStrictMode {
		t.Fatalf("browser login: %s cookie %+v", r.Data, b.cookie)
	}
	if _, r = b.gql(t, q, nil); code(r) != "UNAUTHENTICATED" {
		t.Fatalf("cookie without CSRF header accepted: %s", r.Data)
	}
	b.csrf = true
	if _, r = b.gql(t, q, nil); len(r.Errors) > 0 || b.cookie == nil {
		t.Fatalf("cookie refresh: %+v", r.Errors)
	}
	if _, r = b.gql(t, `mutation { logout }`, nil); len(r.Errors) > 0 || b.cookie != nil {
		t.Fatalf("logout: %+v cookie %+v", r.Errors, b.cookie)
	}

	// Disabled: refused at login and on its access token within seconds.
	if _, err := ts.app.Users.SetDisabled(context.Background(), demoMerchantEmail, true); err != nil {
		t.Fatal(err)
	}
	_, r = anon.gql(t, gqlLogin, map[string]any{"e": demoMerchantEmail, "p": demoMerchantPassword})
	if code(r) != "UNAUTHENTICATED" {
		t.Fatalf("disabled user logged in: %s", r.Data)
	}
	portstest.WaitFor(t, "disabled user's token refused", func() bool {
		st, _ := m.gql(t, `{ me { id } }`, nil)
		return st == http.StatusUnauthorized
	})

	// Limits per account.
	var last gqlResponse
	for range 12 {
		_, last = anon.gql(t, gqlLogin, map[string]any{"e": "support@example.com", "p": "wrong password!"})
	}
	if code(last) != "RATE_LIMITED" {
		t.Fatalf("login attempts not limited: %+v", last.Errors)
	}
}

// feed subscribes to paymentEvents on ts over graphql-transport-ws with
// token and returns the events' JSON payloads once the node has the
// subscription in place.
func feed(t *testing.T, ts *testServer, token string, filter map[string]any) <-chan map[string]any {
	t.Helper()
	base := ts.base
	before := ts.listener.AllSubscribers()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+"/graphql",
		&websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.CloseNow() })
	if err := wsjson.Write(ctx, c, map[string]any{"type": "connection_init", "payload": map[string]any{"Authorization": "Bearer " + token}}); err != nil {
		t.Fatal(err)
	}
	var ack map[string]any
	if err := wsjson.Read(ctx, c, &ack); err != nil || ack["type"] != "connection_ack" {
		t.Fatalf("no ack: %v %v", ack, err)
	}
	if err := wsjson.Write(ctx, c, map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{
		"query":     `subscription($f: PaymentEventFilter) { paymentEvents(filter: $f) { type payment { transactionId orderId clientId status } } }`,
		"variables": map[string]any{"f": filter}}}); err != nil {
		t.Fatal(err)
	}
	out := make(chan map[string]any, 100)
	go func() {
		defer close(out)
		for {
			var m struct {
				Type    string `json:"type"`
				Payload struct {
					Data struct {
						PaymentEvents map[string]any `json:"paymentEvents"`
					} `json:"data"`
					Errors any `json:"errors"`
				} `json:"payload"`
			}
			if err := wsjson.Read(ctx, c, &m); err != nil {
				return
			}
			if m.Type == "next" && m.Payload.Data.PaymentEvents != nil {
				out <- m.Payload.Data.PaymentEvents
			} else if m.Type == "error" || m.Type == "complete" {
				t.Logf("feed %s: %+v", m.Type, m.Payload)
				return
			}
		}
	}()
	portstest.WaitFor(t, "the paymentEvents subscription in place", func() bool { return ts.listener.AllSubscribers() > before })
	return out
}

// waitEvent waits for an event of txn with status.
func waitEvent(t *testing.T, events <-chan map[string]any, txn, status string) {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case e, ok := <-events:
			if !ok {
				t.Fatalf("feed ended before %s %s", txn, status)
			}
			p, _ := e["payment"].(map[string]any)
			if p != nil && p["transactionId"] == txn && p["status"] == status {
				return
			}
		case <-timeout:
			t.Fatalf("no %s event for %s", status, txn)
		}
	}
}

// Live across nodes: an admin's dashboard subscribed on node A sees a
// payment created and paid through node B turn SUCCESS; the merchant
// user's feed on A sees its own client's payments only; the console's
// search and timeline show the payment.
func TestConsoleFeedAcrossNodes(t *testing.T) {
	t.Parallel()
	db, dsn := pgtest.New(t)
	a, _ := startServerOn(t, db, dsn, nil)
	b, _ := startServerOn(t, db, dsn, nil)
	other := v1NewClient(t, b, "other", 0)

	admin := login(t, a.base, demoAdminEmail, demoAdminPassword)
	merchant := login(t, a.base, demoMerchantEmail, demoMerchantPassword)
	adminFeed := feed(t, a, admin.token, nil)
	merchantFeed := feed(t, a, merchant.token, nil)

	// A payment of another client, then one of the demo client, through B.
	r := other.post(t, "/api/v1/pay", v1PayBody(v1Order(), "300.00", nil))
	v1Want(t, r, http.StatusCreated)
	otherTxn := v1Data[v1Txn](t, r)
	r = v1Demo(b).post(t, "/api/v1/pay", v1PayBody(v1Order(), "1500.00", nil))
	v1Want(t, r, http.StatusCreated)
	txn := v1Data[v1Txn](t, r)
	waitEvent(t, adminFeed, otherTxn.TransactionID, "PENDING")
	waitEvent(t, adminFeed, txn.TransactionID, "PENDING")
	v1PayOnWallet(t, b, txn.PaymentURL, txn.TransactionID)
	waitEvent(t, adminFeed, txn.TransactionID, "SUCCESS")

	waitEvent(t, merchantFeed, txn.TransactionID, "SUCCESS")
	// Everything the merchant's feed sent is its own client's.
	for done := false; !done; {
		select {
		case e := <-merchantFeed:
			if p, _ := e["payment"].(map[string]any); p != nil && p["clientId"] != demoClientID {
				t.Fatalf("merchant feed shows another client's payment: %v", e)
			}
		default:
			done = true
		}
	}
	var res gqlResponse
	portstest.WaitFor(t, "the request log in the timeline (written in batches)", func() bool {
		_, res = admin.gql(t, `query($id: ID!) { paymentDetail(transactionId: $id) { payment { status } timeline { kind status } } }`,
			map[string]any{"id": txn.TransactionID})
		return strings.Contains(string(res.Data), `"kind":"request"`)
	})
	for _, want := range []string{`"status":"SUCCESS"`, `"kind":"attempt"`, `"kind":"event"`, `"kind":"sms"`, `"kind":"request"`} {
		if !strings.Contains(string(res.Data), want) {
			t.Fatalf("timeline lacks %s: %s %+v", want, res.Data, res.Errors)
		}
	}
	_, res = admin.gql(t, `query($t: String) { searchPayments(filter: {text: $t}) { edges { node { transactionId status } } } }`,
		map[string]any{"t": txn.OrderID})
	if !strings.Contains(string(res.Data), txn.TransactionID) || strings.Count(string(res.Data), "transactionId") != 1 {
		t.Fatalf("search by order_id: %s %+v", res.Data, res.Errors)
	}
}

// Every cross-tenant read and write through the console fields: a merchant
// user gets NOT_FOUND for another client's records and FORBIDDEN for
// operators' fields; support reads everything but may not refund or change
// clients; admins may; every change is in the audit log.
func TestConsoleCrossTenant(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	other := v1NewClient(t, ts, "other", 0)
	r := other.post(t, "/api/v1/pay", v1PayBody(v1Order(), "300.00", nil))
	v1Want(t, r, http.StatusCreated)
	otherTxn := v1Data[v1Txn](t, r)
	v1PayOnWallet(t, ts, otherTxn.PaymentURL, otherTxn.TransactionID)
	if _, _, err := ts.app.Users.Create(context.Background(), "support@example.com", "support", "", "support password 1"); err != nil {
		t.Fatal(err)
	}
	admin := login(t, ts.base, demoAdminEmail, demoAdminPassword)
	support := login(t, ts.base, "support@example.com", "support password 1")
	merchant := login(t, ts.base, demoMerchantEmail, demoMerchantPassword)

	id := map[string]any{"id": otherTxn.TransactionID, "c": other.clientID}
	ops := map[string]string{
		"paymentDetail":   `query($id: ID!) { paymentDetail(transactionId: $id) { payment { status } } }`,
		"searchOther":     `query($c: ID) { searchPayments(filter: {clientId: $c}) { edges { cursor } } }`,
		"payment":         `query($id: ID!) { payment(transactionId: $id) { status } }`,
		"refund":          `mutation($id: ID!) { consoleRefund(input: {transactionId: $id, amount: "1", reason: "customer asked"}) { refund { id } } }`,
		"refundPayment":   `mutation($id: ID!) { refundPayment(input: {transactionId: $id, amount: "1"}) { refund { id } } }`,
		"keys":            `mutation($c: ID) { regenerateClientKeys(clientId: $c) { apiKey } }`,
		"updateClient":    `mutation($c: ID!) { updateClient(input: {clientId: $c, status: SUSPENDED}) { status } }`,
		"createClient":    `mutation { createClient(input: {name: "X"}) { apiKey } }`,
		"reviewQueue":     `{ reviewQueue { attemptId } }`,
		"jobCounts":       `{ jobCounts { kind } }`,
		"auditLog":        `{ auditLog { action } }`,
		"decideReview":    `mutation { decideReview(input: {attemptId: "att_x", confirm: false, note: "n"}) { status } }`,
		"feedOtherClient": `subscription($c: ID) { paymentEvents(filter: {clientId: $c}) { type } }`,
	}
	want := map[string]map[string]string{
		"merchant": {"paymentDetail": "NOT_FOUND", "searchOther": "NOT_FOUND", "payment": "NOT_FOUND", "refund": "NOT_FOUND",
			"refundPayment": "NOT_FOUND", "keys": "NOT_FOUND", "updateClient": "FORBIDDEN", "createClient": "FORBIDDEN",
			"reviewQueue": "FORBIDDEN", "jobCounts": "FORBIDDEN", "auditLog": "FORBIDDEN", "decideReview": "FORBIDDEN"},
		"support": {"paymentDetail": "", "searchOther": "", "refund": "FORBIDDEN", "keys": "FORBIDDEN", "updateClient": "FORBIDDEN",
			"createClient": "FORBIDDEN", "reviewQueue": "", "jobCounts": "", "auditLog": "", "decideReview": "NOT_FOUND"},
		"admin": {"paymentDetail": "", "searchOther": "", "refund": "", "keys": "", "reviewQueue": "", "jobCounts": "", "auditLog": ""},
	}
	users := map[string]*dash{"merchant": merchant, "support": support, "admin": admin}
	for _, who := range []string{"merchant", "support", "admin"} {
		for op, wantCode := range want[who] {
			_, res := users[who].gql(t, ops[op], id)
			if got := code(res); got != wantCode {
				t.Errorf("%s %s: %q, want %q (%s)", who, op, got, wantCode, res.Data)
			}
		}
	}
	// The merchant sees its own client only, in lists too.
	_, res := merchant.gql(t, `{ clients { id } searchPayments { edges { node { clientId } } } }`, nil)
	if strings.Contains(string(res.Data), other.clientID) || len(res.Errors) > 0 {
		t.Fatalf("merchant lists: %s %+v", res.Data, res.Errors)
	}
	// Admin actions are audited with who, before and after.
	_, res = admin.gql(t, `mutation($c: ID!) { updateClient(input: {clientId: $c, commissionBps: 175, rateLimit: 90}) { commissionBps rateLimit } }`, id)
	if !strings.Contains(string(res.Data), `"commissionBps":175`) {
		t.Fatalf("updateClient: %s %+v", res.Data, res.Errors)
	}
	_, res = support.gql(t, `{ auditLog { actor role action target before after } }`, nil)
	for _, w := range []string{`"action":"client.update"`, `"action":"payment.refund"`, `"action":"client.keys.regenerate"`, `"actor":"admin@example.com"`, `\"commission_bps\": 175`} {
		if !strings.Contains(string(res.Data), w) {
			t.Errorf("audit log lacks %s: %s", w, res.Data)
		}
	}
}

// An operator's suspension takes effect at once on the node where it was
// made, though API keys and creating clients are cached per node for
// app.DefaultKeyCacheTTL (Console.OnClientChange): the client's next
// signed request and the create use case are both refused right after it.
func TestConsoleSuspensionAtOnceOnItsNode(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	shop := v1NewClient(t, ts, "suspendme", 0)
	// Both caches hold the client as active.
	v1Want(t, shop.post(t, "/api/v1/pay", v1PayBody(v1Order(), "300.00", nil)), http.StatusCreated)
	admin := login(t, ts.base, demoAdminEmail, demoAdminPassword)
	_, res := admin.gql(t, `mutation($c: ID!) { updateClient(input: {clientId: $c, status: SUSPENDED}) { status } }`,
		map[string]any{"c": shop.clientID})
	if !strings.Contains(string(res.Data), `"status":"SUSPENDED"`) {
		t.Fatalf("updateClient: %s %+v", res.Data, res.Errors)
	}
	r := shop.post(t, "/api/v1/pay", v1PayBody(v1Order(), "300.00", nil))
	v1Want(t, r, http.StatusUnauthorized)
	if r.Env.Message != "client suspended" {
		t.Fatalf("signed create after the suspension: %q", r.Env.Message)
	}
	_, err := ts.app.Payments.Create(context.Background(), shop.clientID, app.CreatePaymentInput{
		OrderID: v1Order(), Amount: "300.00", Currency: "BDT", ReturnURL: "https://shop.example.com/r"})
	if !errors.Is(err, domain.ErrForbidden) {
		t.Fatalf("create use case after the suspension: %v", err)
	}
	if n := v1Payments(t, ts, shop.clientID); n != 1 {
		t.Fatalf("%d payments, want the one before the suspension", n)
	}
}

// A dashboard's socket closes when its user is disabled (Sessions
// re-checks users; an idle socket within 15 s).
func TestConsoleSocketEndsWhenUserDisabled(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	m := login(t, ts.base, demoMerchantEmail, demoMerchantPassword)
	events := feed(t, ts, m.token, nil)
	if _, err := ts.app.Users.SetDisabled(context.Background(), demoMerchantEmail, true); err != nil {
		t.Fatal(err)
	}
	timeout := time.After(30 * time.Second)
	for {
		select {
		case _, ok := <-events:
			if !ok {
				return // closed
			}
		case <-timeout:
			t.Fatal("the disabled user's socket is still open")
		}
	}
}
