package redirectgw_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paycore/paycore/adapters/redirectgw"
	"github.com/paycore/paycore/adapters/redirectgwsim"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

func TestEndToEndVerifiedPaymentSucceeds(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	res, cb := e.pay(t, "att_e2e", bdt(15050))

	u, err := url.Parse(res.RedirectURL)
	require.NoError(t, err)
	assert.Equal(t, e.public+redirectgwsim.PagePath, u.Scheme+"://"+u.Host+u.Path)
	assert.Equal(t, u.Query().Get("trx_id"), res.GatewayRef)
	assert.NotEmpty(t, res.GatewayRef)
	assert.Regexp(t, regexp.MustCompile(`^[A-Z0-9]{10}$`), cb["transaction_id"])

	got := confirm(t, e.client, "att_e2e", res.GatewayRef, bdt(15050), cb)
	assert.Equal(t, ports.ConfirmResult{Outcome: ports.OutcomeSucceeded, TrxID: cb["transaction_id"]}, got)
	assert.Equal(t, map[string]int{"checkout": 1, "verify": 1}, e.sim.Stats())

	e.mu.Lock()
	defer e.mu.Unlock()
	require.Len(t, e.calls, 2)
	assert.Equal(t, redirectgw.OpCheckout, e.calls[0].Op)
	assert.Equal(t, redirectgw.OpVerify, e.calls[1].Op)
	for _, c := range e.calls {
		assert.Equal(t, redirectgw.CallOK, c.Outcome)
		assert.Equal(t, http.StatusOK, c.HTTPStatus)
	}
}

func TestCheckoutBodyWritesAmountExactly(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	for _, tc := range []struct {
		minor int64
		want  string
	}{{15050, `"amount":150.50`}, {100000, `"amount":1000.00`}, {7, `"amount":0.07`}} {
		_, err := e.client.Create(context.Background(), ports.CreateRequest{AttemptID: "att_amount", Amount: bdt(tc.minor)})
		require.NoError(t, err)
		e.mu.Lock()
		body := e.bodies[len(e.bodies)-1]
		e.mu.Unlock()
		assert.Contains(t, body, tc.want)
	}

	e.mu.Lock()
	body := e.bodies[0]
	e.mu.Unlock()
	var f map[string]json.RawMessage
	require.NoError(t, json.Unmarshal([]byte(body), &f))
	assert.JSONEq(t, `"`+e.sim.Credentials().ClientBaseURL+`"`, string(f["client_base_url"]))
	var meta string
	require.NoError(t, json.Unmarshal(f["meta_data"], &meta), "meta_data must be a JSON string")
	assert.JSONEq(t, `{"attempt_id":"att_amount"}`, meta)
	var success, cancel string
	require.NoError(t, json.Unmarshal(f["success_url"], &success))
	require.NoError(t, json.Unmarshal(f["cancel_url"], &cancel))
	assert.True(t, strings.HasPrefix(success, callbackBase+redirectgw.SuccessPath+"?att=att_amount&amt=15050&cur=BDT&exp="), success)
	assert.True(t, strings.HasPrefix(cancel, callbackBase+redirectgw.CancelPath+"?att=att_amount&"), cancel)
	exp := t0.Add(redirectgw.DefaultReturnTTL).Unix()
	assert.Contains(t, success, "&exp="+jsonInt(exp)+"&ret=success&mac=")
	assert.NotContains(t, body, `\u0026`, "URLs are written with a literal &")
}

func jsonInt(n int64) string { b, _ := json.Marshal(n); return string(b) }

