package nagadsim_test

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/paycore/paycore/adapters/nagadsim"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports/portstest"
)

// t0 is 2025-01-14 15:30:12.345 in Dhaka.
var t0 = time.Date(2025, 1, 14, 9, 30, 12, 345e6, time.UTC)

const merchantCallback = "https://shop.example/nagad/cb"

// env is the simulator mounted as paycore mounts it, and a raw merchant
// client written here from docs/gateways/nagad.md alone (no adapter code), holding the
// credentials served at /credentials.
type env struct {
	sim      *nagadsim.Simulator
	clock    *portstest.Clock
	public   string
	creds    nagadsim.Credentials
	pg       *rsa.PublicKey
	merchant *rsa.PrivateKey
}

func newEnv(t *testing.T, mutate ...func(*nagadsim.Config)) *env {
	t.Helper()
	mux := http.NewServeMux()
	srv := httptest.NewUnstartedServer(mux)
	public := "http://" + srv.Listener.Addr().String() + "/sandbox/nagad"
	clock := portstest.NewClock(t0)
	cfg := nagadsim.Config{PublicURL: public, Clock: clock.Now}
	for _, m := range mutate {
		m(&cfg)
	}
	sim, err := nagadsim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("/sandbox/nagad/", http.StripPrefix("/sandbox/nagad", sim.Handler()))
	srv.Start()
	t.Cleanup(func() { sim.Close(); srv.Close() })

	e := &env{sim: sim, clock: clock, public: public}
	status, body := e.do(t, "GET", "/credentials", nil, nil)
	if status != 200 {
		t.Fatalf("credentials: %d", status)
	}
	if err := json.Unmarshal(body, &e.creds); err != nil {
		t.Fatal(err)
	}
	pgBlock, _ := pem.Decode([]byte(e.creds.PGPublicKey))
	mBlock, _ := pem.Decode([]byte(e.creds.MerchantPrivateKey))
	if pgBlock == nil || pgBlock.Type != "PUBLIC KEY" || mBlock == nil || mBlock.Type != "PRIVATE KEY" {
		t.Fatalf("credentials keys are not SPKI/PKCS#8 PEM: %+v", e.creds)
	}
	pg, err := x509.ParsePKIXPublicKey(pgBlock.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	mk, err := x509.ParsePKCS8PrivateKey(mBlock.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	e.pg, e.merchant = pg.(*rsa.PublicKey), mk.(*rsa.PrivateKey)
	return e
}

// kmHeaders are valid X-KM headers (docs/gateways/nagad.md §3).
func kmHeaders() http.Header {
	h := http.Header{}
	h.Set("X-KM-Api-Version", "v-0.2.0")
	h.Set("X-KM-IP-V4", "203.0.113.10")
	h.Set("X-KM-Client-Type", "PC_WEB")
	return h
}

// do sends one request to the simulator (path relative to the mount point).
func (e *env) do(t *testing.T, method, path string, hdr http.Header, body any) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		switch b := body.(type) {
		case string:
			rd = strings.NewReader(b)
		default:
			raw, _ := json.Marshal(b)
			rd = bytes.NewReader(raw)
		}
	}
	req, err := http.NewRequest(method, e.public+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw
}

// seal encrypts plain under the PG key and signs it with the merchant key.
func (e *env) seal(t *testing.T, plain string) (string, string) {
	t.Helper()
	return sealWith(t, e.pg, e.merchant, plain)
}

func sealWith(t *testing.T, pg *rsa.PublicKey, key *rsa.PrivateKey, plain string) (string, string) {
	t.Helper()
	ct, err := rsa.EncryptPKCS1v15(rand.Reader, pg, []byte(plain)) //nolint:staticcheck // SA1019: Nagad's protocol is RSA PKCS#1 v1.5.
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(plain))
	sig, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(ct), base64.StdEncoding.EncodeToString(sig)
}

