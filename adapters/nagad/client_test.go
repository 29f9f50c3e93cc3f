package nagad_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paycore/paycore/adapters/nagad"
	"github.com/paycore/paycore/adapters/nagadsim"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
	"github.com/paycore/paycore/ports/portstest"
)

// fakeKeys is a PG key pair for fake servers (Nagad's PG private key is not
// public) and a merchant key pair.
var fakeKeys = sync.OnceValue(func() [2]*rsa.PrivateKey {
	var out [2]*rsa.PrivateKey
	for i := range out {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		out[i] = k
	}
	return out
})

func pkcs8PEM(k *rsa.PrivateKey) string {
	der, _ := x509.MarshalPKCS8PrivateKey(k)
	return pemOf("PRIVATE KEY", der)
}

func spkiB64(k *rsa.PublicKey) string {
	der, _ := x509.MarshalPKIXPublicKey(k)
	return b64(der)
}

// fakeEnv is a client against an httptest server whose handler the test
// writes; the server holds the PG private key and the merchant public key.
type fakeEnv struct {
	pg, merchant *rsa.PrivateKey
	client       *nagad.Client
	clock        *portstest.Clock
	logs         *syncBuffer
	calls        *callLog
}

func newFakeEnv(t *testing.T, h http.HandlerFunc, mutate ...func(*nagad.Config)) *fakeEnv {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	keys := fakeKeys()
	e := &fakeEnv{pg: keys[0], merchant: keys[1], clock: portstest.NewClock(t0), logs: &syncBuffer{}, calls: &callLog{}}
	cfg := nagad.Config{
		BaseURL: srv.URL + "/api/dfs/", MerchantID: "681234567890123", MerchantNumber: "01700000000",
		MerchantPrivateKey: pkcs8PEM(e.merchant), PGPublicKey: spkiB64(&e.pg.PublicKey),
		CallbackURL: callbackURL, Clock: e.clock, Timeout: time.Second, ServiceName: "Demo Shop",
		Logger:  slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Observe: e.calls.observe,
	}
	for _, m := range mutate {
		m(&cfg)
	}
	c, err := nagad.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.client = c
	return e
}

// open is the gateway's side of a request: decrypt with the PG key, verify
// with the merchant key.
func (e *fakeEnv) open(t *testing.T, sd, sig string) map[string]any {
	t.Helper()
	ct, _ := base64.StdEncoding.DecodeString(sd)
	plain, err := rsa.DecryptPKCS1v15(nil, e.pg, ct) //nolint:staticcheck // SA1019: Nagad's protocol is RSA PKCS#1 v1.5.
	if err != nil {
		t.Errorf("request sensitiveData does not decrypt: %v", err)
		return nil
	}
	s, _ := base64.StdEncoding.DecodeString(sig)
	sum := sha256.Sum256(plain)
	if err := rsa.VerifyPKCS1v15(&e.merchant.PublicKey, crypto.SHA256, sum[:], s); err != nil {
		t.Errorf("request signature does not verify: %v", err)
	}
	var compact bytes.Buffer
	if json.Compact(&compact, plain) != nil || compact.String() != string(plain) {
		t.Errorf("plaintext is not compact JSON: %s", plain)
	}
	var m map[string]any
	if err := json.Unmarshal(plain, &m); err != nil {
		t.Errorf("plaintext is not JSON: %s", plain)
	}
	return m
}

// seal is the gateway's side of an answer.
func (e *fakeEnv) seal(t *testing.T, plain string) string {
	t.Helper()
	ct, err := rsa.EncryptPKCS1v15(rand.Reader, &e.merchant.PublicKey, []byte(plain)) //nolint:staticcheck // SA1019: Nagad's protocol is RSA PKCS#1 v1.5.
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(plain))
	sig, err := rsa.SignPKCS1v15(nil, e.pg, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(map[string]string{"sensitiveData": base64.StdEncoding.EncodeToString(ct), "signature": base64.StdEncoding.EncodeToString(sig)})
	return string(b)
}

func writeBody(w http.ResponseWriter, status int, contentType, body string) {
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

func readJSON(t *testing.T, r *http.Request) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
		t.Errorf("request body: %v", err)
	}
	return m
}

const fakeRef = "MDExNDE1MzAxMjM0NS42ODEyMzQ1Njc4OTAxMjMuT1JEMjAyNTAxMTRBQjEyLjlmMmM0MWQwN2JlODNhNjVjMWU0"

