package bkash_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paycore/paycore/adapters/bkash"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports/portstest"
)

// Credentials the fake bKash accepts. Long enough to be scrubbed.
const (
	testUser      = "sandboxTokenizedUser02"
	testPassword  = "pw-Sandbox-9f3k2"
	testAppKey    = "app-key-4f58"
	testAppSecret = "app-secret-0vWQuCRGiUX7"
	basePath      = "/v1.2.0-beta/tokenized/checkout"
	callbackURL   = "https://paycore.test/callbacks/bkash"
)

// Fixtures: bKash's answers in its wire format (docs/gateways/bkash.md §4–§8), verbatim.
const (
	fxGrant          = `{"statusCode":"0000","statusMessage":"Successful","id_token":"eyJraWQiOiJzaW0iLCJhbGciOiJSUzI1NiJ9.e30.c2ln","token_type":"Bearer","expires_in":3600,"refresh_token":"eyJjdHkiOiJKV1QiLCJlbmMiOiJBMjU2R0NNIn0.cmVm.aXY.Y3Q.dGFn"}`
	fxCreate         = `{"paymentID":"TR0011kq7Zs2P1764000000123","bkashURL":"https://sandbox.payment.bkash.com/?paymentId=TR0011kq7Zs2P1764000000123&hash=Xk2!pQ9(zL.8vT_1764000000124&mode=0011&apiVersion=v1.2.0-beta/","callbackURL":"https://shop.test/bkash/callback","successCallbackURL":"https://shop.test/bkash/callback?paymentID=TR0011kq7Zs2P1764000000123&status=success&signature=Hq3mV0pZ7c","failureCallbackURL":"https://shop.test/bkash/callback?paymentID=TR0011kq7Zs2P1764000000123&status=failure&signature=Hq3mV0pZ7c","cancelledCallbackURL":"https://shop.test/bkash/callback?paymentID=TR0011kq7Zs2P1764000000123&status=cancel&signature=Hq3mV0pZ7c","amount":"250.00","intent":"sale","currency":"BDT","paymentCreateTime":"2025-11-24T21:20:00:123 GMT+0600","transactionStatus":"Initiated","merchantInvoiceNumber":"INV-10042","statusCode":"0000","statusMessage":"Successful"}`
	fxExecute        = `{"paymentID":"TR0011kq7Zs2P1764000000123","trxID":"CKQ70ZB4TM","transactionStatus":"Completed","amount":"250.00","currency":"BDT","intent":"sale","paymentExecuteTime":"2025-11-24T21:21:05:456 GMT+0600","merchantInvoiceNumber":"INV-10042","payerType":"Customer","payerReference":"01770618575","customerMsisdn":"01770618575","payerAccount":"01770618575","maxRefundableAmount":"250.00","statusCode":"0000","statusMessage":"Successful"}`
	fxExecute2023    = `{"statusCode":"2023","statusMessage":"Insufficient Balance"}`
	fxExecute2117    = `{"statusCode":"2117","statusMessage":"Payment execution already been called before"}`
	fxQuery          = `{"paymentID":"TR0011kq7Zs2P1764000000123","mode":"0011","paymentCreateTime":"2025-11-24T21:20:00:123 GMT+0600","paymentExecuteTime":"2025-11-24T21:21:05:456 GMT+0600","amount":"250.00","currency":"BDT","intent":"sale","merchantInvoice":"INV-10042","trxID":"CKQ70ZB4TM","transactionStatus":"Completed","verificationStatus":"Complete","payerReference":"01770618575","statusCode":"0000","statusMessage":"Successful"}`
	fxQueryInitiated = `{"paymentID":"TR0011Pw4nT8r1764000100777","mode":"0011","paymentCreateTime":"2025-11-24T21:40:00:777 GMT+0600","amount":"99","currency":"BDT","intent":"sale","merchantInvoice":"INV-10043","transactionStatus":"Initiated","verificationStatus":"Incomplete","payerReference":" ","statusCode":"0000","statusMessage":"Successful"}`
	fxSearch         = `{"trxID":"CKQ70ZB4TM","initiationTime":"2025-11-24T21:21:03:000 GMT+0600","completedTime":"2025-11-24T21:21:03:000 GMT+0600","transactionType":"bKash Tokenized Checkout via API","customerMsisdn":"01770618575","transactionStatus":"Completed","amount":"250.00","currency":"BDT","organizationShortCode":"50022","statusCode":"0000","statusMessage":"Successful"}`
	fxRefund         = `{"statusCode":"0000","statusMessage":"Successful","originalTrxID":"CKQ70ZB4TM","refundTrxID":"CKQ80ZC1AB","transactionStatus":"Completed","amount":"100.00","currency":"BDT","charge":"0.00","completedTime":"2025-11-25T10:02:11:908 GMT+0600"}`
	fxRefundV2       = `{"originalTrxId":"CKQ70ZB4TM","refundTrxId":"CKQ80ZC1AB","refundTransactionStatus":"Completed","originalTrxAmount":"250.00","refundAmount":"100.00","currency":"BDT","completedTime":"2025-11-25T10:02:11:908 GMT+0600","sku":"SKU-1","reason":"customer return"}`
)

