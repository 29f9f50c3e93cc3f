package rest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paycore/paycore/adapters/rest"
	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
	"github.com/paycore/paycore/ports/portstest"
)

// Two merchants, each with one API key. The secrets must never appear in a
// response body.
const (
	clientA = "cli_a"
	clientB = "cli_b"
	keyA    = "pk_test_a"
	secretA = "sk_test_secret_a_9f8e7d"
	keyB    = "pk_test_b"
	secretB = "sk_test_secret_b_1a2b3c"

	nameA = "Shop Alpha"
	nameB = "Shop Bravo"
)

// start is the fake clock's first reading.
var start = time.Date(2026, 6, 18, 8, 0, 0, 0, time.UTC)

// ==== fakes of the ports rest needs

// restIdem is portstest's idempotency store as rest.IdempotencyStore (as
// cmd/paycore adapts the PostgreSQL one).
type restIdem struct{ *portstest.Idempotency }

func (s restIdem) Begin(ctx context.Context, clientID, key string, hash []byte, ttl time.Duration) (*rest.StoredResponse, error) {
	r, err := s.Idempotency.Begin(ctx, clientID, key, hash, ttl)
	if r == nil {
		return nil, err
	}
	return &rest.StoredResponse{Status: r.Status, Body: r.Body}, nil
}

// requestLog is a rest.RequestLogger keeping every record.
type requestLog struct {
	mu   sync.Mutex
	recs []rest.RequestRecord
}

func (l *requestLog) LogRequest(r rest.RequestRecord) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.recs = append(l.recs, r)
}

func (l *requestLog) records() []rest.RequestRecord {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]rest.RequestRecord(nil), l.recs...)
}

// fakeGateway is a bKash that opens every attempt at its own page and, on
// confirm, reports success with a transaction id; refuse makes Create fail.
type fakeGateway struct {
	mu       sync.Mutex
	refuse   *ports.GatewayError
	creates  int
	confirms int
}

const gatewayPage = "https://wallet.example/checkout/"

func (*fakeGateway) Gateway() domain.Gateway { return domain.GatewayBkash }

func (g *fakeGateway) Create(_ context.Context, req ports.CreateRequest) (ports.CreateResult, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.creates++
	if g.refuse != nil {
		return ports.CreateResult{}, g.refuse
	}
	return ports.CreateResult{GatewayRef: "ref-" + req.AttemptID, RedirectURL: gatewayPage + req.AttemptID}, nil
}

func (g *fakeGateway) Confirm(_ context.Context, req ports.ConfirmRequest) (ports.ConfirmResult, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.confirms++
	return ports.ConfirmResult{Outcome: ports.OutcomeSucceeded, TrxID: "TRX" + strings.ToUpper(req.AttemptID[len(req.AttemptID)-6:])}, nil
}

func (g *fakeGateway) counts() (creates, confirms int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.creates, g.confirms
}

// ==== the handler under test

// env is paycore's HTTP edge wired as cmd/paycore/server.go wires it, over
// the in-memory store, the fake clock and the fake gateway.
type env struct {
	store   *portstest.Store
	clock   *portstest.Clock
	keys    *portstest.Keys
	nonces  *portstest.Nonces
	idem    *portstest.Idempotency
	logs    *requestLog
	gw      *fakeGateway
	app     *app.App
	handler http.Handler
	logOut  *bytes.Buffer // the server's log

	nonce int
}

// envOption changes the use cases' or the API's configuration (App and
// Auth are set after it runs).
type envOption func(*app.Config, *rest.APIConfig)

