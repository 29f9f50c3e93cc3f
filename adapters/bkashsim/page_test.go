package bkashsim_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paycore/paycore/adapters/bkashsim"
)

func readAll(t *testing.T, r io.Reader) string {
	t.Helper()
	b, err := io.ReadAll(r)
	require.NoError(t, err)
	return string(b)
}

func TestPageRendersTheForm(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	tok, _ := e.grant()
	c := e.call(tok, "/create", createBody("250", map[string]any{"payerReference": "01770618575"}))

	resp, err := e.client.Get(c.str(t, "bkashURL"))
	require.NoError(t, err)
	defer resp.Body.Close()
	html := readAll(t, resp.Body)

	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "text/html; charset=utf-8", resp.Header.Get("Content-Type"))
	for _, want := range []string{`name="wallet"`, `name="otp"`, `name="pin"`, `name="action" value="pay"`,
		`name="action" value="cancel"`, `<span id="amount">250.00</span>`, "INV-10042", `method="post"`} {
		assert.Contains(t, html, want)
	}
	assert.Contains(t, html, `value="01770618575"`, "an MSISDN payerReference pre-fills the wallet")
}

func TestPagePaySuccessRedirectsToCallback(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	tok, _ := e.grant()
	c := e.call(tok, "/create", createBody("250.00", map[string]any{"callbackURL": "https://shop.test/cb?order=42"}))
	id := c.str(t, "paymentID")
	success, err := url.Parse(c.str(t, "successCallbackURL"))
	require.NoError(t, err)

	resp := e.submit(c.str(t, "bkashURL"), payForm("01770618575"))

	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	location := resp.Header.Get("Location")
	assert.Equal(t, c.str(t, "successCallbackURL")+"&apiVersion=1.2.0-beta/", location)
	loc, err := url.Parse(location)
	require.NoError(t, err)
	assert.Equal(t, "shop.test", loc.Host)
	assert.Equal(t, "/cb", loc.Path)
	q := loc.Query()
	assert.Equal(t, "42", q.Get("order"), "the callback's own query is kept")
	assert.Equal(t, id, q.Get("paymentID"))
	assert.Equal(t, "success", q.Get("status"))
	assert.Equal(t, success.Query().Get("signature"), q.Get("signature"))
	assert.Len(t, q.Get("signature"), 10)
	assert.Equal(t, "1.2.0-beta/", q.Get("apiVersion"))

	info, ok := e.sim.Payment(id)
	require.True(t, ok)
	assert.True(t, info.Approved)
	assert.Equal(t, "01770618575", info.Wallet)

	again := e.submit(c.str(t, "bkashURL"), payForm("01770618575"))
	assert.Equal(t, http.StatusConflict, again.StatusCode, "the page is done with this payment")
}

func TestPageCancel(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	tok, _ := e.grant()
	c := e.create(tok, "75")
	id := c.str(t, "paymentID")

	resp := e.submit(c.str(t, "bkashURL"), url.Values{"action": {"cancel"}})

	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, c.str(t, "cancelledCallbackURL")+"&apiVersion=1.2.0-beta/", resp.Header.Get("Location"))
	assert.Equal(t, "2056", e.call(tok, "/execute", map[string]string{"paymentID": id}).code(t))
	q := e.call(tok, "/payment/status", map[string]string{"paymentID": id})
	assert.Equal(t, "Cancelled", q.str(t, "transactionStatus"))
}

func TestPageRejectsWrongWalletOTPAndPIN(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	tok, _ := e.grant()
	c := e.create(tok, "75")
	id := c.str(t, "paymentID")
	page := c.str(t, "bkashURL")

	tests := []struct {
		name   string
		form   url.Values
		status int
		text   string
	}{
		{"unknown wallet", url.Values{"wallet": {"01711111111"}, "otp": {"123456"}, "pin": {"12121"}, "action": {"pay"}},
			http.StatusUnprocessableEntity, "2045 The MSISDN of the customer does not exist."},
		{"wrong OTP", url.Values{"wallet": {"01770618575"}, "otp": {"000000"}, "pin": {"12121"}, "action": {"pay"}},
			http.StatusUnprocessableEntity, "2010 Invalid OTP"},
		{"wrong PIN 1", url.Values{"wallet": {"01770618575"}, "otp": {"123456"}, "pin": {"11111"}, "action": {"pay"}},
			http.StatusUnprocessableEntity, "2014 Wrong PIN"},
		{"wrong PIN 2", url.Values{"wallet": {"01770618575"}, "otp": {"123456"}, "pin": {"22222"}, "action": {"pay"}},
			http.StatusUnprocessableEntity, "2014 Wrong PIN"},
	}
	for _, tt := range tests {
		resp := e.submit(page, tt.form)
		assert.Equal(t, tt.status, resp.StatusCode, tt.name)
		html := readAll(t, resp.Body)
		assert.Contains(t, html, tt.text, tt.name)
		assert.Contains(t, html, `name="pin"`, "%s: the form is shown again", tt.name)
	}

	resp := e.submit(page, url.Values{"wallet": {"01770618575"}, "otp": {"123456"}, "pin": {"33333"}, "action": {"pay"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, "the third wrong PIN fails the payment")
	assert.Equal(t, c.str(t, "failureCallbackURL")+"&apiVersion=1.2.0-beta/", resp.Header.Get("Location"))
	info, _ := e.sim.Payment(id)
	assert.Equal(t, "2015", info.FailureCode)
	assert.Equal(t, "Declined", info.TransactionStatus)
	assert.Equal(t, "2056", e.call(tok, "/execute", map[string]string{"paymentID": id}).code(t))
	assert.Equal(t, http.StatusConflict, e.submit(page, payForm("01770618575")).StatusCode)
}

func TestPageUnknownPaymentOrHashIs404(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	tok, _ := e.grant()
	c := e.create(tok, "75")
	id := c.str(t, "paymentID")

	for _, u := range []string{
		e.public + "/checkout?paymentId=" + id + "&hash=wrong&mode=0011&apiVersion=v1.2.0-beta/",
		e.public + "/checkout?paymentId=TR0011nothere&hash=x",
		e.public + "/checkout",
	} {
		resp, err := e.client.Get(u)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusNotFound, resp.StatusCode, u)
		assert.Equal(t, http.StatusNotFound, e.submit(u, payForm("01770618575")).StatusCode, u)
	}
}

func TestPublicURLIsDerivedFromTheMount(t *testing.T) {
	t.Parallel()
	sim := bkashsim.New(bkashsim.Config{})
	mux := http.NewServeMux()
	mux.Handle(mount+"/", http.StripPrefix(mount, sim.Handler()))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	e := &env{t: t, sim: sim, public: srv.URL + mount, api: srv.URL + mount + bkashsim.APIPrefix,
		creds: bkashsim.DefaultCredentials(), client: &http.Client{
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}}
	tok, _ := e.grant()
	c := e.create(tok, "10")
	assert.True(t, strings.HasPrefix(c.str(t, "bkashURL"), srv.URL+mount+"/checkout?paymentId="), c.str(t, "bkashURL"))
	e.approve(c, "01770618575")
}