// The payment of the fixtures.
const (
	fxPaymentID = "TR0011kq7Zs2P1764000000123"
	fxInvoice   = "INV-10042"
	fxTrxID     = "CKQ70ZB4TM"
)

var (
	t0  = time.Date(2025, 11, 24, 15, 0, 0, 0, time.UTC)
	bdt = func(minor int64) domain.Money { return domain.MustMoney(minor, "BDT") }
)

// fakeReq is one request the fake received.
type fakeReq struct {
	op     string
	header http.Header
	body   map[string]json.RawMessage
}

// str returns a body field that must be a JSON string.
func (r fakeReq) str(t testing.TB, k string) string {
	t.Helper()
	var s string
	if err := json.Unmarshal(r.body[k], &s); err != nil {
		t.Fatalf("%s body field %q = %s: not a JSON string", r.op, k, r.body[k])
	}
	return s
}

// fakeHandler answers one operation; the default ones give the fixtures.
type fakeHandler func(w http.ResponseWriter, r *http.Request, req fakeReq)

// fakeBkash is a small bKash: tokens, 401 on a bad id_token, the fixtures.
type fakeBkash struct {
	t   testing.TB
	srv *httptest.Server

	mu       sync.Mutex
	counts   map[string]int
	reqs     []fakeReq
	valid    map[string]bool // id_tokens accepted
	n        int             // tokens issued
	handlers map[string]fakeHandler
	// grantGate, when set, holds grants and refreshes until it is closed,
	// keeping a renewal in flight while the test gathers other callers.
	grantGate chan struct{}
}

// holdGrants makes grants and refreshes wait until the returned release is
// called (also at cleanup).
func (f *fakeBkash) holdGrants() (release func()) {
	gate := make(chan struct{})
	f.mu.Lock()
	f.grantGate = gate
	f.mu.Unlock()
	var once sync.Once
	release = func() { once.Do(func() { close(gate) }) }
	f.t.Cleanup(release)
	return release
}