func TestCancelReturn(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	res, err := e.client.Create(context.Background(), ports.CreateRequest{AttemptID: "att_cancel", Amount: bdt(50000)})
	require.NoError(t, err)
	loc := submit(t, res.RedirectURL, "cancel")
	assert.Equal(t, callbackBase+redirectgw.CancelPath, loc.Scheme+"://"+loc.Host+loc.Path)
	assert.Empty(t, loc.Query().Get("transaction_id"))

	claim, err := e.client.CheckReturn(loc.Query(), e.clock.Now())
	require.NoError(t, err)
	assert.Equal(t, redirectgw.ReturnCancel, claim.Kind)
	assert.Equal(t, "att_cancel", claim.AttemptID)
	assert.True(t, claim.Amount.Equal(bdt(50000)))

	// A cancel return never confirms a payment, whatever is appended to it.
	cb := callback(loc)
	cb["transaction_id"] = "CJH1D2Y4W1"
	got := confirm(t, e.client, "att_cancel", res.GatewayRef, bdt(50000), cb)
	assert.Equal(t, ports.OutcomeFailed, got.Outcome)
	assert.Equal(t, redirectgw.CodeBadReturn, got.Code)
	assert.Equal(t, 0, e.sim.Stats()["verify"])

	// The page is done with this session.
	resp, err := browser.Get(res.RedirectURL)
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusConflict, resp.StatusCode)
}

func TestDomainMismatchIsAConfigErrorNotRetried(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *redirectgw.Config) { c.ClientBaseURL = "https://other.example/api" })
	_, err := e.client.Create(context.Background(), ports.CreateRequest{AttemptID: "att_dm", Amount: bdt(15050)})
	require.Error(t, err)

	var ce *redirectgw.ConfigError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, redirectgw.CodeDomainMismatch, ce.Code)
	assert.Equal(t, redirectgwsim.MessageDomainMismatch, ce.Message)
	assert.Equal(t, redirectgw.OpCheckout, ce.Op)
	assert.ErrorIs(t, err, redirectgw.ErrConfig)
	assert.NotErrorIs(t, err, redirectgw.ErrNoAnswer)
	var ge *ports.GatewayError
	require.ErrorAs(t, err, &ge)
	assert.Equal(t, domain.GatewayRedirectGW, ge.Gateway)
	assert.Equal(t, redirectgw.CodeDomainMismatch, ge.Code)
	assert.Contains(t, err.Error(), "Domain mismatch")
	assert.Contains(t, err.Error(), "ClientBaseURL")

	assert.Equal(t, 1, e.sim.Stats()["checkout"], "a configuration error is not retried")
	assert.Contains(t, e.logs.String(), "DOMAIN_MISMATCH")
}

func TestWrongAPIKeyIsAConfigError(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *redirectgw.Config) { c.APIKey = "not-the-key" })
	_, err := e.client.Create(context.Background(), ports.CreateRequest{AttemptID: "att_key", Amount: bdt(100)})
	var ce *redirectgw.ConfigError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, redirectgw.CodeUnauthorized, ce.Code)
	assert.Equal(t, http.StatusUnauthorized, ce.HTTPStatus)
	assert.Equal(t, 1, e.sim.Stats()["checkout"])
}

