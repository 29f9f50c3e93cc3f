package bkashsim_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/paycore/paycore/adapters/bkashsim"
	"github.com/paycore/paycore/ports/portstest"
)

// mount is where the tests mount the simulator, as paycore does.
const mount = "/sandbox/bkash"

// t0 is the fake clock's start: 2025-11-24T21:20:00.123+06:00.
var t0 = time.Date(2025, 11, 24, 15, 20, 0, 123e6, time.UTC)

// env is one simulator behind a real HTTP server, mounted under /sandbox/bkash.
type env struct {
	t      *testing.T
	sim    *bkashsim.Simulator
	clock  *portstest.Clock
	srv    *httptest.Server
	public string // PublicURL
	api    string // base URL a client is given
	client *http.Client
	creds  bkashsim.Credentials
}

// newEnv starts a simulator; configure may change the Config before New.
func newEnv(t *testing.T, configure func(*bkashsim.Config)) *env {
	t.Helper()
	mux := http.NewServeMux()
	srv := httptest.NewUnstartedServer(mux)
	public := "http://" + srv.Listener.Addr().String() + mount
	clock := portstest.NewClock(t0)
	cfg := bkashsim.Config{PublicURL: public, Clock: clock.Now}
	if configure != nil {
		configure(&cfg)
	}
	sim := bkashsim.New(cfg)
	mux.Handle(mount+"/", http.StripPrefix(mount, sim.Handler()))
	srv.Start()
	t.Cleanup(func() {
		sim.Close()
		srv.Close()
	})
	return &env{
		t: t, sim: sim, clock: clock, srv: srv, public: public,
		api:   public + bkashsim.APIPrefix,
		creds: sim.Credentials(),
		client: &http.Client{
			Timeout:       10 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
}

// reply is a decoded JSON answer.
type reply struct {
	Status int
	Header http.Header
	Body   map[string]any
	Raw    string
}

// str returns a string field of the body, failing if it is not a string.
func (r reply) str(t *testing.T, key string) string {
	t.Helper()
	v, ok := r.Body[key].(string)
	require.Truef(t, ok, "field %q is %T (%v) in %s", key, r.Body[key], r.Body[key], r.Raw)
	return v
}

// code returns statusCode.
func (r reply) code(t *testing.T) string { t.Helper(); return r.str(t, "statusCode") }

// keys returns the body's field names.
func (r reply) keys() []string {
	out := make([]string, 0, len(r.Body))
	for k := range r.Body {
		out = append(out, k)
	}
	return out
}

// do sends a request with a JSON body (nil: none) and decodes a JSON answer.
func (e *env) do(c *http.Client, method, rawURL string, hdr map[string]string, body any) (reply, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			return reply{}, err
		}
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, rawURL, rd)
	if err != nil {
		return reply{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		return reply{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return reply{}, err
	}
	out := reply{Status: resp.StatusCode, Header: resp.Header, Raw: string(raw)}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		var m map[string]any
		if dec.Decode(&m) == nil {
			out.Body = m
		}
	}
	return out, nil
}

// mustDo is do that fails the test on a transport error.
func (e *env) mustDo(method, rawURL string, hdr map[string]string, body any) reply {
	e.t.Helper()
	r, err := e.do(e.client, method, rawURL, hdr, body)
	require.NoError(e.t, err)
	return r
}

// tokenHeaders are the grant/refresh headers for creds.
func tokenHeaders(c bkashsim.Credentials) map[string]string {
	return map[string]string{"username": c.Username, "password": c.Password}
}

// grant returns a fresh id_token and refresh_token.
func (e *env) grant() (idToken, refreshToken string) {
	e.t.Helper()
	r := e.mustDo(http.MethodPost, e.api+"/token/grant", tokenHeaders(e.creds),
		map[string]string{"app_key": e.creds.AppKey, "app_secret": e.creds.AppSecret})
	require.Equal(e.t, http.StatusOK, r.Status, r.Raw)
	return r.str(e.t, "id_token"), r.str(e.t, "refresh_token")
}

// call posts body to an API path with the id_token and app key headers.
func (e *env) call(token, path string, body any) reply {
	e.t.Helper()
	return e.mustDo(http.MethodPost, e.api+path,
		map[string]string{"Authorization": token, "X-APP-Key": e.creds.AppKey}, body)
}

// createBody is a valid create request; overrides replace or (nil) delete fields.
func createBody(amount string, overrides map[string]any) map[string]any {
	b := map[string]any{
		"mode":                  "0011",
		"payerReference":        " ",
		"callbackURL":           "https://shop.test/bkash/callback",
		"amount":                amount,
		"currency":              "BDT",
		"intent":                "sale",
		"merchantInvoiceNumber": "INV-10042",
	}
	for k, v := range overrides {
		if v == nil {
			delete(b, k)
		} else {
			b[k] = v
		}
	}
	return b
}

// create makes a payment and requires success.
func (e *env) create(token, amount string) reply {
	e.t.Helper()
	r := e.call(token, "/create", createBody(amount, nil))
	require.Equal(e.t, "0000", r.code(e.t), r.Raw)
	return r
}

// submit posts the wallet page form to pageURL without following redirects.
func (e *env) submit(pageURL string, form url.Values) *http.Response {
	e.t.Helper()
	resp, err := e.client.PostForm(pageURL, form)
	require.NoError(e.t, err)
	e.t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// payForm is the page form of a customer paying from wallet with the sandbox OTP and PIN.
func payForm(wallet string) url.Values {
	return url.Values{"wallet": {wallet}, "otp": {bkashsim.SandboxOTP}, "pin": {bkashsim.SandboxPIN}, "action": {"pay"}}
}

// approve has the customer pay on the page and requires the success redirect.
func (e *env) approve(created reply, wallet string) {
	e.t.Helper()
	resp := e.submit(created.str(e.t, "bkashURL"), payForm(wallet))
	require.Equal(e.t, http.StatusSeeOther, resp.StatusCode)
	loc, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(e.t, err)
	require.Equal(e.t, "success", loc.Query().Get("status"))
}

// pay creates, approves and executes a payment; it returns paymentID and trxID.
func (e *env) pay(token, amount, wallet string) (paymentID, trxID string) {
	e.t.Helper()
	c := e.create(token, amount)
	e.approve(c, wallet)
	x := e.call(token, "/execute", map[string]string{"paymentID": c.str(e.t, "paymentID")})
	require.Equal(e.t, "0000", x.code(e.t), x.Raw)
	return x.str(e.t, "paymentID"), x.str(e.t, "trxID")
}