// TestCreateWire checks every byte of initialize and complete that the
// the wire fixes (docs/gateways/nagad.md §3–§6, §10) from the gateway's side.
func TestCreateWire(t *testing.T) {
	t.Parallel()
	var e *fakeEnv
	attempt := "att_3k9x0qa7bc1de2fg3hi4"
	e = newFakeEnv(t, func(w http.ResponseWriter, r *http.Request) {
		for h, want := range map[string]string{"X-KM-Api-Version": "v-0.2.0", "X-KM-IP-V4": "127.0.0.1",
			"X-KM-Client-Type": "PC_WEB", "Content-Type": "application/json"} {
			if got := r.Header.Get(h); got != want {
				t.Errorf("%s %s: header %s = %q, want %q", r.Method, r.URL.Path, h, got, want)
			}
		}
		body := readJSON(t, r)
		switch r.URL.EscapedPath() {
		case "/api/dfs/check-out/initialize/681234567890123/3k9x0qa7bc1de2fg3hi4":
			if body["accountNumber"] != "01700000000" || body["dateTime"] != "20250114153012" {
				t.Errorf("initialize body = %v", body)
			}
			p := e.open(t, body["sensitiveData"].(string), body["signature"].(string))
			if len(p) != 4 || p["merchantId"] != "681234567890123" || p["orderId"] != "3k9x0qa7bc1de2fg3hi4" || p["datetime"] != "20250114153012" {
				t.Errorf("initialize plaintext = %v", p)
			}
			if ch, _ := p["challenge"].(string); !regexp.MustCompile(`^[0-9a-f]{40}$`).MatchString(ch) {
				t.Errorf("challenge %q, want 40 hex", ch)
			}
			writeBody(w, 200, "application/json", e.seal(t, `{"paymentReferenceId":"`+fakeRef+`","challenge":"9f2c41d07be83a65c1e4","acceptDateTime":"20250114153012"}`))
		case "/api/dfs/check-out/complete/" + fakeRef:
			if body["merchantCallbackURL"] != callbackURL {
				t.Errorf("merchantCallbackURL = %v", body["merchantCallbackURL"])
			}
			if info, _ := body["additionalMerchantInfo"].(map[string]any); info["serviceName"] != "Demo Shop" {
				t.Errorf("additionalMerchantInfo = %v", body["additionalMerchantInfo"])
			}
			p := e.open(t, body["sensitiveData"].(string), body["signature"].(string))
			want := map[string]any{"merchantId": "681234567890123", "orderId": "3k9x0qa7bc1de2fg3hi4",
				"currencyCode": "050", "amount": "1250.00", "challenge": "9f2c41d07be83a65c1e4"}
			if fmt.Sprint(p) != fmt.Sprint(want) {
				t.Errorf("complete plaintext = %v, want %v", p, want)
			}
			writeBody(w, 200, "application/json", `{"callBackUrl":"http://sandbox.mynagad.com:10060/check-out/`+fakeRef+`","status":"Success"}`)
		default:
			t.Errorf("unexpected %s %s", r.Method, r.URL.EscapedPath())
			w.WriteHeader(404)
		}
	})
	res, err := e.client.Create(context.Background(), ports.CreateRequest{AttemptID: attempt, Amount: bdt(125000), PayerReference: "01711111111"})
	if err != nil {
		t.Fatal(err)
	}
	want := ports.CreateResult{GatewayRef: fakeRef, RedirectURL: "http://sandbox.mynagad.com:10060/check-out/" + fakeRef}
	if res != want {
		t.Fatalf("Create = %+v, want %+v", res, want)
	}
	if ops := opsOf(e.calls); ops != "initialize:ok complete:ok" {
		t.Errorf("observed %s", ops)
	}
}

func opsOf(l *callLog) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var s []string
	for _, c := range l.calls {
		s = append(s, c.Op+":"+c.Outcome)
	}
	return strings.Join(s, " ")
}

// TestCreateGoldenInitialize: the client, given Nagad's public sandbox keys,
// takes the real sandbox initialize answer (docs/gateways/nagad.md §4.6) and completes its
// reference.
func TestCreateGoldenInitialize(t *testing.T) {
	t.Parallel()
	v := loadSandbox(t)
	var ans struct{ PaymentReferenceID string }
	_ = json.Unmarshal([]byte(v.InitializeResponse.Decrypted), &ans)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasPrefix(r.URL.Path, "/api/dfs/check-out/initialize/683002007104225/"):
			b, _ := json.Marshal(map[string]string{"sensitiveData": v.InitializeResponse.SensitiveData, "signature": v.InitializeResponse.Signature})
			writeBody(w, 200, "application/json", string(b))
		case r.URL.EscapedPath() == "/api/dfs/check-out/complete/"+ans.PaymentReferenceID:
			writeBody(w, 200, "application/json", `{"callBackUrl":"https://sandbox-ssl.mynagad.com:10061/check-out/`+ans.PaymentReferenceID+`","status":"Success"}`)
		default:
			t.Errorf("unexpected %s", r.URL.EscapedPath())
		}
	}))
	defer srv.Close()
	c, err := nagad.New(nagad.Config{BaseURL: srv.URL + "/api/dfs", MerchantID: v.MerchantID,
		MerchantPrivateKey: v.MerchantPrivateKey, PGPublicKey: v.PGPublicKey, CallbackURL: callbackURL})
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Create(context.Background(), ports.CreateRequest{AttemptID: "att_Order20240202124953", Amount: bdt(10000)})
	if err != nil {
		t.Fatal(err)
	}
	if res.GatewayRef != ans.PaymentReferenceID || !strings.HasSuffix(res.RedirectURL, ans.PaymentReferenceID) {
		t.Fatalf("Create = %+v", res)
	}
}

