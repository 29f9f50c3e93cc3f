package redirectgwsim_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paycore/paycore/adapters/redirectgwsim"
)

func TestCheckoutContract(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	with := func(k string, v any) map[string]any {
		b := e.checkoutBody()
		if v == nil {
			delete(b, k)
		} else {
			b[k] = v
		}
		return b
	}
	tests := []struct {
		name   string
		auth   string
		body   any
		status int
		msg    string
	}{
		{"no key", "", e.checkoutBody(), 401, redirectgwsim.MessageUnauthorized},
		{"wrong key", "nope", e.checkoutBody(), 401, redirectgwsim.MessageUnauthorized},
		{"not JSON", e.creds.APIKey, "amount=150.50", 400, ""},
		{"JSON array", e.creds.APIKey, "[]", 400, ""},
		{"client_base_url missing", e.creds.APIKey, with("client_base_url", nil), 400, "The client_base_url field is required."},
		{"client_base_url differs", e.creds.APIKey, with("client_base_url", "https://your-domain.com/api"), 403, redirectgwsim.MessageDomainMismatch},
		{"client_base_url with a trailing slash", e.creds.APIKey, with("client_base_url", e.creds.ClientBaseURL+"/"), 403, redirectgwsim.MessageDomainMismatch},
		{"client_base_url a number", e.creds.APIKey, with("client_base_url", 1), 403, redirectgwsim.MessageDomainMismatch},
		{"amount missing", e.creds.APIKey, with("amount", nil), 400, "The amount field is required."},
		{"amount a string", e.creds.APIKey, with("amount", "150.50"), 400, ""},
		{"amount with 3 decimals", e.creds.APIKey, with("amount", json.Number("150.505")), 400, ""},
		{"amount zero", e.creds.APIKey, with("amount", json.Number("0")), 400, ""},
		{"amount negative", e.creds.APIKey, with("amount", json.Number("-1.00")), 400, ""},
		{"success_url missing", e.creds.APIKey, with("success_url", nil), 400, "The success_url field is required."},
		{"cancel_url missing", e.creds.APIKey, with("cancel_url", nil), 400, "The cancel_url field is required."},
		{"success_url relative", e.creds.APIKey, with("success_url", "/order/success.php"), 400, "The success_url must be a valid URL."},
		{"customer_name a number", e.creds.APIKey, with("customer_name", 5), 400, "The customer_name must be a string."},
		{"meta_data an object", e.creds.APIKey, with("meta_data", map[string]string{"order_id": "1"}), 400, "The meta_data must be a JSON string."},
		{"the document's example", e.creds.APIKey, e.checkoutBody(), 200, ""},
		{"optional fields absent", e.creds.APIKey, with("customer_name", nil), 200, ""},
		{"amount 150.5 and 1.500", e.creds.APIKey, with("amount", json.Number("1.500")), 200, ""},
	}
	for _, tc := range tests {
		r := e.do(t, http.MethodPost, redirectgwsim.CheckoutPath, tc.auth, tc.body)
		assert.Equal(t, tc.status, r.Status, "%s: %s", tc.name, r.Raw)
		assert.Equal(t, "application/json", r.Header.Get("Content-Type"), tc.name)
		if tc.status != 200 {
			assert.Equal(t, "error", r.Body["status"], tc.name)
			assert.NotEmpty(t, r.Body["message"], tc.name)
			if tc.msg != "" {
				assert.Equal(t, tc.msg, r.Body["message"], tc.name)
			}
			continue
		}
		assert.Equal(t, "success", r.Body["status"], tc.name)
		assert.Regexp(t, "^"+regexp.QuoteMeta(e.public+"/checkout?trx_id=")+"[0-9a-f]{32}$", r.Body["payment_url"], tc.name)
	}
	assert.Equal(t, len(tests), e.sim.Stats()[redirectgwsim.EndpointCheckout], "every call counts")
}