func newEnv(t *testing.T, opts ...envOption) *env {
	t.Helper()
	e := &env{
		store: portstest.NewStore(), clock: portstest.NewClock(start), keys: portstest.NewKeys(),
		nonces: portstest.NewNonces(), idem: portstest.NewIdempotency(rest.ErrIdempotencyMismatch, rest.ErrIdempotencyInProgress),
		logs: &requestLog{}, gw: &fakeGateway{}, logOut: &bytes.Buffer{},
	}
	e.store.AddClient(domain.Client{ID: clientA, Name: nameA, Status: domain.ClientActive,
		WebhookURL: "https://a.example/hook", CommissionBPS: 150, Language: "en", CreatedAt: start.Add(-24 * time.Hour)})
	e.store.AddClient(domain.Client{ID: clientB, Name: nameB, Status: domain.ClientActive,
		WebhookURL: "https://b.example/hook", CommissionBPS: 200, Language: "bn", CreatedAt: start.Add(-24 * time.Hour)})
	e.keys.Add(clientA, keyA, secretA)
	e.keys.Add(clientB, keyB, secretB)
	log := slog.New(slog.NewTextHandler(&syncWriter{w: e.logOut}, nil))
	acfg := app.Config{Sandbox: true}
	cfg := rest.APIConfig{
		Idempotency: restIdem{e.idem}, Logs: e.logs,
		Sandbox: true, PaymentURL: func(id string) string { return "https://pay.example/pay/" + id },
		Clock: e.clock, Logger: log,
	}
	for _, o := range opts {
		o(&acfg, &cfg)
	}
	e.app = app.New(acfg, app.Deps{
		Tx: e.store, Clock: e.clock, Log: log, Gateways: []ports.PaymentGateway{e.gw},
		Keys: e.keys, Hooks: e.store, Switches: e.store,
	})
	cfg.App, cfg.Auth = e.app, app.NewAuthenticator(e.keys, e.nonces, e.clock)
	e.handler = rest.NewHandler(rest.Config{App: e.app, Clock: e.clock, Logger: log,
		Mounts: map[string]http.Handler{"/api/v1": rest.NewAPI(cfg)}})
	return e
}

// syncWriter makes a bytes.Buffer safe for the logger.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// creds is whom a request is signed as.
type creds struct{ key, secret string }

var (
	asA = creds{keyA, secretA}
	asB = creds{keyB, secretB}
)

// nextNonce returns a fresh nonce.
func (e *env) nextNonce() string {
	e.nonce++
	return "nonce-" + strconv.Itoa(e.nonce)
}

// sign sets the X-API-* headers of r for c at the fake clock's time with
// a fresh nonce; the path signed is r.RequestURI (the target as sent).
func (e *env) sign(r *http.Request, c creds, body string) {
	ts := strconv.FormatInt(e.clock.Now().Unix(), 10)
	nonce := e.nextNonce()
	sig := app.Sign([]byte(c.secret), app.SignedRequest{Method: r.Method, Path: r.RequestURI,
		Timestamp: ts, Nonce: nonce, Body: []byte(body)})
	r.Header.Set("X-API-KEY", c.key)
	r.Header.Set("X-API-SIGNATURE", sig)
	r.Header.Set("X-API-TIMESTAMP", ts)
	r.Header.Set("X-API-NONCE", nonce)
}

// newRequest builds a request to target with body ("" for none).
func newRequest(method, target, body string) *http.Request {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	r := httptest.NewRequest(method, target, rd)
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	return r
}

// serve runs r through the handler.
func (e *env) serve(r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	e.handler.ServeHTTP(w, r)
	return w
}

// call sends a request signed as c.
func (e *env) call(c creds, method, target, body string, hdr ...string) *httptest.ResponseRecorder {
	r := newRequest(method, target, body)
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	e.sign(r, c, body)
	return e.serve(r)
}

// reply is the envelope as a client reads it.
type reply struct {
	Success *bool               `json:"success"`
	Message string              `json:"message"`
	Data    json.RawMessage     `json:"data"`
	Meta    *pageMeta           `json:"meta"`
	Code    int                 `json:"code"`
	Error   string              `json:"error"`
	Errors  map[string][]string `json:"errors"`
}

type pageMeta struct {
	Page, Limit, Total int
	TotalIsCapped      bool    `json:"total_is_capped"`
	NextCursor         *string `json:"next_cursor"`
}

// decodeReply decodes an envelope, failing the test on anything else.
func decodeReply(t *testing.T, w *httptest.ResponseRecorder) reply {
	t.Helper()
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type %q, want JSON; body %s", ct, w.Body)
	}
	var r reply
	dec := json.NewDecoder(bytes.NewReader(w.Body.Bytes()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		t.Fatalf("body is not an envelope: %v: %s", err, w.Body)
	}
	if r.Success == nil {
		t.Fatalf("envelope without \"success\": %s", w.Body)
	}
	return r
}

