package rest_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paycore/paycore/app"
)

func TestAuthMissingHeaders(t *testing.T) {
	e := newEnv(t)
	for _, drop := range []string{"", "X-API-KEY", "X-API-SIGNATURE", "X-API-TIMESTAMP", "X-API-NONCE"} {
		t.Run("without "+drop, func(t *testing.T) {
			r := newRequest(http.MethodGet, "/api/v1/client/profile", "")
			if drop != "" {
				e.sign(r, asA, "")
				r.Header.Del(drop)
			}
			rep := wantErr(t, e.serve(r), http.StatusUnauthorized)
			if !strings.Contains(rep.Message, "missing") {
				t.Errorf("message %q does not say what is missing", rep.Message)
			}
		})
	}
}

func TestAuthRefusals(t *testing.T) {
	cases := []struct {
		name    string
		mutate  func(e *env, r *http.Request)
		message string
	}{
		{"bad signature", func(_ *env, r *http.Request) {
			sig := []byte(r.Header.Get("X-API-SIGNATURE"))
			sig[0] ^= 1
			r.Header.Set("X-API-SIGNATURE", string(sig))
		}, "Invalid signature"},
		{"upper-case hex signature", func(_ *env, r *http.Request) {
			r.Header.Set("X-API-SIGNATURE", strings.ToUpper(r.Header.Get("X-API-SIGNATURE")))
		}, "Invalid signature"},
		{"signed with the other client's secret", func(e *env, r *http.Request) {
			e.sign(r, creds{keyA, secretB}, "")
		}, "Invalid signature"},
		{"unknown key", func(_ *env, r *http.Request) { r.Header.Set("X-API-KEY", "pk_nobody") }, "invalid API key"},
		{"timestamp not a number", func(_ *env, r *http.Request) { r.Header.Set("X-API-TIMESTAMP", "soon") }, "invalid timestamp"},
		{"nonce too long", func(e *env, r *http.Request) {
			// signed correctly, but 129 characters
			nonce := strings.Repeat("n", 129)
			ts := r.Header.Get("X-API-TIMESTAMP")
			r.Header.Set("X-API-NONCE", nonce)
			r.Header.Set("X-API-SIGNATURE", app.Sign([]byte(secretA), app.SignedRequest{Method: r.Method,
				Path: r.RequestURI, Timestamp: ts, Nonce: nonce}))
		}, "nonce too long"},
		{"suspended client", func(e *env, _ *http.Request) { e.keys.Suspend(clientA) }, "client suspended"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			r := newRequest(http.MethodGet, "/api/v1/client/profile", "")
			e.sign(r, asA, "")
			c.mutate(e, r)
			rep := wantErr(t, e.serve(r), http.StatusUnauthorized)
			if rep.Message != c.message {
				t.Errorf("message %q, want %q", rep.Message, c.message)
			}
		})
	}
}

// The timestamp must be within 300 s of the server's clock, either side;
// 300 s exactly still passes.
func TestAuthTimestampWindow(t *testing.T) {
	for _, c := range []struct {
		skew time.Duration // how far the signer's clock is from the server's
		want int
	}{
		{0, http.StatusOK},
		{300 * time.Second, http.StatusOK},
		{-300 * time.Second, http.StatusOK},
		{301 * time.Second, http.StatusUnauthorized},
		{-301 * time.Second, http.StatusUnauthorized},
		{-24 * time.Hour, http.StatusUnauthorized},
	} {
		t.Run(c.skew.String(), func(t *testing.T) {
			e := newEnv(t)
			r := newRequest(http.MethodGet, "/api/v1/client/profile", "")
			e.clock.Advance(c.skew)
			e.sign(r, asA, "")
			e.clock.Advance(-c.skew)
			w := e.serve(r)
			if c.want == http.StatusOK {
				wantOK(t, w, http.StatusOK)
				return
			}
			if rep := wantErr(t, w, c.want); rep.Message != "timestamp outside the allowed window" {
				t.Errorf("message %q", rep.Message)
			}
		})
	}
}