func TestDomainMismatchBodyIsTheDocumentsExactly(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	b := e.checkoutBody()
	b["client_base_url"] = "https://elsewhere.example/api"
	r := e.do(t, http.MethodPost, redirectgwsim.CheckoutPath, e.creds.APIKey, b)
	assert.Equal(t, `{"status":"error","message":"Domain mismatch. দুঃখিত, সংযোগ স্থাপন করা যায়নি।"}`, strings.TrimSpace(r.Raw))
}

func TestPaymentPagePay(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	pu := e.checkout(t, e.checkoutBody())

	resp, err := e.client.Get(pu)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "text/html; charset=utf-8", resp.Header.Get("Content-Type"))

	for _, bad := range []url.Values{
		{"wallet": {"0171234567"}, "otp": {"123456"}, "pin": {"12121"}, "action": {"pay"}},
		{"wallet": {"02712345678"}, "otp": {"123456"}, "pin": {"12121"}, "action": {"pay"}},
		{"wallet": {"01712345678"}, "otp": {"000000"}, "pin": {"12121"}, "action": {"pay"}},
		{"wallet": {"01712345678"}, "otp": {"123456"}, "pin": {"11111"}, "action": {"pay"}},
	} {
		resp, body := e.submit(t, pu, bad)
		assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, bad.Encode())
		assert.Contains(t, body, `id="error"`)
		assert.Contains(t, body, `name="wallet"`)
	}
	resp, body := e.submit(t, pu, url.Values{"action": {"refund"}})
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode, body)

	resp, body = e.submit(t, pu, payForm("+880 1712-345678"))
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, body)
	loc := resp.Header.Get("Location")
	assert.Regexp(t, `^https://yourwebsite\.com/order/success\.php\?transaction_id=[A-Z0-9]{10}$`, loc)
	assert.Equal(t, "no-store", resp.Header.Get("Cache-Control"))

	resp, _ = e.submit(t, pu, payForm("01712345678"))
	assert.Equal(t, http.StatusConflict, resp.StatusCode, "a session is paid once")
	resp, err = e.client.Get(pu)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusConflict, resp.StatusCode)

	resp, err = e.client.Get(e.public + redirectgwsim.PagePath + "?trx_id=unknown")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
}

func TestTransactionIDIsAppendedToAQuery(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	b := e.checkoutBody()
	b["success_url"] = "https://paycore.test/callbacks/redirectgw/success?att=att_1&mac=abc"
	pu := e.checkout(t, b)
	resp, body := e.submit(t, pu, payForm("01812345678"))
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, body)
	assert.Regexp(t, `^https://paycore\.test/callbacks/redirectgw/success\?att=att_1&mac=abc&transaction_id=[A-Z0-9]{10}$`, resp.Header.Get("Location"))
}