// wantOK checks a success envelope with status and returns it.
func wantOK(t *testing.T, w *httptest.ResponseRecorder, status int) reply {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status %d, want %d; body %s", w.Code, status, w.Body)
	}
	r := decodeReply(t, w)
	if !*r.Success || r.Code != 0 || r.Errors != nil {
		t.Fatalf("not a success envelope: %s", w.Body)
	}
	return r
}

// wantErr checks an error envelope: status, "success":false, "code" equal
// to the status, a message, and no secret anywhere in the body.
func wantErr(t *testing.T, w *httptest.ResponseRecorder, status int) reply {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status %d, want %d; body %s", w.Code, status, w.Body)
	}
	r := decodeReply(t, w)
	if *r.Success || r.Code != status || r.Message == "" || r.Data != nil {
		t.Fatalf("not an error envelope for %d: %s", status, w.Body)
	}
	noSecrets(t, w.Body.String())
	return r
}

// wantFields checks a 422 naming exactly the fields given.
func wantFields(t *testing.T, w *httptest.ResponseRecorder, fields ...string) reply {
	t.Helper()
	r := wantErr(t, w, http.StatusUnprocessableEntity)
	if len(r.Errors) != len(fields) {
		t.Fatalf("errors %v, want exactly %v", r.Errors, fields)
	}
	for _, f := range fields {
		if len(r.Errors[f]) == 0 || r.Errors[f][0] == "" {
			t.Fatalf("errors %v: no message for %q", r.Errors, f)
		}
	}
	return r
}

func noSecrets(t *testing.T, body string) {
	t.Helper()
	for _, s := range []string{secretA, secretB} {
		if strings.Contains(body, s) {
			t.Fatalf("response contains a secret: %s", body)
		}
	}
}

// payment is a transaction as the API shows it.
type payment struct {
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
	UpdatedAt      string      `json:"updated_at"`
}

func unmarshal[T any](t *testing.T, raw json.RawMessage) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("data %s: %v", raw, err)
	}
	return v
}

// payBody is a valid POST /pay body for order.
func payBody(order, amount string) string {
	return `{"order_id":"` + order + `","amount":` + amount + `,"currency":"BDT","customer_name":"Rahim",` +
		`"customer_phone":"01712345678","return_url":"https://shop.example/return?x=1"}`
}

// createPayment creates a payment of c for order through POST /pay.
func (e *env) createPayment(t *testing.T, c creds, order, amount string) payment {
	t.Helper()
	w := e.call(c, http.MethodPost, "/api/v1/pay", payBody(order, amount))
	return unmarshal[payment](t, wantOK(t, w, http.StatusCreated).Data)
}

// getPayment reads a payment of c through GET /transaction/{id}.
func (e *env) getPayment(t *testing.T, c creds, id string) payment {
	t.Helper()
	w := e.call(c, http.MethodGet, "/api/v1/transaction/"+id, "")
	return unmarshal[payment](t, wantOK(t, w, http.StatusOK).Data)
}

// startAttempt posts the hosted page's button for bKash and returns the
// attempt the gateway was asked to open.
func (e *env) startAttempt(t *testing.T, txID string) (attemptID string) {
	t.Helper()
	w := e.serve(httptest.NewRequest(http.MethodPost, "/pay/"+txID+"/bkash", nil))
	if w.Code != http.StatusSeeOther {
		t.Fatalf("start attempt: status %d; body %s", w.Code, w.Body)
	}
	loc := w.Header().Get("Location")
	if !strings.HasPrefix(loc, gatewayPage) {
		t.Fatalf("start attempt: Location %q, want the gateway's page", loc)
	}
	return strings.TrimPrefix(loc, gatewayPage)
}

// payWithBkash takes a new payment of c to success: hosted page button,
// then bKash's success callback.
func (e *env) paidPayment(t *testing.T, c creds, order, amount string) payment {
	t.Helper()
	p := e.createPayment(t, c, order, amount)
	att := e.startAttempt(t, p.TransactionID)
	w := e.serve(httptest.NewRequest(http.MethodGet, "/callbacks/bkash?paymentID=ref-"+att+"&status=success", nil))
	if w.Code != http.StatusSeeOther {
		t.Fatalf("callback: status %d; body %s", w.Code, w.Body)
	}
	got := e.getPayment(t, c, p.TransactionID)
	if got.Status != "success" {
		t.Fatalf("payment after success callback is %q", got.Status)
	}
	return got
}