func TestForgedReturnsAreBadReturn(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	resA, cbA := e.pay(t, "att_A", bdt(15050))
	_, cbB := e.pay(t, "att_B", bdt(15050))
	_, cbBig := e.pay(t, "att_big", bdt(990000))
	require.NotEqual(t, cbA["mac"], cbB["mac"])

	flip := func(s string) string {
		b := []byte(s)
		if b[0] == 'A' {
			b[0] = 'B'
		} else {
			b[0] = 'A'
		}
		return string(b)
	}
	with := func(cb map[string]string, k, v string) map[string]string {
		out := clone(cb)
		if v == "" {
			delete(out, k)
		} else {
			out[k] = v
		}
		return out
	}
	tests := []struct {
		name    string
		attempt string
		amount  domain.Money
		cb      map[string]string
		advance time.Duration
	}{
		{"plain transaction_id as the document's flow", "att_A", bdt(15050), map[string]string{"transaction_id": cbA["transaction_id"]}, 0},
		{"bad MAC", "att_A", bdt(15050), with(cbA, "mac", flip(cbA["mac"])), 0},
		{"MAC missing", "att_A", bdt(15050), with(cbA, "mac", ""), 0},
		{"MAC of another attempt", "att_A", bdt(15050), cbB, 0},
		{"attempt ID swapped under the MAC", "att_B", bdt(15050), with(cbA, "att", "att_B"), 0},
		{"expired", "att_A", bdt(15050), cbA, redirectgw.DefaultReturnTTL + time.Second},
		{"amount changed in the query", "att_A", bdt(15050), with(cbA, "amt", "1"), 0},
		{"attempt amount differs from the signed one", "att_A", bdt(25050), cbA, 0},
		{"small payment's return replayed on a big attempt", "att_big", bdt(990000), cbA, 0},
		{"big attempt's return with the small payment's transaction_id, small amount", "att_big", bdt(15050), with(cbBig, "transaction_id", cbA["transaction_id"]), 0},
		{"currency changed", "att_A", domain.MustMoney(15050, "USD"), with(cbA, "cur", "USD"), 0},
		{"kind changed to cancel", "att_A", bdt(15050), with(cbA, "ret", "cancel"), 0},
		{"no transaction_id", "att_A", bdt(15050), with(cbA, "transaction_id", ""), 0},
		{"malformed transaction_id", "att_A", bdt(15050), with(cbA, "transaction_id", "<script>"), 0},
	}
	for _, tc := range tests {
		if tc.advance > 0 {
			continue // run after the others: the clock is shared
		}
		got := confirm(t, e.client, tc.attempt, resA.GatewayRef, tc.amount, tc.cb)
		assert.Equal(t, ports.OutcomeFailed, got.Outcome, tc.name)
		assert.Equal(t, redirectgw.CodeBadReturn, got.Code, tc.name)
		assert.Empty(t, got.Review, tc.name)
		assert.NotEmpty(t, got.Message, tc.name)
	}
	e.clock.Advance(redirectgw.DefaultReturnTTL + time.Second)
	for _, tc := range tests {
		if tc.advance == 0 {
			continue
		}
		got := confirm(t, e.client, tc.attempt, resA.GatewayRef, tc.amount, tc.cb)
		assert.Equal(t, redirectgw.CodeBadReturn, got.Code, tc.name)
		_, err := e.client.CheckReturn(url.Values{"att": {tc.cb["att"]}, "amt": {tc.cb["amt"]}, "cur": {tc.cb["cur"]},
			"exp": {tc.cb["exp"]}, "ret": {tc.cb["ret"]}, "mac": {tc.cb["mac"]}, "transaction_id": {tc.cb["transaction_id"]}}, e.clock.Now())
		assert.ErrorIs(t, err, redirectgw.ErrReturnExpired)
		assert.ErrorIs(t, err, redirectgw.ErrBadReturn)
	}
	assert.Equal(t, 0, e.sim.Stats()["verify"], "a bad return never reaches the gateway")
	assert.NotContains(t, e.logs.String(), cbA["mac"], "MACs are not logged")
}

func TestCheckReturnRejectsRepeatedParameters(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	_, cb := e.pay(t, "att_rep", bdt(15050))
	q := url.Values{}
	for k, v := range cb {
		q.Set(k, v)
	}
	_, err := e.client.CheckReturn(q, e.clock.Now())
	require.NoError(t, err)

	q.Add("att", "att_other")
	_, err = e.client.CheckReturn(q, e.clock.Now())
	assert.ErrorIs(t, err, redirectgw.ErrBadReturn)

	q.Del("att")
	q.Set("att", cb["att"])
	q.Add("transaction_id", "ZZZZZZZZZZ")
	_, err = e.client.CheckReturn(q, e.clock.Now())
	assert.ErrorIs(t, err, redirectgw.ErrBadReturn)
}