// TestCreateBadAnswers: an initialize answer that does not decrypt or
// verify, or lacks fields, is ErrBadResponse, and complete is not called.
func TestCreateBadAnswers(t *testing.T) {
	t.Parallel()
	cases := map[string]func(e *fakeEnv) string{
		"signed by another key": func(e *fakeEnv) string {
			other := *e
			other.pg = e.merchant
			return other.seal(t, `{"paymentReferenceId":"abcdefghij","challenge":"x"}`)
		},
		"no challenge":     func(e *fakeEnv) string { return e.seal(t, `{"paymentReferenceId":"abcdefghij"}`) },
		"not encrypted":    func(*fakeEnv) string { return `{"paymentReferenceId":"abcdefghij","challenge":"x"}` },
		"garbage base64":   func(*fakeEnv) string { return `{"sensitiveData":"%%%","signature":"%%%"}` },
		"legacy random ok": nil,
	}
	for name, answer := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var e *fakeEnv
			e = newFakeEnv(t, func(w http.ResponseWriter, r *http.Request) {
				if strings.Contains(r.URL.Path, "/complete/") {
					if answer != nil {
						t.Error("complete called after a bad initialize answer")
					}
					writeBody(w, 200, "application/json", `{"callBackUrl":"https://pay.example/check-out/x","status":"Success"}`)
					return
				}
				if answer == nil { // pre-v1.4 "random" instead of "challenge"
					writeBody(w, 200, "application/json", e.seal(t, `{"paymentReferenceId":"abcdefghij","random":"x","acceptDateTime":"20250114153012"}`))
					return
				}
				writeBody(w, 200, "application/json", answer(e))
			})
			_, err := e.client.Create(context.Background(), ports.CreateRequest{AttemptID: newAttempt(), Amount: bdt(100)})
			if answer == nil {
				if err != nil {
					t.Fatalf("legacy answer: %v", err)
				}
				return
			}
			if !errors.Is(err, nagad.ErrBadResponse) {
				t.Fatalf("err = %v, want ErrBadResponse", err)
			}
		})
	}
}

// TestCreateCompleteNotSuccess: complete answering another status is a
// refusal carrying it.
func TestCreateCompleteNotSuccess(t *testing.T) {
	t.Parallel()
	var e *fakeEnv
	e = newFakeEnv(t, func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "/initialize/") {
			writeBody(w, 200, "application/json", e.seal(t, `{"paymentReferenceId":"abcdefghij","challenge":"x"}`))
			return
		}
		writeBody(w, 200, "application/json", `{"callBackUrl":null,"status":"Failed"}`)
	})
	_, err := e.client.Create(context.Background(), ports.CreateRequest{AttemptID: newAttempt(), Amount: bdt(100)})
	var ge *ports.GatewayError
	if !errors.As(err, &ge) || ge.Code != "Failed" {
		t.Fatalf("err = %v", err)
	}
}

// TestCreateValidation: nothing is sent for a request Nagad cannot take.
func TestCreateValidation(t *testing.T) {
	t.Parallel()
	e := newFakeEnv(t, func(http.ResponseWriter, *http.Request) { t.Error("request sent") })
	cases := []ports.CreateRequest{
		{AttemptID: newAttempt(), Amount: domain.MustMoney(100, "USD")},
		{AttemptID: newAttempt(), Amount: domain.MustMoney(0, "BDT")},
		{AttemptID: "att_ab", Amount: bdt(100)},
		{AttemptID: "att_-._~", Amount: bdt(100)},
		{AttemptID: newAttempt(), Amount: bdt(1_000_000_000_000_000)},
	}
	for _, req := range cases {
		if _, err := e.client.Create(context.Background(), req); !errors.Is(err, nagad.ErrInvalidRequest) {
			t.Errorf("Create(%+v) err = %v, want ErrInvalidRequest", req, err)
		}
	}
}