func TestPaymentPageCancel(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	b := e.checkoutBody()
	b["cancel_url"] = "https://paycore.test/callbacks/redirectgw/cancel?att=att_1&mac=abc"
	pu := e.checkout(t, b)
	resp, body := e.submit(t, pu, url.Values{"action": {"cancel"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, body)
	assert.Equal(t, "https://paycore.test/callbacks/redirectgw/cancel?att=att_1&mac=abc", resp.Header.Get("Location"))
	resp, _ = e.submit(t, pu, payForm("01712345678"))
	assert.Equal(t, http.StatusConflict, resp.StatusCode)
}

func TestVerify(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	pu := e.checkout(t, e.checkoutBody())
	txn := e.payAndGetTxn(t, pu)
	u, _ := url.Parse(pu)

	r := e.do(t, http.MethodPost, redirectgwsim.VerifyPath, e.creds.APIKey, map[string]string{"transaction_id": txn})
	require.Equal(t, http.StatusOK, r.Status, r.Raw)
	assert.JSONEq(t, `{"status":"COMPLETED","transaction_id":"`+txn+`","trx_id":"`+u.Query().Get("trx_id")+`",
		"amount":"150.50","currency":"BDT","metadata":{"order_id":"YOUR_UNIQUE_ORDER_ID_123"},
		"customer_name":"John Doe","customer_email":"john.doe@example.com","payment_method":"bkash",
		"sender_number":"01712345678","date":"2025-11-24 21:20:00"}`, r.Raw)

	r = e.do(t, http.MethodPost, redirectgwsim.VerifyPath, "", map[string]string{"transaction_id": txn})
	assert.Equal(t, http.StatusUnauthorized, r.Status)
	r = e.do(t, http.MethodPost, redirectgwsim.VerifyPath, e.creds.APIKey, map[string]string{})
	assert.Equal(t, http.StatusBadRequest, r.Status)
	r = e.do(t, http.MethodPost, redirectgwsim.VerifyPath, e.creds.APIKey, map[string]string{"transaction_id": "NOSUCHTXN1"})
	assert.Equal(t, http.StatusNotFound, r.Status)
	assert.JSONEq(t, `{"status":"error","message":"Invalid transaction ID."}`, r.Raw)
	assert.Equal(t, 4, e.sim.Stats()[redirectgwsim.EndpointVerify])
}

func TestVerifyEchoesMetadata(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	for _, tc := range []struct {
		meta any
		want string
	}{{"not json", `"not json"`}, {nil, `null`}, {`{"attempt_id":"att_1"}`, `{"attempt_id":"att_1"}`}} {
		b := e.checkoutBody()
		if tc.meta == nil {
			delete(b, "meta_data")
		} else {
			b["meta_data"] = tc.meta
		}
		txn := e.payAndGetTxn(t, e.checkout(t, b))
		r := e.do(t, http.MethodPost, redirectgwsim.VerifyPath, e.creds.APIKey, map[string]string{"transaction_id": txn})
		var got struct {
			Metadata json.RawMessage `json:"metadata"`
		}
		require.NoError(t, json.Unmarshal([]byte(r.Raw), &got))
		assert.JSONEq(t, tc.want, string(got.Metadata))
	}
}

func TestFaults(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	txn := e.payAndGetTxn(t, e.checkout(t, e.checkoutBody()))
	verify := func() reply {
		return e.do(t, http.MethodPost, redirectgwsim.VerifyPath, e.creds.APIKey, map[string]string{"transaction_id": txn})
	}

	e.sim.SetFault(redirectgwsim.EndpointVerify, redirectgwsim.Fault{Mode: redirectgwsim.FaultWrongAmount, Times: 1})
	assert.Equal(t, "151.50", verify().Body["amount"])
	assert.Equal(t, "150.50", verify().Body["amount"], "Times: 1 clears the fault")

	e.sim.SetFault(redirectgwsim.EndpointVerify, redirectgwsim.Fault{Mode: redirectgwsim.Fault503})
	r := verify()
	assert.Equal(t, http.StatusServiceUnavailable, r.Status)
	assert.Equal(t, "error", r.Body["status"])
	e.sim.SetFault(redirectgwsim.EndpointVerify, redirectgwsim.Fault{Mode: redirectgwsim.FaultHTML})
	r = verify()
	assert.Equal(t, http.StatusBadGateway, r.Status)
	assert.Contains(t, r.Raw, "<html>")
	assert.Equal(t, map[string]redirectgwsim.Fault{redirectgwsim.EndpointVerify: {Mode: redirectgwsim.FaultHTML}}, e.sim.Faults())

	e.sim.SetFault(redirectgwsim.EndpointCheckout, redirectgwsim.Fault{Delay: 50 * time.Millisecond})
	start := time.Now()
	e.checkout(t, e.checkoutBody())
	assert.GreaterOrEqual(t, time.Since(start), 50*time.Millisecond)

	e.sim.ClearFaults()
	assert.Empty(t, e.sim.Faults())
	assert.Equal(t, http.StatusOK, verify().Status)
}

func TestFaultNoAnswerHoldsUntilTheClientGivesUp(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.sim.SetFault(redirectgwsim.EndpointCheckout, redirectgwsim.Fault{Mode: redirectgwsim.FaultNoAnswer})
	c := &http.Client{Timeout: 200 * time.Millisecond}
	raw, _ := json.Marshal(e.checkoutBody())
	req, _ := http.NewRequest(http.MethodPost, e.public+redirectgwsim.CheckoutPath, strings.NewReader(string(raw)))
	req.Header.Set("Authorization", "Bearer "+e.creds.APIKey)
	_, err := c.Do(req)
	require.Error(t, err)
	assert.Equal(t, 1, e.sim.Stats()[redirectgwsim.EndpointCheckout])
}

func TestFaultRoutes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	r := e.do(t, http.MethodPost, "/faults", "", `{"endpoint":"verify","mode":"wrong_amount","times":2}`)
	require.Equal(t, http.StatusOK, r.Status, r.Raw)
	r = e.do(t, http.MethodGet, "/faults", "", nil)
	assert.JSONEq(t, `[{"endpoint":"verify","mode":"wrong_amount","after":false,"delay_ms":0,"times":2}]`, r.Raw)
	for _, bad := range []string{
		`{"endpoint":"nope","mode":"503"}`,
		`{"endpoint":"verify","mode":"explode"}`,
		`{"endpoint":"checkout","mode":"wrong_amount"}`,
		`{"endpoint":"verify","delay_ms":-1}`,
		`not json`,
	} {
		r = e.do(t, http.MethodPost, "/faults", "", bad)
		assert.Equal(t, http.StatusBadRequest, r.Status, bad)
	}
	r = e.do(t, http.MethodDelete, "/faults", "", nil)
	assert.JSONEq(t, `[]`, r.Raw)
	assert.Empty(t, e.sim.Faults())
}

func TestStatsCredentialsAndUnknownRoutes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *redirectgwsim.Config) { c.APIKey = "k1"; c.ClientBaseURL = "https://shop.example/api" })
	r := e.do(t, http.MethodGet, "/credentials", "", nil)
	assert.JSONEq(t, `{"api_key":"k1","client_base_url":"https://shop.example/api"}`, r.Raw)
	assert.Equal(t, redirectgwsim.Credentials{APIKey: "k1", ClientBaseURL: "https://shop.example/api"}, e.sim.Credentials())

	e.do(t, http.MethodPost, redirectgwsim.CheckoutPath, "k1", e.checkoutBody())
	r = e.do(t, http.MethodGet, "/stats", "", nil)
	assert.JSONEq(t, `{"checkout":1,"verify":0}`, r.Raw)
	r = e.do(t, http.MethodPost, "/stats/reset", "", nil)
	assert.JSONEq(t, `{"checkout":0,"verify":0}`, r.Raw)

	for _, p := range []string{"/api/v1/checkout/", "/api/v2/checkout", "/nope"} {
		r = e.do(t, http.MethodPost, p, "k1", e.checkoutBody())
		assert.Equal(t, http.StatusNotFound, r.Status, p)
		assert.JSONEq(t, `{"status":"error","message":"Not Found"}`, r.Raw)
	}
	r = e.do(t, http.MethodGet, redirectgwsim.CheckoutPath, "k1", nil)
	assert.Equal(t, http.StatusNotFound, r.Status)
	assert.Equal(t, map[string]int{"checkout": 0, "verify": 0}, e.sim.Stats())
}

func TestDefaultsAndDerivedPublicURL(t *testing.T) {
	t.Parallel()
	sim := redirectgwsim.New(redirectgwsim.Config{})
	assert.Equal(t, redirectgwsim.Credentials{APIKey: redirectgwsim.DefaultAPIKey, ClientBaseURL: redirectgwsim.DefaultClientBaseURL}, sim.Credentials())
	mux := http.NewServeMux()
	mux.Handle(mount+"/", http.StripPrefix(mount, sim.Handler()))
	srv := httptest.NewServer(mux)
	t.Cleanup(func() { sim.Close(); srv.Close() })

	e := &env{sim: sim, public: srv.URL + mount, creds: sim.Credentials(), client: srv.Client()}
	pu := e.checkout(t, e.checkoutBody())
	assert.True(t, strings.HasPrefix(pu, srv.URL+mount+redirectgwsim.PagePath+"?trx_id="), pu)
}