func TestCheckReturnToleratesNaiveConcatenation(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	_, err := e.client.Create(context.Background(), ports.CreateRequest{AttemptID: "att_naive", Amount: bdt(15050)})
	require.NoError(t, err)
	e.mu.Lock()
	body := e.bodies[0]
	e.mu.Unlock()
	var f struct {
		SuccessURL string `json:"success_url"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &f))

	// A PHP gateway doing $success_url . "?transaction_id=" . $id.
	u, err := url.Parse(f.SuccessURL + "?transaction_id=CJH1D2Y4W1")
	require.NoError(t, err)
	claim, err := e.client.CheckReturn(u.Query(), e.clock.Now())
	require.NoError(t, err)
	assert.Equal(t, "CJH1D2Y4W1", claim.TransactionID)
	assert.Equal(t, "att_naive", claim.AttemptID)

	got := e.newClient(t, func(c *redirectgw.Config) { c.VerifyURL = ""; c.TrustSignedReturn = true })
	res := confirm(t, got, "att_naive", "", bdt(15050), callback(u))
	assert.Equal(t, ports.OutcomeSucceeded, res.Outcome)
}

func TestVerifyReportingAnotherAmountIsAmountMismatch(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	res, cb := e.pay(t, "att_wrong_amount", bdt(15050))
	e.sim.SetFault(redirectgwsim.EndpointVerify, redirectgwsim.Fault{Mode: redirectgwsim.FaultWrongAmount, Times: 1})

	got := confirm(t, e.client, "att_wrong_amount", res.GatewayRef, bdt(15050), cb)
	assert.Equal(t, ports.OutcomeFailed, got.Outcome)
	assert.Equal(t, redirectgw.CodeAmountMismatch, got.Code)
	assert.Equal(t, redirectgw.CodeAmountMismatch, got.Review, "an operator must look")
	assert.Contains(t, got.Message, "151.50 BDT")
	assert.Contains(t, got.Message, "150.50 BDT")
	assert.Contains(t, got.Message, "review")
	assert.Contains(t, e.logs.String(), "level=ERROR")

	// Asked again without the fault, the same return succeeds.
	got = confirm(t, e.client, "att_wrong_amount", res.GatewayRef, bdt(15050), cb)
	assert.Equal(t, ports.OutcomeSucceeded, got.Outcome)
}

func TestVerifyMismatches(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	resA, cbA := e.pay(t, "att_mA", bdt(15050))
	resB, cbB := e.pay(t, "att_mB", bdt(15050))

	t.Run("unknown transaction_id", func(t *testing.T) {
		cb := clone(cbA)
		cb["transaction_id"] = "NOSUCHTXN1"
		got := confirm(t, e.client, "att_mA", resA.GatewayRef, bdt(15050), cb)
		assert.Equal(t, ports.OutcomeFailed, got.Outcome)
		assert.Equal(t, redirectgw.CodeVerifyMismatch, got.Code)
		assert.Equal(t, redirectgw.CodeVerifyMismatch, got.Review)
		assert.Contains(t, got.Message, redirectgwsim.MessageInvalidTransaction)
	})
	t.Run("another attempt's transaction on a genuine return", func(t *testing.T) {
		cb := clone(cbB)
		cb["transaction_id"] = cbA["transaction_id"]
		got := confirm(t, e.client, "att_mB", resB.GatewayRef, bdt(15050), cb)
		assert.Equal(t, ports.OutcomeFailed, got.Outcome)
		assert.Equal(t, redirectgw.CodeVerifyMismatch, got.Code)
	})
	t.Run("another session", func(t *testing.T) {
		got := confirm(t, e.client, "att_mA", resB.GatewayRef, bdt(15050), cbA)
		assert.Equal(t, redirectgw.CodeVerifyMismatch, got.Code)
	})
}

func TestWithoutVerifyEndpointTheReturnIsAnUnverifiedClaim(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *redirectgw.Config) { c.VerifyURL = "" })
	assert.False(t, e.client.HasVerify())
	res, cb := e.pay(t, "att_claim", bdt(15050))

	got := confirm(t, e.client, "att_claim", res.GatewayRef, bdt(15050), cb)
	assert.Equal(t, ports.OutcomeUnknown, got.Outcome)
	assert.Equal(t, redirectgw.CodeUnverifiedClaim, got.Code)
	assert.Equal(t, redirectgw.CodeUnverifiedClaim, got.Review, "an operator decides")
	assert.Equal(t, cb["transaction_id"], got.TrxID)
	assert.Equal(t, 0, e.sim.Stats()["verify"])

	_, err := e.client.Verify(context.Background(), cb["transaction_id"])
	assert.ErrorIs(t, err, redirectgw.ErrNoVerifyEndpoint)

	// Forged returns are still refused.
	got = confirm(t, e.client, "att_claim", res.GatewayRef, bdt(15050), map[string]string{"transaction_id": "CJH1D2Y4W1"})
	assert.Equal(t, redirectgw.CodeBadReturn, got.Code)
}

func TestTrustSignedReturnSucceedsOnAValidReturn(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *redirectgw.Config) { c.VerifyURL = ""; c.TrustSignedReturn = true })
	res, cb := e.pay(t, "att_trust", bdt(15050))

	got := confirm(t, e.client, "att_trust", res.GatewayRef, bdt(15050), cb)
	assert.Equal(t, ports.ConfirmResult{Outcome: ports.OutcomeSucceeded, TrxID: cb["transaction_id"]}, got)

	bad := clone(cb)
	bad["amt"] = "15051"
	got = confirm(t, e.client, "att_trust", res.GatewayRef, bdt(15051), bad)
	assert.Equal(t, redirectgw.CodeBadReturn, got.Code)
}

func TestVerifyWithoutAnswerIsUnknown(t *testing.T) {
	t.Parallel()
	for _, mode := range []redirectgwsim.FaultMode{redirectgwsim.Fault503, redirectgwsim.FaultHTML, redirectgwsim.FaultDrop, redirectgwsim.FaultNoAnswer} {
		t.Run(string(mode), func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, func(c *redirectgw.Config) { c.Timeout = 300 * time.Millisecond })
			res, cb := e.pay(t, "att_noanswer", bdt(15050))
			e.sim.SetFault(redirectgwsim.EndpointVerify, redirectgwsim.Fault{Mode: mode, Times: 1})

			got := confirm(t, e.client, "att_noanswer", res.GatewayRef, bdt(15050), cb)
			assert.Equal(t, ports.OutcomeUnknown, got.Outcome)
			assert.Equal(t, redirectgw.CodeVerifyNoAnswer, got.Code)
			assert.Equal(t, cb["transaction_id"], got.TrxID)

			v, err := e.client.Verify(context.Background(), got.TrxID)
			require.NoError(t, err, "reconciliation asks again")
			assert.Equal(t, redirectgw.StatusCompleted, v.Status)
		})
	}
}

func TestCheckoutWithoutAnswer(t *testing.T) {
	t.Parallel()
	for _, mode := range []redirectgwsim.FaultMode{redirectgwsim.Fault503, redirectgwsim.FaultHTML, redirectgwsim.FaultNoAnswer} {
		t.Run(string(mode), func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, func(c *redirectgw.Config) { c.Timeout = 300 * time.Millisecond })
			e.sim.SetFault(redirectgwsim.EndpointCheckout, redirectgwsim.Fault{Mode: mode})
			_, err := e.client.Create(context.Background(), ports.CreateRequest{AttemptID: "att_x", Amount: bdt(100)})
			assert.ErrorIs(t, err, redirectgw.ErrNoAnswer)
			assert.NotErrorIs(t, err, redirectgw.ErrConfig)
			var ge *ports.GatewayError
			assert.False(t, errors.As(err, &ge), "no answer is not a refusal")
			assert.Equal(t, 1, e.sim.Stats()["checkout"], "checkout is never sent twice")
		})
	}
}

func TestVerify(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	res, cb := e.pay(t, "att_verify", bdt(15050))

	v, err := e.client.Verify(context.Background(), cb["transaction_id"])
	require.NoError(t, err)
	assert.Equal(t, redirectgw.StatusCompleted, v.Status)
	assert.Equal(t, "COMPLETED", v.RawStatus)
	assert.Equal(t, cb["transaction_id"], v.TransactionID)
	assert.Equal(t, res.GatewayRef, v.TrxID)
	assert.True(t, v.Amount.Equal(bdt(15050)))
	assert.Equal(t, "BDT", v.Currency)
	assert.Equal(t, "att_verify", v.AttemptID)
	assert.JSONEq(t, `{"attempt_id":"att_verify"}`, string(v.Metadata))

	_, err = e.client.Verify(context.Background(), "NOSUCHTXN1")
	var ge *ports.GatewayError
	require.ErrorAs(t, err, &ge)
	assert.Equal(t, "HTTP404", ge.Code)

	_, err = e.client.Verify(context.Background(), "bad id")
	assert.ErrorIs(t, err, redirectgw.ErrInvalidRequest)
}

func TestCreateRefusesBadRequestsBeforeAnyCall(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	for _, req := range []ports.CreateRequest{
		{AttemptID: "att_usd", Amount: domain.MustMoney(100, "USD")},
		{AttemptID: "att_zero", Amount: bdt(0)},
		{AttemptID: " ", Amount: bdt(100)},
	} {
		_, err := e.client.Create(context.Background(), req)
		assert.ErrorIs(t, err, redirectgw.ErrInvalidRequest, req.AttemptID)
	}
	_, err := e.client.Confirm(context.Background(), ports.ConfirmRequest{Amount: bdt(100)})
	assert.ErrorIs(t, err, redirectgw.ErrInvalidRequest)
	assert.Equal(t, 0, e.sim.Stats()["checkout"])
}

func TestAPIKeyNeverLoggedNorInErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	res, cb := e.pay(t, "att_secret", bdt(15050))
	key := e.cfg.APIKey
	for _, tc := range []struct {
		status int
		body   string
	}{
		{200, `{"status":"error","message":"Domain mismatch for key %s"}`},
		{200, `{"status":"error","message":"bad key %s"}`},
		{401, `{"status":"error","message":"key %s refused"}`},
		{403, `key %s refused`},
		{404, `{"status":false,"message":"no such transaction for %s"}`},
		{500, `Fatal error: Authorization=Bearer %s`},
		{502, `<html>%s</html>`},
	} {
		// A gateway that echoes the key it was sent.
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(tc.status)
			_, _ = w.Write([]byte(strings.ReplaceAll(tc.body, "%s", strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))))
		}))
		logs := &syncBuffer{}
		c := e.newClient(t, func(c *redirectgw.Config) {
			c.BaseURL, c.VerifyURL, c.Logger, c.Observe = srv.URL, srv.URL+"/verify", newTextLogger(logs), nil
		})
		var texts []string
		_, err := c.Create(context.Background(), ports.CreateRequest{AttemptID: "att_secret", Amount: bdt(15050)})
		require.Error(t, err)
		texts = append(texts, err.Error())
		_, err = c.Verify(context.Background(), cb["transaction_id"])
		require.Error(t, err)
		texts = append(texts, err.Error())
		got := confirm(t, c, "att_secret", res.GatewayRef, bdt(15050), cb)
		assert.NotEqual(t, ports.OutcomeSucceeded, got.Outcome)
		texts = append(texts, got.Message, logs.String())
		srv.Close()
		for _, text := range texts {
			assert.NotContains(t, text, key, "HTTP %d", tc.status)
		}
	}
	assert.NotContains(t, e.logs.String(), key)
}

func TestNewChecksConfig(t *testing.T) {
	t.Parallel()
	_, err := redirectgw.New(redirectgw.Config{
		BaseURL: "ftp://x", APIKey: "", ClientBaseURL: "", CallbackBaseURL: "/relative",
		ReturnKey: []byte("short"), VerifyURL: "not a url", ReturnTTL: -1, Timeout: -1,
	})
	require.Error(t, err)
	for _, field := range []string{"BaseURL", "APIKey", "ClientBaseURL", "CallbackBaseURL", "ReturnKey", "VerifyURL", "ReturnTTL", "Timeout"} {
		assert.Contains(t, err.Error(), field)
	}
	assert.NotContains(t, err.Error(), "short", "values are not echoed")

	c, err := redirectgw.New(redirectgw.Config{BaseURL: "https://gw.example/", APIKey: "k",
		ClientBaseURL: "https://x.example/api", CallbackBaseURL: callbackBase + "/", ReturnKey: returnKey})
	require.NoError(t, err)
	assert.Equal(t, domain.GatewayRedirectGW, c.Gateway())
	assert.False(t, c.HasVerify())
}