func TestOrderID(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want string }{
		{"att_3k9x0qa7bc1de2fg3hi4", "3k9x0qa7bc1de2fg3hi4"},
		{"att_3k9x0qa7bc1de2fg3hi4zz", "3k9x0qa7bc1de2fg3hi4"},
		{"att_ab-cd_ef.gh", "abcdefgh"},
		{"Order20240202124953", "Order20240202124953"},
		{"att_abcd", ""},
		{"att_ঢাকা12", ""},
	}
	for _, tc := range cases {
		got, err := nagad.OrderID(tc.in)
		if got != tc.want || (tc.want == "") != errors.Is(err, nagad.ErrInvalidRequest) {
			t.Errorf("OrderID(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

// verifyServer answers every verify with body (HTTP status), counting calls.
func verifyServer(t *testing.T, status int, contentType, body string) *fakeEnv {
	t.Helper()
	return newFakeEnv(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || !strings.HasPrefix(r.URL.Path, "/api/dfs/verify/payment/") {
			t.Errorf("unexpected %s %s", r.Method, r.URL.Path)
		}
		writeBody(w, status, contentType, body)
	})
}

// f5 is a verify success answer (docs/gateways/nagad.md §7.4) with a paycore orderId.
const f5 = `{"merchantId":"681234567890123","orderId":"3k9x0qa7bc1de2fg3hi4","paymentRefId":"` + fakeRef + `","amount":"1250","clientMobileNo":"017****3921","merchantMobileNo":"01700000000","orderDateTime":"2025-01-14 15:30:12.0","issuerPaymentDateTime":"2025-01-14 15:34:55.0","issuerPaymentRefNo":"0000K7QD","additionalMerchantInfo":"{\"serviceName\":\"Demo Shop\"}","status":"Success","statusCode":"000","cancelIssuerDateTime":null,"cancelIssuerRefNo":null}`

func withF5(repl ...string) string { return strings.NewReplacer(repl...).Replace(f5) }

// TestConfirmStatuses maps every verify answer to an outcome (docs/gateways/nagad.md §7.3,
// §7.5, §11.3).
func TestConfirmStatuses(t *testing.T) {
	t.Parallel()
	const att = "att_3k9x0qa7bc1de2fg3hi4"
	type want struct {
		outcome ports.Outcome
		code    string
		trx     string
	}
	cases := []struct {
		name   string
		status int
		ctype  string
		body   string
		want   want
	}{
		{"success", 200, "application/json", f5, want{ports.OutcomeSucceeded, "", "0000K7QD"}},
		{"success lower case, amount 1250.00 as number", 200, "application/json", withF5(`"status":"Success"`, `"status":"success"`, `"amount":"1250"`, `"amount":1250.00`), want{ports.OutcomeSucceeded, "", "0000K7QD"}},
		{"success without trx id", 200, "application/json", withF5(`"issuerPaymentRefNo":"0000K7QD"`, `"issuerPaymentRefNo":null`), want{ports.OutcomeSucceeded, "", fakeRef}},
		{"success other merchant", 200, "application/json", withF5(`"merchantId":"681234567890123"`, `"merchantId":"689999999999999"`), want{ports.OutcomeFailed, nagad.CodeMerchantMismatch, ""}},
		{"success other order", 200, "application/json", withF5(`"orderId":"3k9x0qa7bc1de2fg3hi4"`, `"orderId":"ORD20250114AB12"`), want{ports.OutcomeFailed, nagad.CodeOrderMismatch, ""}},
		{"success other reference", 200, "application/json", withF5(`"paymentRefId":"`+fakeRef, `"paymentRefId":"X`), want{ports.OutcomeFailed, nagad.CodePaymentMismatch, ""}},
		{"success other amount", 200, "application/json", withF5(`"amount":"1250"`, `"amount":"1250.01"`), want{ports.OutcomeFailed, nagad.CodeAmountMismatch, ""}},
		{"success without amount", 200, "application/json", withF5(`"amount":"1250",`, ``), want{ports.OutcomeFailed, nagad.CodeAmountMismatch, ""}},
		{"aborted (F6)", 200, "application/json", withF5(`"status":"Success"`, `"status":"Aborted"`), want{ports.OutcomeFailed, "Aborted", ""}},
		{"cancelled", 200, "application/json", withF5(`"status":"Success"`, `"status":"Cancelled"`), want{ports.OutcomeFailed, "Cancelled", ""}},
		{"failed", 200, "application/json", withF5(`"status":"Success"`, `"status":"Failed"`), want{ports.OutcomeFailed, "Failed", ""}},
		{"fraud", 200, "application/json", withF5(`"status":"Success"`, `"status":"Fraud"`), want{ports.OutcomeFailed, "Fraud", ""}},
		{"invalid request", 200, "application/json", withF5(`"status":"Success"`, `"status":"InvalidRequest"`), want{ports.OutcomeFailed, "InvalidRequest", ""}},
		{"UnknownFailed callback spelling", 200, "application/json", withF5(`"status":"Success"`, `"status":"UnknownFailed"`), want{ports.OutcomeFailed, "UnKnownFailed", ""}},
		{"order initiated", 200, "application/json", withF5(`"status":"Success"`, `"status":"OrderInitiated"`), want{ports.OutcomeUnknown, "", ""}},
		{"ready", 200, "application/json", withF5(`"status":"Success"`, `"status":"Ready"`), want{ports.OutcomeUnknown, "", ""}},
		{"in progress", 200, "application/json", withF5(`"status":"Success"`, `"status":"InProgress"`), want{ports.OutcomeUnknown, "", ""}},
		{"otp sent", 200, "application/json", withF5(`"status":"Success"`, `"status":"OtpSent"`), want{ports.OutcomeUnknown, "", ""}},
		{"otp verified", 200, "application/json", withF5(`"status":"Success"`, `"status":"OtpVerified"`), want{ports.OutcomeUnknown, "", ""}},
		{"pin given", 200, "application/json", withF5(`"status":"Success"`, `"status":"PinGiven"`), want{ports.OutcomeUnknown, "", ""}},
		{"transaction in progress", 200, "application/json", withF5(`"status":"Success"`, `"status":"TransactionInProgress"`), want{ports.OutcomeUnknown, "", ""}},
		{"refunded before confirmed", 200, "application/json", withF5(`"status":"Success"`, `"status":"Refunded"`), want{ports.OutcomeUnknown, "", ""}},
		{"a status nobody knows", 200, "application/json", withF5(`"status":"Success"`, `"status":"Wobbly"`), want{ports.OutcomeUnknown, "", ""}},
		{"no status", 200, "application/json", `{"orderId":"x"}`, want{ports.OutcomeUnknown, "", ""}},
		{"unknown reference", 400, "application/json", `{"reason":"16_0006_055","message":"Invalid Payment Reference Id"}`, want{ports.OutcomeFailed, "16_0006_055", ""}},
		{"another refusal", 400, "application/json", `{"reason":"16_0006_052","message":"Invalid Merchant"}`, want{ports.OutcomeUnknown, "", ""}},
		{"server error", 500, "application/json", `{"timestamp":"x","status":500,"error":"Internal Server Error"}`, want{ports.OutcomeUnknown, "", ""}},
		{"proxy page", 502, "text/html", `<html><body><h1>502 Bad Gateway</h1></body></html>`, want{ports.OutcomeUnknown, "", ""}},
		{"firewall page", 200, "text/html", nagadsim.WAFPage("123"), want{ports.OutcomeUnknown, "", ""}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := verifyServer(t, tc.status, tc.ctype, tc.body)
			got, err := e.client.Confirm(context.Background(), ports.ConfirmRequest{AttemptID: att, GatewayRef: fakeRef, Amount: bdt(125000),
				Callback: map[string]string{"status": "Success", "payment_ref_id": strings.ReplaceAll(fakeRef, "+", " ")}})
			if err != nil {
				t.Fatal(err)
			}
			if got.Outcome != tc.want.outcome || got.Code != tc.want.code || got.TrxID != tc.want.trx {
				t.Fatalf("Confirm = %+v, want %+v", got, tc.want)
			}
			// Mismatched Success answers, and only they, open a review.
			wantReview := ""
			switch tc.want.code {
			case nagad.CodeAmountMismatch, nagad.CodeOrderMismatch, nagad.CodeMerchantMismatch, nagad.CodePaymentMismatch:
				wantReview = tc.want.code
			}
			if got.Review != wantReview {
				t.Errorf("Review = %q, want %q", got.Review, wantReview)
			}
			if got.Outcome != ports.OutcomeSucceeded && got.Message == "" {
				t.Error("no message")
			}
		})
	}
}

// TestConfirmNeedsAReference: with neither GatewayRef nor a callback
// reference nothing is sent.
func TestConfirmNeedsAReference(t *testing.T) {
	t.Parallel()
	e := newFakeEnv(t, func(http.ResponseWriter, *http.Request) { t.Error("request sent") })
	_, err := e.client.Confirm(context.Background(), ports.ConfirmRequest{AttemptID: newAttempt(), Amount: bdt(100), Callback: map[string]string{"status": "Success"}})
	if !errors.Is(err, nagad.ErrInvalidRequest) {
		t.Fatalf("err = %v", err)
	}
}

// TestVerifyDecodesF5: every field of a verify answer (docs/gateways/nagad.md §7.4), and the
// path escaping of a reference holding "/" and "+" (docs/gateways/nagad.md §7.2).
func TestVerifyDecodesF5(t *testing.T) {
	t.Parallel()
	ref := "MDEx+NDE1/MzAx=="
	e := newFakeEnv(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.EscapedPath() != "/api/dfs/verify/payment/MDEx+NDE1%2FMzAx==" {
			t.Errorf("path %s", r.URL.EscapedPath())
		}
		writeBody(w, 200, "application/json", f5)
	})
	v, err := e.client.Verify(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	dhaka := domain.Dhaka
	want := nagad.VerifyResult{
		MerchantID: "681234567890123", OrderID: "3k9x0qa7bc1de2fg3hi4", PaymentRefID: fakeRef,
		Amount: bdt(125000), AmountText: "1250", ClientMobileNo: "017****3921", MerchantMobileNo: "01700000000",
		OrderDateTime:         time.Date(2025, 1, 14, 15, 30, 12, 0, dhaka),
		IssuerPaymentDateTime: time.Date(2025, 1, 14, 15, 34, 55, 0, dhaka),
		IssuerPaymentRefNo:    "0000K7QD", AdditionalMerchantInfo: json.RawMessage(`{"serviceName":"Demo Shop"}`),
		Status: nagad.StatusSuccess, StatusCode: "000",
	}
	if fmt.Sprintf("%+v", v) != fmt.Sprintf("%+v", want) {
		t.Fatalf("Verify =\n%+v\nwant\n%+v", v, want)
	}
}

func TestParseDateTime(t *testing.T) {
	t.Parallel()
	want := time.Date(2021, 11, 23, 23, 48, 22, 0, domain.Dhaka)
	for _, s := range []string{"20211123234822", "2021-11-23 23:48:22.0", "2021-11-23 23:48:22", " 2021-11-23 23:48:22.000 "} {
		if got, ok := nagad.ParseDateTime(s); !ok || !got.Equal(want) {
			t.Errorf("ParseDateTime(%q) = %v, %v", s, got, ok)
		}
	}
	for _, s := range []string{"", "null", "2021112323482", "2021-1-23 23:48:22"} {
		if _, ok := nagad.ParseDateTime(s); ok {
			t.Errorf("ParseDateTime(%q) accepted", s)
		}
	}
	if got := nagad.FormatDateTime(time.Date(2024, 2, 2, 6, 49, 53, 0, time.UTC)); got != "20240202124953" {
		t.Errorf("FormatDateTime = %s", got)
	}
}

// TestErrorReasonsMapped: every reason of docs/gateways/nagad.md §9.2, and every
// reason the simulator produces, is a typed *Error of the right class that
// unwraps to a *ports.GatewayError.
func TestErrorReasonsMapped(t *testing.T) {
	t.Parallel()
	classes := map[string]error{
		"16_0006_001": nagad.ErrInvalidData, "16_0006_004": nagad.ErrConfig, "16_0006_050": nagad.ErrConfig,
		"16_0006_052": nagad.ErrConfig, "16_0006_053": nagad.ErrConfig, "16_0006_056": nagad.ErrConfig,
		"16_0006_057": nagad.ErrConfig, "16_0006_058": nagad.ErrConfig, "16_0006_059": nagad.ErrInvalidData,
		"16_0006_060": nagad.ErrInvalidData, "16_0006_061": nagad.ErrConfig, "16_0006_064": nagad.ErrConfig,
		"16_0006_068": nagad.ErrInvalidData, "16_0006_075": nagad.ErrUnavailable, "16_0006_076": nagad.ErrDateTime,
		"16_0006_081": nagad.ErrDateTime, "16_0006_083": nagad.ErrDuplicateOrder, "16_0006_017": nagad.ErrPaymentState,
		"16_0006_040": nagad.ErrInvalidData, "16_0006_055": nagad.ErrUnknownPayment, "16_0006_069": nagad.ErrInvalidData,
		"16_0006_080": nagad.ErrInvalidData, "16_0006_999": nagad.ErrInvalidData,
	}
	for _, r := range nagadsim.Reasons() {
		if classes[r] == nil {
			t.Errorf("simulator reason %s has no class in this test", r)
		}
	}
	all := []error{nagad.ErrConfig, nagad.ErrDuplicateOrder, nagad.ErrDateTime, nagad.ErrInvalidData,
		nagad.ErrUnknownPayment, nagad.ErrPaymentState, nagad.ErrUnavailable, nagad.ErrNoAnswer}
	for reason, class := range classes {
		t.Run(reason, func(t *testing.T) {
			t.Parallel()
			if nagad.Describe(reason) == "" {
				t.Error("Describe is empty")
			}
			e := verifyServer(t, 400, "application/json", `{"reason":"`+reason+`","message":""}`)
			_, err := e.client.Verify(context.Background(), "abc")
			var ne *nagad.Error
			if !errors.As(err, &ne) || ne.Reason != reason || ne.Message != nagad.Describe(reason) || ne.HTTPStatus != 400 {
				t.Fatalf("err = %#v", err)
			}
			for _, c := range all {
				if errors.Is(err, c) != (c == class) {
					t.Errorf("errors.Is(%v, %v) = %v", err, c, errors.Is(err, c))
				}
			}
			var ge *ports.GatewayError
			if !errors.As(err, &ge) || ge.Code != reason || ge.Gateway != domain.GatewayNagad {
				t.Errorf("GatewayError = %+v", ge)
			}
		})
	}

	t.Run("Nagad's own message and devMessage win", func(t *testing.T) {
		t.Parallel()
		e := verifyServer(t, 400, "application/json", `{"reason":"16_0006_058","message":"Signature mismatch","devMessage":"sha1?"}`)
		_, err := e.client.Verify(context.Background(), "abc")
		if err == nil || !strings.Contains(err.Error(), "16_0006_058 Signature mismatch (sha1?) (HTTP 400): MerchantPrivateKey does not match") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("unknown reason", func(t *testing.T) {
		t.Parallel()
		e := verifyServer(t, 400, "application/json", `{"reason":"16_0006_777","message":"Something new"}`)
		_, err := e.client.Verify(context.Background(), "abc")
		var ge *ports.GatewayError
		if !errors.As(err, &ge) || ge.Code != "16_0006_777" || ge.Message != "Something new" || errors.Is(err, nagad.ErrConfig) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("reason with HTTP 200", func(t *testing.T) {
		t.Parallel()
		e := verifyServer(t, 200, "application/json", `{"reason":"16_0006_055","message":"Invalid Payment Reference Id"}`)
		if _, err := e.client.Verify(context.Background(), "abc"); !errors.Is(err, nagad.ErrUnknownPayment) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("403 without reason", func(t *testing.T) {
		t.Parallel()
		e := verifyServer(t, 403, "application/json", `{"message":"Forbidden"}`)
		_, err := e.client.Verify(context.Background(), "abc")
		var ge *ports.GatewayError
		if !errors.Is(err, nagad.ErrConfig) || !errors.As(err, &ge) || ge.Code != "HTTP403" || ge.Message != "Forbidden" {
			t.Fatalf("err = %v", err)
		}
	})
}

// TestWAFPages: the firewall's page, whatever its status, is a
// RejectedError with the Support ID; other HTML is no answer.
func TestWAFPages(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, body string
		status     int
		id         string
	}{
		{"F5 page, HTTP 200", nagadsim.WAFPage("11795815434692856934"), 200, "11795815434692856934"},
		{"HTTP 403, other wording", `<html><title>Request Rejected</title><body>Support ID #  4521-77</body></html>`, 403, "4521-77"},
		{"no support ID", `<html><head><title>Request Rejected</title></head><body>The requested URL was rejected.</body></html>`, 200, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := verifyServer(t, tc.status, "text/html", tc.body)
			_, err := e.client.Verify(context.Background(), "abc")
			var re *nagad.RejectedError
			if !errors.As(err, &re) || re.SupportID != tc.id || re.Op != nagad.OpVerify || re.HTTPStatus != tc.status {
				t.Fatalf("err = %#v", err)
			}
			if !errors.Is(err, nagad.ErrConfig) || errors.Is(err, nagad.ErrNoAnswer) {
				t.Errorf("err = %v: want ErrConfig, not ErrNoAnswer", err)
			}
			if tc.id != "" && !strings.Contains(err.Error(), "Support ID: "+tc.id) {
				t.Errorf("err = %q lacks the Support ID", err)
			}
		})
	}
	e := verifyServer(t, 200, "text/html", "<html><body>Maintenance</body></html>")
	if _, err := e.client.Verify(context.Background(), "abc"); !errors.Is(err, nagad.ErrNoAnswer) {
		t.Fatalf("plain HTML: err = %v, want ErrNoAnswer", err)
	}
}

// TestRefundWire checks the cancel request from the gateway's side and
// accepts an encrypted or a plain answer.
func TestRefundWire(t *testing.T) {
	t.Parallel()
	for _, encrypted := range []bool{true, false} {
		t.Run(fmt.Sprint("encrypted=", encrypted), func(t *testing.T) {
			t.Parallel()
			var e *fakeEnv
			e = newFakeEnv(t, func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/api/dfs/purchase/cancel" || r.URL.Query().Get("paymentRefId") != "MDEx+NDE1/MzAx==" ||
					r.URL.Query().Get("orderId") != "3k9x0qa7bc1de2fg3hi4" || r.Header.Get("X-KM-IP-V4") == "" {
					t.Errorf("request %s %s", r.Method, r.URL)
				}
				body := readJSON(t, r)
				p := e.open(t, body["sensitiveDataCancelRequest"].(string), body["signature"].(string))
				want := map[string]any{"merchantId": "681234567890123", "originalRequestDate": "20250114", "originalAmount": "1250.00",
					"cancelAmount": "250.00", "referenceNo": "RF8K2L0Q1Z", "referenceMessage": "Partial return", "orderId": "3k9x0qa7bc1de2fg3hi4"}
				if fmt.Sprint(p) != fmt.Sprint(want) {
					t.Errorf("plaintext = %v", p)
				}
				ans := `{"status":"PartialRefunded","code":"000","originalAmount":"1250","cancelAmount":"250.00","cancelTrxId":"0000K9XA"}`
				if encrypted {
					ans = e.seal(t, ans)
				}
				writeBody(w, 200, "application/json", ans)
			})
			// 17:59 UTC is 23:59 in Dhaka: originalRequestDate is the refund's
			// own date in Dhaka, whenever the payment was made.
			e.clock.Set(time.Date(2025, 1, 14, 17, 59, 0, 0, time.UTC))
			r, err := e.client.Refund(context.Background(), nagad.RefundRequest{PaymentRefID: "MDEx+NDE1/MzAx==", AttemptID: "att_3k9x0qa7bc1de2fg3hi4",
				OriginalAmount: bdt(125000), Amount: bdt(25000),
				ReferenceNo: "ref_RF8K2L0Q1Z", Reason: "  Partial return "})
			if err != nil {
				t.Fatal(err)
			}
			want := nagad.RefundResult{Status: nagad.StatusPartialRefunded, Code: "000", OriginalAmount: bdt(125000),
				CancelAmount: bdt(25000), CancelTrxID: "0000K9XA"}
			if r != want {
				t.Fatalf("Refund = %+v, want %+v", r, want)
			}
		})
	}
}

// TestRefundUnusableAnswers: after the refund was sent, anything but a
// clear answer leaves its outcome unknown (ErrNoAnswer); a refusal does not.
func TestRefundUnusableAnswers(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		status   int
		body     func(e *fakeEnv) string
		noAnswer bool
	}{
		"unknown status": {200, func(*fakeEnv) string { return `{"status":"Pending","code":"001"}` }, true},
		"empty object":   {200, func(*fakeEnv) string { return `{}` }, true},
		"bad signature":  {200, func(e *fakeEnv) string { o := *e; o.pg = e.merchant; return o.seal(t, `{"status":"Refunded"}`) }, true},
		"server error":   {500, func(*fakeEnv) string { return `oops` }, true},
		"refused": {400, func(*fakeEnv) string {
			return `{"reason":"16_0006_017","message":"Purchase information state is invalid"}`
		}, false},
		"firewall rejected": {200, func(*fakeEnv) string { return nagadsim.WAFPage("42") }, false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var e *fakeEnv
			e = newFakeEnv(t, func(w http.ResponseWriter, _ *http.Request) {
				ct := "application/json"
				if strings.HasPrefix(tc.body(e), "<") {
					ct = "text/html"
				}
				writeBody(w, tc.status, ct, tc.body(e))
			})
			_, err := e.client.Refund(context.Background(), nagad.RefundRequest{PaymentRefID: "abc", AttemptID: newAttempt(),
				OriginalAmount: bdt(100), Amount: bdt(100), ReferenceNo: "r1"})
			if err == nil || errors.Is(err, nagad.ErrNoAnswer) != tc.noAnswer {
				t.Fatalf("err = %v, want ErrNoAnswer %v", err, tc.noAnswer)
			}
		})
	}
}

// TestRefundValidation: nothing is sent for an impossible refund.
func TestRefundValidation(t *testing.T) {
	t.Parallel()
	e := newFakeEnv(t, func(http.ResponseWriter, *http.Request) { t.Error("request sent") })
	ok := nagad.RefundRequest{PaymentRefID: "abc", AttemptID: newAttempt(), OriginalAmount: bdt(100), Amount: bdt(100), ReferenceNo: "r1"}
	cases := map[string]func(r *nagad.RefundRequest){
		"no reference":    func(r *nagad.RefundRequest) { r.PaymentRefID = " " },
		"bad attempt":     func(r *nagad.RefundRequest) { r.AttemptID = "att_x" },
		"more than paid":  func(r *nagad.RefundRequest) { r.Amount = bdt(101) },
		"zero":            func(r *nagad.RefundRequest) { r.Amount = domain.MustMoney(0, "BDT") },
		"dollars":         func(r *nagad.RefundRequest) { r.OriginalAmount = domain.MustMoney(100, "USD") },
		"no reference no": func(r *nagad.RefundRequest) { r.ReferenceNo = "ref_--" },
	}
	for name, mutate := range cases {
		req := ok
		mutate(&req)
		if _, err := e.client.Refund(context.Background(), req); !errors.Is(err, nagad.ErrInvalidRequest) {
			t.Errorf("%s: err = %v, want ErrInvalidRequest", name, err)
		}
	}
}

// TestNewConfigErrors: every bad field is named; no key appears in the error.
func TestNewConfigErrors(t *testing.T) {
	t.Parallel()
	keys := fakeKeys()
	_, err := nagad.New(nagad.Config{BaseURL: "ftp://x", MerchantID: "68-12", MerchantNumber: "0170",
		MerchantPrivateKey: spkiB64(&keys[0].PublicKey), PGPublicKey: pkcs8PEM(keys[1]),
		CallbackURL: "https://paycore.example/callbacks/nagad?x=1", ClientIP: "::1", ClientType: "TV",
		ServiceName: strings.Repeat("x", 26), Timeout: -1})
	if err == nil {
		t.Fatal("New accepted a bad config")
	}
	for _, field := range []string{"BaseURL", "MerchantID", "MerchantNumber", "MerchantPrivateKey: nagad: unusable RSA key: this is a public key",
		"PGPublicKey: nagad: unusable RSA key: this is a private key", "CallbackURL must have no query", "ClientIP", "ClientType", "ServiceName", "Timeout"} {
		if !strings.Contains(err.Error(), field) {
			t.Errorf("error does not mention %q: %v", field, err)
		}
	}
	if strings.Contains(err.Error(), spkiB64(&keys[0].PublicKey)[:40]) || strings.Contains(err.Error(), "BEGIN") {
		t.Error("error contains a key")
	}
}

// TestSecretsNeverLogged runs every operation against the simulator and
// checks that neither keys nor decrypted data reach the logs or errors.
func TestSecretsNeverLogged(t *testing.T) {
	t.Parallel()
	e := newSimEnv(t)
	ctx := context.Background()
	att, res, q := e.pay(t, bdt(1000))
	if _, err := e.client.Confirm(ctx, ports.ConfirmRequest{AttemptID: att, GatewayRef: res.GatewayRef, Amount: bdt(1000), Callback: callback(q)}); err != nil {
		t.Fatal(err)
	}
	_, _ = e.client.Refund(ctx, nagad.RefundRequest{PaymentRefID: res.GatewayRef, AttemptID: att, OriginalAmount: bdt(1000), Amount: bdt(10), ReferenceNo: "r1"})
	_, err := e.client.Create(ctx, ports.CreateRequest{AttemptID: att, Amount: bdt(1000)}) // 083, logged
	logs := e.logs.String() + fmt.Sprint(err)
	for _, secret := range []string{"PRIVATE KEY", "PUBLIC KEY", keyBody(e.creds.MerchantPrivateKey), keyBody(e.creds.PGPublicKey), "challenge", "sensitiveData"} {
		if strings.Contains(logs, secret) {
			t.Errorf("logs contain %q", secret)
		}
	}
	if !strings.Contains(logs, "nagad payment succeeded") || !strings.Contains(logs, "16_0006_083") {
		t.Errorf("expected lines missing:\n%s", logs)
	}
}

// keyBody is a line from the middle of a PEM key.
func keyBody(pemText string) string {
	lines := strings.Split(strings.TrimSpace(pemText), "\n")
	return lines[len(lines)/2]
}

// TestCheckAbandoned: for a customer who never came back, a payment still
// in a transient status was left unfinished (failed, ABANDONED), Success
// settles it, and no answer stays unknown: never expired unasked
// (docs/gateways/nagad.md §7.6).
func TestCheckAbandoned(t *testing.T) {
	t.Parallel()
	const att = "att_3k9x0qa7bc1de2fg3hi4"
	for _, tc := range []struct {
		name          string
		status        int
		ctype, body   string
		outcome       ports.Outcome
		code          string
		confirmSaysSo ports.Outcome // what Confirm says of the same answer
	}{
		{"transient", 200, "application/json", withF5(`"Success"`, `"Ready"`), ports.OutcomeFailed, nagad.CodeAbandoned, ports.OutcomeUnknown},
		{"success", 200, "application/json", f5, ports.OutcomeSucceeded, "", ports.OutcomeSucceeded},
		{"aborted", 200, "application/json", withF5(`"Success"`, `"Aborted"`), ports.OutcomeFailed, "Aborted", ports.OutcomeFailed},
		{"no answer", 503, "text/plain", "down", ports.OutcomeUnknown, "", ports.OutcomeUnknown},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := verifyServer(t, tc.status, tc.ctype, tc.body)
			req := ports.ConfirmRequest{AttemptID: att, GatewayRef: fakeRef, Amount: bdt(125000)}
			got, err := e.client.CheckAbandoned(context.Background(), req)
			if err != nil || got.Outcome != tc.outcome || got.Code != tc.code {
				t.Fatalf("CheckAbandoned = %+v, %v; want %s %q", got, err, tc.outcome, tc.code)
			}
			if c, _ := e.client.Confirm(context.Background(), req); c.Outcome != tc.confirmSaysSo {
				t.Fatalf("Confirm = %+v, want %s", c, tc.confirmSaysSo)
			}
		})
	}
}