// openAnswer decrypts an encrypted answer with the merchant key and checks
// its signature with the PG public key.
func (e *env) openAnswer(t *testing.T, body []byte) map[string]any {
	t.Helper()
	var ans struct{ SensitiveData, Signature string }
	if err := json.Unmarshal(body, &ans); err != nil || ans.SensitiveData == "" {
		t.Fatalf("answer is not encrypted: %s", body)
	}
	ct, _ := base64.StdEncoding.DecodeString(ans.SensitiveData)
	plain, err := rsa.DecryptPKCS1v15(nil, e.merchant, ct) //nolint:staticcheck // SA1019: Nagad's protocol is RSA PKCS#1 v1.5.
	if err != nil {
		t.Fatalf("answer does not decrypt: %v", err)
	}
	sig, _ := base64.StdEncoding.DecodeString(ans.Signature)
	sum := sha256.Sum256(plain)
	if err := rsa.VerifyPKCS1v15(e.pg, crypto.SHA256, sum[:], sig); err != nil {
		t.Fatalf("answer signature: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(plain, &m); err != nil {
		t.Fatalf("answer plaintext %s: %v", plain, err)
	}
	return m
}

// dhakaNow is the simulator clock as Nagad's datetime.
func (e *env) dhakaNow() string {
	return e.clock.Now().In(domain.Dhaka).Format("20060102150405")
}

// initBody builds initialize's body for a plaintext.
func (e *env) initBody(t *testing.T, plain string) map[string]string {
	sd, sig := e.seal(t, plain)
	return map[string]string{"accountNumber": e.creds.MerchantNumber, "dateTime": e.dhakaNow(), "sensitiveData": sd, "signature": sig}
}

func (e *env) initPlain(orderID string) string {
	return `{"merchantId":"` + e.creds.MerchantID + `","orderId":"` + orderID + `","datetime":"` + e.dhakaNow() + `","challenge":"` + strings.Repeat("ab", 20) + `"}`
}

// initialize opens a session; it returns the reference and the server's
// challenge.
func (e *env) initialize(t *testing.T, orderID string) (string, string) {
	t.Helper()
	status, body := e.do(t, "POST", "/api/dfs/check-out/initialize/"+e.creds.MerchantID+"/"+orderID, kmHeaders(), e.initBody(t, e.initPlain(orderID)))
	if status != 200 {
		t.Fatalf("initialize: %d %s", status, body)
	}
	ans := e.openAnswer(t, body)
	return ans["paymentReferenceId"].(string), ans["challenge"].(string)
}

func (e *env) completeBody(t *testing.T, orderID, amount, challenge string) map[string]any {
	sd, sig := e.seal(t, `{"merchantId":"`+e.creds.MerchantID+`","orderId":"`+orderID+`","currencyCode":"050","amount":"`+amount+`","challenge":"`+challenge+`"}`)
	return map[string]any{"sensitiveData": sd, "signature": sig, "merchantCallbackURL": merchantCallback,
		"additionalMerchantInfo": map[string]string{"serviceName": "Demo Shop"}}
}

// open initializes and completes a payment; it returns the reference and
// the payment page URL.
func (e *env) open(t *testing.T, orderID, amount string) (string, string) {
	t.Helper()
	ref, ch := e.initialize(t, orderID)
	status, body := e.do(t, "POST", "/api/dfs/check-out/complete/"+url.PathEscape(ref), kmHeaders(), e.completeBody(t, orderID, amount, ch))
	if status != 200 {
		t.Fatalf("complete: %d %s", status, body)
	}
	var ans struct{ CallBackURL, Status string }
	_ = json.Unmarshal(body, &ans)
	if ans.Status != "Success" || ans.CallBackURL != e.public+"/check-out/"+url.PathEscape(ref) {
		t.Fatalf("complete answer %s", body)
	}
	return ref, ans.CallBackURL
}

var browser = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// submit posts the page form and returns the status, Location and body.
func submit(t *testing.T, page string, form url.Values) (int, string, string) {
	t.Helper()
	resp, err := browser.PostForm(page, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(body)
}

func payForm() url.Values {
	return url.Values{"wallet": {"01712345678"}, "otp": {nagadsim.SandboxOTP}, "pin": {nagadsim.SandboxPIN}, "action": {"pay"}}
}

// verify returns verify's answer as raw JSON and decoded.
func (e *env) verify(t *testing.T, ref string) (string, map[string]any) {
	t.Helper()
	status, body := e.do(t, "GET", "/api/dfs/verify/payment/"+url.PathEscape(ref), nil, nil)
	if status != 200 {
		t.Fatalf("verify: %d %s", status, body)
	}
	var m map[string]any
	_ = json.Unmarshal(body, &m)
	return string(body), m
}

// reason reads an error answer.
func reason(t *testing.T, status int, body []byte) string {
	t.Helper()
	var e struct{ Reason, Message string }
	if err := json.Unmarshal(body, &e); err != nil || e.Reason == "" || e.Message == "" {
		t.Fatalf("not an error answer: %d %s", status, body)
	}
	if status != http.StatusBadRequest {
		t.Errorf("error answered with HTTP %d", status)
	}
	return e.Reason
}