// A request replayed as is (same nonce) is refused; the nonce is per
// client, and a refused request does not use up its nonce.
func TestAuthNonceReplay(t *testing.T) {
	e := newEnv(t)
	r := newRequest(http.MethodGet, "/api/v1/client/profile", "")
	e.sign(r, asA, "")
	hdr := r.Header.Clone()
	wantOK(t, e.serve(r), http.StatusOK)

	again := newRequest(http.MethodGet, "/api/v1/client/profile", "")
	again.Header = hdr.Clone()
	if rep := wantErr(t, e.serve(again), http.StatusUnauthorized); rep.Message != "nonce already used" {
		t.Errorf("replay: message %q", rep.Message)
	}

	// Client B may use the same nonce.
	b := newRequest(http.MethodGet, "/api/v1/client/profile", "")
	ts := strconv.FormatInt(e.clock.Now().Unix(), 10)
	nonce := hdr.Get("X-API-NONCE")
	b.Header.Set("X-API-KEY", keyB)
	b.Header.Set("X-API-TIMESTAMP", ts)
	b.Header.Set("X-API-NONCE", nonce)
	b.Header.Set("X-API-SIGNATURE", app.Sign([]byte(secretB), app.SignedRequest{Method: "GET",
		Path: "/api/v1/client/profile", Timestamp: ts, Nonce: nonce}))
	wantOK(t, e.serve(b), http.StatusOK)

	// A request with a bad signature does not burn its nonce.
	bad := newRequest(http.MethodGet, "/api/v1/client/profile", "")
	e.sign(bad, asA, "")
	good := bad.Header.Clone()
	bad.Header.Set("X-API-SIGNATURE", strings.Repeat("0", 64))
	wantErr(t, e.serve(bad), http.StatusUnauthorized)
	retry := newRequest(http.MethodGet, "/api/v1/client/profile", "")
	retry.Header = good
	wantOK(t, e.serve(retry), http.StatusOK)
}

// PATH in the string to sign is the request target as sent: path plus
// query. A signature over the path alone, or over another query, fails.
func TestAuthSignsPathWithQuery(t *testing.T) {
	e := newEnv(t)
	const target = "/api/v1/transactions?page=1&limit=5"

	w := e.call(asA, http.MethodGet, target, "")
	if rep := wantOK(t, w, http.StatusOK); rep.Meta == nil || rep.Meta.Limit != 5 {
		t.Fatalf("meta %+v; body %s", rep.Meta, w.Body)
	}

	for _, signed := range []string{"/api/v1/transactions", "/api/v1/transactions?page=1&limit=6",
		"/api/v1/transactions?limit=5&page=1"} {
		r := newRequest(http.MethodGet, target, "")
		ts := strconv.FormatInt(e.clock.Now().Unix(), 10)
		nonce := e.nextNonce()
		r.Header.Set("X-API-KEY", keyA)
		r.Header.Set("X-API-TIMESTAMP", ts)
		r.Header.Set("X-API-NONCE", nonce)
		r.Header.Set("X-API-SIGNATURE", app.Sign([]byte(secretA), app.SignedRequest{Method: "GET", Path: signed,
			Timestamp: ts, Nonce: nonce}))
		if rep := wantErr(t, e.serve(r), http.StatusUnauthorized); rep.Message != "Invalid signature" {
			t.Errorf("signed %q: message %q", signed, rep.Message)
		}
	}

	// The body is signed too: the same headers over another body fail.
	r := newRequest(http.MethodPost, "/api/v1/pay", payBody("o-1", "10.00"))
	e.sign(r, asA, payBody("o-1", "99.00"))
	wantErr(t, e.serve(r), http.StatusUnauthorized)
}

// A refused request says nothing of any secret, and the request log keeps
// no signature.
func TestAuthErrorsAndLogsHoldNoSecrets(t *testing.T) {
	e := newEnv(t)
	r := newRequest(http.MethodPost, "/api/v1/refund", `{"transaction_id":"txn_x","amount":1,"secret_key":"`+secretA+`"}`)
	e.sign(r, creds{keyA, secretB}, "")
	wantErr(t, e.serve(r), http.StatusUnauthorized)

	w := e.call(asA, http.MethodPost, "/api/v1/refund", `{"transaction_id":"txn_x","amount":1,"secret_key":"`+secretA+`"}`)
	wantErr(t, w, http.StatusNotFound)

	recs := e.logs.records()
	if len(recs) != 2 {
		t.Fatalf("%d request records, want 2", len(recs))
	}
	for _, rec := range recs {
		if strings.Contains(rec.RequestBody, secretA) || strings.Contains(rec.ResponseBody, secretA) {
			t.Errorf("request log keeps a secret: %+v", rec)
		}
		if rec.Endpoint != "/api/v1/refund" || rec.Method != "POST" {
			t.Errorf("record %+v", rec)
		}
	}
	if recs[0].ClientID != "" || recs[0].StatusCode != 401 {
		t.Errorf("refused request logged as %q %d", recs[0].ClientID, recs[0].StatusCode)
	}
	if recs[1].ClientID != clientA || recs[1].StatusCode != 404 {
		t.Errorf("request logged as %q %d", recs[1].ClientID, recs[1].StatusCode)
	}
}
