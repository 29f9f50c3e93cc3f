package redirectgwsim_test

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

	"github.com/paycore/paycore/adapters/redirectgwsim"
)

// mount is where the tests mount the simulator, as paycore does.
const mount = "/sandbox/redirectgw"

// t0 is the fake clock's time: 2025-11-24 21:20:00 in Dhaka.
var t0 = time.Date(2025, 11, 24, 15, 20, 0, 0, time.UTC)

// env is one simulator behind a real HTTP server, mounted under mount.
type env struct {
	sim    *redirectgwsim.Simulator
	public string
	creds  redirectgwsim.Credentials
	client *http.Client
}

// newEnv starts a simulator; configure may change the Config before New.
func newEnv(t *testing.T, configure func(*redirectgwsim.Config)) *env {
	t.Helper()
	mux := http.NewServeMux()
	srv := httptest.NewUnstartedServer(mux)
	public := "http://" + srv.Listener.Addr().String() + mount
	cfg := redirectgwsim.Config{PublicURL: public, Clock: func() time.Time { return t0 }}
	if configure != nil {
		configure(&cfg)
	}
	sim := redirectgwsim.New(cfg)
	mux.Handle(mount+"/", http.StripPrefix(mount, sim.Handler()))
	srv.Start()
	t.Cleanup(func() { sim.Close(); srv.Close() })
	return &env{sim: sim, public: public, creds: sim.Credentials(), client: &http.Client{
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// reply is an answer.
type reply struct {
	Status int
	Header http.Header
	Raw    string
	Body   map[string]any // nil when the body is not a JSON object
}

// do sends a request with body (a string as is, anything else as JSON, nil:
// none) and the Bearer key (auth "" sends no Authorization header).
func (e *env) do(t *testing.T, method, path, auth string, body any) reply {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		require.NoError(t, err)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, e.public+path, rd)
	require.NoError(t, err)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if auth != "" {
		req.Header.Set("Authorization", "Bearer "+auth)
	}
	resp, err := e.client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	r := reply{Status: resp.StatusCode, Header: resp.Header, Raw: string(raw)}
	_ = json.Unmarshal(raw, &r.Body)
	return r
}

// checkoutBody is the document's example body, pointed at the simulator's
// client base URL; success_url and cancel_url are made up.
func (e *env) checkoutBody() map[string]any {
	return map[string]any{
		"amount":          json.Number("150.50"),
		"client_base_url": e.creds.ClientBaseURL,
		"customer_name":   "John Doe",
		"customer_email":  "john.doe@example.com",
		"success_url":     "https://yourwebsite.com/order/success.php",
		"cancel_url":      "https://yourwebsite.com/cart.php",
		"meta_data":       `{"order_id": "YOUR_UNIQUE_ORDER_ID_123"}`,
	}
}

// checkout opens a session with body and returns its payment_url.
func (e *env) checkout(t *testing.T, body any) string {
	t.Helper()
	r := e.do(t, http.MethodPost, redirectgwsim.CheckoutPath, e.creds.APIKey, body)
	require.Equal(t, http.StatusOK, r.Status, r.Raw)
	require.Equal(t, "success", r.Body["status"], r.Raw)
	pu, ok := r.Body["payment_url"].(string)
	require.True(t, ok, r.Raw)
	return pu
}

// submit posts the payment page form.
func (e *env) submit(t *testing.T, pageURL string, form url.Values) (*http.Response, string) {
	t.Helper()
	resp, err := e.client.PostForm(pageURL, form)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp, string(raw)
}

// payForm is a form that pays.
func payForm(wallet string) url.Values {
	return url.Values{"wallet": {wallet}, "otp": {redirectgwsim.SandboxOTP}, "pin": {redirectgwsim.SandboxPIN}, "action": {"pay"}}
}

// payAndGetTxn pays pageURL and returns the transaction_id of the 303.
func (e *env) payAndGetTxn(t *testing.T, pageURL string) string {
	t.Helper()
	resp, body := e.submit(t, pageURL, payForm("01712345678"))
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, body)
	loc, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	return loc.Query().Get("transaction_id")
}
