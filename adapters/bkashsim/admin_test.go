package bkashsim_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paycore/paycore/adapters/bkashsim"
)

func TestStatsCountEveryEndpoint(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	tok, rt := e.grant()
	e.mustDo(http.MethodPost, e.api+"/token/refresh", tokenHeaders(e.creds), map[string]string{
		"app_key": e.creds.AppKey, "app_secret": e.creds.AppSecret, "refresh_token": rt,
	})
	id, trx := e.pay(tok, "100", "01770618575")
	e.call(tok, "/payment/status", map[string]string{"paymentID": id})
	e.call(tok, "/general/searchTransaction", map[string]string{"trxID": trx})
	e.call(tok, "/payment/refund", refundBody(id, trx, "1"))
	e.call(tok, "/payment/refund", map[string]string{"paymentID": id, "trxID": trx})
	e.callV2(tok, "/refund/payment/transaction", refundV2Body(id, trx, "1"))
	e.callV2(tok, "/refund/payment/status", map[string]string{"paymentId": id, "trxId": trx})

	want := map[string]int{
		"grant": 1, "refresh": 1, "create": 1, "execute": 1,
		"query": 1, "search": 1, "refund": 1, "refund_status": 1,
		"refund_v2": 1, "refund_status_v2": 1,
	}
	assert.Equal(t, want, e.sim.Stats())

	r := e.mustDo(http.MethodGet, e.public+"/stats", nil, nil)
	require.Equal(t, http.StatusOK, r.Status)
	assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
	var got map[string]int
	require.NoError(t, json.Unmarshal([]byte(r.Raw), &got))
	assert.Equal(t, want, got)

	r = e.mustDo(http.MethodPost, e.public+"/stats/reset", nil, nil)
	require.Equal(t, http.StatusOK, r.Status)
	for k, v := range e.sim.Stats() {
		assert.Zero(t, v, k)
	}
	e.grant()
	assert.Equal(t, 1, e.sim.Stats()[bkashsim.EndpointGrant])
}

func TestCredentialsEndpoint(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	r := e.mustDo(http.MethodGet, e.public+"/credentials", nil, nil)
	require.Equal(t, http.StatusOK, r.Status)
	assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
	d := bkashsim.DefaultCredentials()
	assert.Equal(t, map[string]any{
		"username": d.Username, "password": d.Password, "app_key": d.AppKey, "app_secret": d.AppSecret,
	}, r.Body)

	custom := bkashsim.Credentials{Username: "u", Password: "p", AppKey: "k", AppSecret: "s"}
	e2 := newEnv(t, func(c *bkashsim.Config) { c.Credentials = custom })
	r = e2.mustDo(http.MethodGet, e2.public+"/credentials", nil, nil)
	assert.Equal(t, map[string]any{"username": "u", "password": "p", "app_key": "k", "app_secret": "s"}, r.Body)
	tok, _ := e2.grant()
	assert.NotEmpty(t, tok, "the custom credentials grant")
}

func TestUnknownRoutesAre404(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	for _, c := range []struct{ method, path string }{
		{http.MethodPost, bkashsim.APIPrefix + "/nope"},
		{http.MethodGet, bkashsim.APIPrefix + "/create"},
		{http.MethodPost, "/v2/tokenized-checkout/payment/create"},
		{http.MethodPost, bkashsim.APIPrefix + "/general/search/searchTransaction"},
		{http.MethodGet, "/"},
	} {
		r := e.mustDo(c.method, e.public+c.path, nil, nil)
		assert.Equal(t, http.StatusNotFound, r.Status, c)
		assert.Equal(t, "application/json", r.Header.Get("Content-Type"), c)
		assert.Equal(t, map[string]any{"message": "Not Found"}, r.Body, c)
	}
	for _, v := range e.sim.Stats() {
		assert.Zero(t, v)
	}
}
