package rest_test

import (
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paycore/paycore/adapters/rest"
	"github.com/paycore/paycore/app"
)

func TestUnknownRouteAndWrongMethod(t *testing.T) {
	e := newEnv(t)
	for _, target := range []string{"/api/v1/nope", "/api/v1", "/api/v1/", "/api/v1/transaction/", "/api/v1/pay/extra"} {
		// signed or not, an unknown route is a 404 envelope
		if rep := wantErr(t, e.call(asA, http.MethodGet, target, ""), http.StatusNotFound); rep.Message != "Not found" {
			t.Errorf("%s: message %q", target, rep.Message)
		}
		wantErr(t, e.serve(newRequest(http.MethodGet, target, "")), http.StatusNotFound)
	}
	for _, c := range []struct{ method, target string }{
		{http.MethodGet, "/api/v1/pay"},
		{http.MethodPut, "/api/v1/pay"},
		{http.MethodDelete, "/api/v1/transaction/txn_1"},
		{http.MethodPost, "/api/v1/transactions"},
		{http.MethodGet, "/api/v1/refund"},
		{http.MethodGet, "/api/v1/api-keys/regenerate"},
		{http.MethodPost, "/api/v1/client/profile"},
		{http.MethodGet, "/api/v1/webhook"},
	} {
		w := e.call(asA, c.method, c.target, "")
		if rep := wantErr(t, w, http.StatusMethodNotAllowed); rep.Message != "Method not allowed" {
			t.Errorf("%s %s: message %q", c.method, c.target, rep.Message)
		}
	}
}

func TestHealthAndOpenAPI(t *testing.T) {
	e := newEnv(t)
	if w := e.serve(newRequest(http.MethodGet, "/healthz", "")); w.Code != 200 || !strings.Contains(w.Body.String(), `"ok"`) {
		t.Errorf("healthz %d %s", w.Code, w.Body)
	}
	if w := e.serve(newRequest(http.MethodGet, "/readyz", "")); w.Code != 200 {
		t.Errorf("readyz %d %s", w.Code, w.Body)
	}
	w := e.serve(newRequest(http.MethodGet, "/api/v1/openapi.json", ""))
	if w.Code != 200 || !strings.Contains(w.Body.String(), `"openapi"`) {
		t.Errorf("openapi.json without auth: %d", w.Code)
	}
}

// Outside sandbox mode plain HTTP is refused before anything else, except
// from a trusted proxy saying the client used HTTPS.
func TestRequireHTTPS(t *testing.T) {
	e := newEnv(t, func(_ *app.Config, c *rest.APIConfig) {
		c.Sandbox = false
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	})
	if rep := wantErr(t, e.call(asA, http.MethodGet, "/api/v1/client/profile", ""), http.StatusForbidden); rep.Message != "HTTPS required" {
		t.Errorf("message %q", rep.Message)
	}
	// an untrusted peer cannot claim HTTPS
	r := newRequest(http.MethodGet, "/api/v1/client/profile", "")
	r.RemoteAddr = "203.0.113.9:5000"
	r.Header.Set("X-Forwarded-Proto", "https")
	e.sign(r, asA, "")
	wantErr(t, e.serve(r), http.StatusForbidden)

	r = newRequest(http.MethodGet, "/api/v1/client/profile", "")
	r.RemoteAddr = "10.1.2.3:5000"
	r.Header.Set("X-Forwarded-Proto", "https")
	r.Header.Set("X-Forwarded-For", "198.51.100.7")
	e.sign(r, asA, "")
	wantOK(t, e.serve(r), http.StatusOK)
	recs := e.logs.records()
	if last := recs[len(recs)-1]; last.IP != "198.51.100.7" {
		t.Errorf("client IP logged as %q, want the proxy's X-Forwarded-For", last.IP)
	}
}

// The bucket holds a minute's worth; one over is a 429 with Retry-After,
// and the clock refills it.
func TestRateLimit(t *testing.T) {
	e := newEnv(t)
	e.keys.SetRate(clientA, 3)
	for i := range 3 {
		w := e.call(asA, http.MethodGet, "/api/v1/client/profile", "")
		wantOK(t, w, http.StatusOK)
		if got := w.Header().Get("X-RateLimit-Remaining"); got != strconv.Itoa(2-i) {
			t.Errorf("request %d: X-RateLimit-Remaining %q", i, got)
		}
		if w.Header().Get("X-RateLimit-Limit") != "3" {
			t.Errorf("X-RateLimit-Limit %q", w.Header().Get("X-RateLimit-Limit"))
		}
	}
	w := e.call(asA, http.MethodGet, "/api/v1/client/profile", "")
	if rep := wantErr(t, w, http.StatusTooManyRequests); rep.Message != "Too many requests" {
		t.Errorf("message %q", rep.Message)
	}
	if ra := w.Header().Get("Retry-After"); ra != "20" {
		t.Errorf("Retry-After %q, want 20 (3 a minute)", ra)
	}
	// Another client is not limited by A.
	wantOK(t, e.call(asB, http.MethodGet, "/api/v1/client/profile", ""), http.StatusOK)
	e.clock.Advance(20 * time.Second)
	wantOK(t, e.call(asA, http.MethodGet, "/api/v1/client/profile", ""), http.StatusOK)
	wantErr(t, e.call(asA, http.MethodGet, "/api/v1/client/profile", ""), http.StatusTooManyRequests)
}