func newFake(t testing.TB) *fakeBkash {
	t.Helper()
	f := &fakeBkash{t: t, counts: map[string]int{}, valid: map[string]bool{}, handlers: map[string]fakeHandler{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

var routes = map[string]string{
	"/token/grant": "grant", "/token/refresh": "refresh", "/create": "create", "/execute": "execute",
	"/payment/status": "query", "/general/searchTransaction": "search", "/payment/refund": "refund",
}

var fixtureFor = map[string]string{
	"create": fxCreate, "execute": fxExecute, "query": fxQuery, "search": fxSearch,
	"refund": fxRefund, "refund_status": fxRefund,
}

func (f *fakeBkash) serve(w http.ResponseWriter, r *http.Request) {
	op, ok := routes[strings.TrimPrefix(r.URL.Path, basePath)]
	if r.Method != http.MethodPost || !ok {
		writeJSON(w, 404, `{"message":"Not Found"}`)
		return
	}
	raw, _ := io.ReadAll(r.Body)
	req := fakeReq{op: op, header: r.Header.Clone()}
	if err := json.Unmarshal(raw, &req.body); err != nil {
		f.t.Errorf("%s: body is not a JSON object: %s", op, raw)
	}
	if _, hasAmount := req.body["amount"]; op == "refund" && !hasAmount {
		op, req.op = "refund_status", "refund_status"
	}
	f.mu.Lock()
	f.counts[op]++
	f.reqs = append(f.reqs, req)
	h := f.handlers[op]
	authorized := f.valid[r.Header.Get("Authorization")]
	gate := f.grantGate
	f.mu.Unlock()

	switch op {
	case "grant", "refresh":
		if r.Header.Get("username") != testUser || r.Header.Get("password") != testPassword ||
			req.str(f.t, "app_key") != testAppKey || req.str(f.t, "app_secret") != testAppSecret {
			writeJSON(w, 403, `{"message":"Forbidden"}`)
			return
		}
		if h != nil {
			h(w, r, req)
			return
		}
		if gate != nil {
			select {
			case <-gate:
			case <-r.Context().Done():
				return
			}
		}
		f.mu.Lock()
		f.n++
		id, ref := fmt.Sprintf("idtok-%d-Zq81", f.n), fmt.Sprintf("reftok-%d-Wm42", f.n)
		if op == "refresh" {
			ref = req.str(f.t, "refresh_token")
		}
		f.valid[id] = true
		f.mu.Unlock()
		writeJSON(w, 200, fmt.Sprintf(`{"statusCode":"0000","statusMessage":"Successful","id_token":%q,"token_type":"Bearer","expires_in":3600,"refresh_token":%q}`, id, ref))
		return
	}
	if !authorized {
		writeJSON(w, 401, `{"message":"Unauthorized"}`)
		return
	}
	if r.Header.Get("X-App-Key") != testAppKey {
		writeJSON(w, 200, `{"statusCode":"2001","statusMessage":"Invalid App Key"}`)
		return
	}
	if h != nil {
		h(w, r, req)
		return
	}
	writeJSON(w, 200, fixtureFor[op])
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// on replaces the answer to op.
func (f *fakeBkash) on(op string, h fakeHandler) {
	f.mu.Lock()
	f.handlers[op] = h
	f.mu.Unlock()
}

// answer makes op answer status and body.
func (f *fakeBkash) answer(op string, status int, body string) {
	f.on(op, func(w http.ResponseWriter, _ *http.Request, _ fakeReq) { writeJSON(w, status, body) })
}

// hang makes op answer only after d (past the client's Timeout).
func (f *fakeBkash) hang(op string, d time.Duration) {
	f.on(op, func(w http.ResponseWriter, r *http.Request, _ fakeReq) {
		select {
		case <-time.After(d):
		case <-r.Context().Done():
		}
		writeJSON(w, 200, fixtureFor[op])
	})
}

// revokeAll makes every issued id_token answer 401.
func (f *fakeBkash) revokeAll() {
	f.mu.Lock()
	clear(f.valid)
	f.mu.Unlock()
}

func (f *fakeBkash) count(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.counts[op]
}

func (f *fakeBkash) total() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.reqs)
}

// requests returns what op received, oldest first.
func (f *fakeBkash) requests(op string) []fakeReq {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []fakeReq
	for _, r := range f.reqs {
		if r.op == op {
			out = append(out, r)
		}
	}
	return out
}

// env is a client wired to a fake bKash and a fake clock.
type env struct {
	f      *fakeBkash
	clock  *portstest.Clock
	store  *bkash.MemoryTokenStore
	client *bkash.Client
	logs   *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func (f *fakeBkash) config(clock *portstest.Clock) bkash.Config {
	return bkash.Config{
		BaseURL: f.srv.URL + basePath, Username: testUser, Password: testPassword,
		AppKey: testAppKey, AppSecret: testAppSecret, CallbackURL: callbackURL,
		Timeout: 2 * time.Second, Clock: clock,
	}
}

func newEnv(t *testing.T, edit ...func(*bkash.Config)) *env {
	t.Helper()
	e := &env{f: newFake(t), clock: portstest.NewClock(t0), store: bkash.NewMemoryTokenStore(), logs: &syncBuffer{}}
	cfg := e.f.config(e.clock)
	cfg.Logger = slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	for _, fn := range edit {
		fn(&cfg)
	}
	c, err := bkash.New(cfg, e.store)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	e.client = c
	return e
}

func (e *env) storedToken(t *testing.T) bkash.Token {
	t.Helper()
	tok, found, err := e.store.Load(context.Background())
	if err != nil || !found {
		t.Fatalf("no stored token (found=%v, err=%v)", found, err)
	}
	return tok
}
