package bkashsim_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paycore/paycore/adapters/bkashsim"
)

// TestBadCredentialsAnswer9999: bad credentials at grant and refresh get
// HTTP 200 statusCode 9999, as bKash answers (bKash errata).
func TestBadCredentialsAnswer9999(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	good := e.creds
	body := map[string]string{"app_key": good.AppKey, "app_secret": good.AppSecret}
	for _, path := range []string{"/token/grant", "/token/refresh"} {
		r := e.mustDo(http.MethodPost, e.api+path, map[string]string{"username": "nobody", "password": good.Password}, body)
		assert.Equal(t, http.StatusOK, r.Status, path)
		assert.Equal(t, map[string]any{"statusCode": "9999", "statusMessage": "Username does not exist"}, r.Body, path)
		r = e.mustDo(http.MethodPost, e.api+path, tokenHeaders(good), map[string]string{"app_key": good.AppKey, "app_secret": "x"})
		assert.Equal(t, http.StatusOK, r.Status, path)
		assert.Equal(t, map[string]any{"statusCode": "9999", "statusMessage": "System Error."}, r.Body, path)
	}
	assert.Equal(t, 0, e.sim.GrantsInHour(t0))
}

// TestTokenCallsOverTheHourlyLimitBlockForAnHour: the third token call
// within an hour (limit 2) blocks grant and refresh for an hour from it.
func TestTokenCallsOverTheHourlyLimitBlockForAnHour(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *bkashsim.Config) { c.TokenCallsPerHour = 2 })
	_, rt := e.grant()
	e.clock.Advance(10 * time.Minute)
	r := e.mustDo(http.MethodPost, e.api+"/token/refresh", tokenHeaders(e.creds),
		map[string]string{"app_key": e.creds.AppKey, "app_secret": e.creds.AppSecret, "refresh_token": rt})
	require.Equal(t, "0000", r.code(t), r.Raw)

	e.clock.Advance(10 * time.Minute)
	grant := func() reply {
		return e.mustDo(http.MethodPost, e.api+"/token/grant", tokenHeaders(e.creds),
			map[string]string{"app_key": e.creds.AppKey, "app_secret": e.creds.AppSecret})
	}
	r = grant()
	assert.Equal(t, http.StatusTooManyRequests, r.Status)
	assert.Equal(t, map[string]any{"message": "Too Many Requests"}, r.Body)
	blockedAt := e.clock.Now()
	assert.Equal(t, blockedAt.Add(time.Hour), e.sim.TokenBlockedUntil())

	e.clock.Advance(59 * time.Minute) // the first two calls are long out of the window, the block is not
	assert.Equal(t, http.StatusTooManyRequests, grant().Status)
	assert.Equal(t, blockedAt.Add(time.Hour), e.sim.TokenBlockedUntil(), "refused calls do not extend the block")

	e.clock.Advance(time.Minute)
	assert.Equal(t, "0000", grant().code(t))
	assert.True(t, e.sim.TokenBlockedUntil().IsZero())
}

// TestCreateAmountLimitsAndInvoiceCharacters: under ৳1, over the
// configured maximum, and an invoice with < > & are refused.
func TestCreateAmountLimitsAndInvoiceCharacters(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *bkashsim.Config) { c.MaxAmount = 25_000_00 })
	tok, _ := e.grant()
	for _, tt := range []struct {
		name string
		body map[string]any
		code string
	}{
		{"0.99", createBody("0.99", nil), "2006"},
		{"1.00", createBody("1.00", nil), "0000"},
		{"max", createBody("25000.00", nil), "0000"},
		{"over max", createBody("25000.01", nil), "2006"},
		{"invoice <", createBody("10", map[string]any{"merchantInvoiceNumber": "INV<1"}), "2031"},
		{"invoice >", createBody("10", map[string]any{"merchantInvoiceNumber": "INV>1"}), "2031"},
		{"invoice &", createBody("10", map[string]any{"merchantInvoiceNumber": "A&B"}), "2031"},
	} {
		assert.Equal(t, tt.code, e.call(tok, "/create", tt.body).code(t), tt.name)
	}
}