// Odd input anywhere is answered with a 4xx envelope, never a 500.
func TestBadInputIsNever500(t *testing.T) {
	e := newEnv(t)
	p := e.createPayment(t, asA, "order-1", "10")
	nul := "\x00"
	bad := "\xff\xfe"
	cases := []struct{ method, target, body string }{
		{"GET", "/api/v1/transactions?order_id=%00", ""},
		{"GET", "/api/v1/transactions?order_id=%FF%FE", ""},
		{"GET", "/api/v1/transactions?status=%00", ""},
		{"GET", "/api/v1/transactions?page=" + strings.Repeat("9", 400), ""},
		{"GET", "/api/v1/transactions?limit=-9223372036854775808", ""},
		{"GET", "/api/v1/transactions?from_date=0000-01-01&to_date=9999-12-31", ""},
		{"GET", "/api/v1/transactions?from_date=2026-06-18T00:00:00%2B99:00", ""},
		{"GET", "/api/v1/transactions?page=1&page=0", ""},
		{"GET", "/api/v1/transaction/%00", ""},
		{"GET", "/api/v1/transaction/" + strings.Repeat("x", 5000), ""},
		{"GET", "/api/v1/webhooks?limit=-5&event_id=%00", ""},
		{"GET", "/api/v1/webhooks?limit=99999999999999999999", ""},
		{"POST", "/api/v1/webhooks/evt_nope/redeliver", ""},
		{"POST", "/api/v1/pay", `{"order_id":"o` + nul + `","amount":1}`},
		{"POST", "/api/v1/pay", `{"order_id":"o` + bad + `","amount":"1` + bad + `","currency":"` + bad + `"}`},
		{"POST", "/api/v1/pay", `{"order_id":"o2","amount":"` + strings.Repeat("1", 5000) + `","currency":"BDT","return_url":"https://s.example/"}`},
		{"POST", "/api/v1/pay", `{"order_id":"o3","amount":1,"currency":"BDT","return_url":"https://s.example/","metadata":{"a":` + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + `}}`},
		{"POST", "/api/v1/pay", `{"order_id":"o4","amount":1,"currency":"BDT","return_url":"https://[::1` + nul + `]/"}`},
		{"POST", "/api/v1/pay", nul},
		{"POST", "/api/v1/pay", `{"amount":1e99999999999}`},
		{"POST", "/api/v1/refund", `{"transaction_id":"` + p.TransactionID + `","amount":"` + nul + `"}`},
		{"POST", "/api/v1/refund", `{"transaction_id":"` + nul + `","amount":1}`},
		{"POST", "/api/v1/refund", `{"transaction_id":"` + p.TransactionID + `","amount":1e-99999}`},
		{"POST", "/api/v1/api-keys/regenerate", `{"client_id":{"x":1}}`},
		{"POST", "/api/v1/api-keys/regenerate", `{"client_id":12345678901234567890}`},
		{"POST", "/api/v1/webhook", `{"id":"` + nul + `"}`},
		{"POST", "/api/v1/webhook?gateway=%00", bad},
	}
	for _, c := range cases {
		w := e.call(asA, c.method, c.target, c.body)
		if w.Code >= 500 {
			t.Errorf("%s %.80q: %d %s", c.method, c.target+" "+c.body, w.Code, w.Body)
			continue
		}
		rep := decodeReply(t, w)
		if w.Code >= 400 && (*rep.Success || rep.Code != w.Code) {
			t.Errorf("%s %.80q: %d with envelope %s", c.method, c.target, w.Code, w.Body)
		}
		noSecrets(t, w.Body.String())
	}
	if strings.Contains(e.logOut.String(), "level=ERROR") {
		t.Errorf("the server logged errors:\n%s", e.logOut)
	}
}

// POST /api/v1/webhook needs no API key; an unconfigured gateway is a 404
// and the attempt is logged as a sample (unauthenticated calls are only
// sampled).
func TestGatewayWebhookUnconfigured(t *testing.T) {
	e := newEnv(t)
	r := newRequest(http.MethodPost, "/api/v1/webhook", `{"id":"gw_evt_1","event":"payment.success"}`)
	r.Header.Set("X-Gateway", "bkash")
	wantErr(t, e.serve(r), http.StatusNotFound)
	hooks := e.store.Hooks()
	if len(hooks) != 1 || hooks[0].Verdict != "unknown_gateway" || hooks[0].EventID != "gw_evt_1" {
		t.Errorf("hooks %+v", hooks)
	}
}
