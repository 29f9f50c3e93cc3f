package bkashsim_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paycore/paycore/adapters/bkashsim"
)

func TestGrantAnswersTheSpecShape(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)

	r := e.mustDo(http.MethodPost, e.api+"/token/grant", tokenHeaders(e.creds),
		map[string]string{"app_key": e.creds.AppKey, "app_secret": e.creds.AppSecret})

	require.Equal(t, http.StatusOK, r.Status)
	assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
	assert.ElementsMatch(t, []string{"statusCode", "statusMessage", "id_token", "token_type", "expires_in", "refresh_token"}, r.keys())
	assert.Equal(t, "0000", r.code(t))
	assert.Equal(t, "Successful", r.str(t, "statusMessage"))
	assert.Equal(t, "Bearer", r.str(t, "token_type"))
	assert.Equal(t, json.Number("3600"), r.Body["expires_in"], "expires_in is a JSON number")
	assert.NotEmpty(t, r.str(t, "refresh_token"))

	parts := strings.Split(r.str(t, "id_token"), ".")
	require.Len(t, parts, 3, "id_token looks like a JWT")
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	require.NoError(t, err)
	var claims struct{ Iat, Exp int64 }
	require.NoError(t, json.Unmarshal(payload, &claims))
	assert.Equal(t, t0.Unix(), claims.Iat)
	assert.Equal(t, int64(3600), claims.Exp-claims.Iat)
	assert.Equal(t, 1, e.sim.GrantsInHour(t0))
}

// TestTokenCallsWithBadCredentialsAreForbidden: the 403 shape, behind its
// switch (bKash's own answer is 9999: TestBadCredentialsAnswer9999).
func TestTokenCallsWithBadCredentialsAreForbidden(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *bkashsim.Config) { c.ForbiddenOnBadCredentials = true })
	good := e.creds
	tests := []struct {
		name   string
		header map[string]string
		body   any
	}{
		{"wrong username", map[string]string{"username": "x", "password": good.Password}, map[string]string{"app_key": good.AppKey, "app_secret": good.AppSecret}},
		{"wrong password", map[string]string{"username": good.Username, "password": "x"}, map[string]string{"app_key": good.AppKey, "app_secret": good.AppSecret}},
		{"no headers", nil, map[string]string{"app_key": good.AppKey, "app_secret": good.AppSecret}},
		{"wrong app_key", tokenHeaders(good), map[string]string{"app_key": "x", "app_secret": good.AppSecret}},
		{"wrong app_secret", tokenHeaders(good), map[string]string{"app_key": good.AppKey, "app_secret": "x"}},
		{"not JSON", tokenHeaders(good), "nope"},
	}
	for _, tt := range tests {
		for _, path := range []string{"/token/grant", "/token/refresh"} {
			r := e.mustDo(http.MethodPost, e.api+path, tt.header, tt.body)
			assert.Equal(t, http.StatusForbidden, r.Status, "%s %s", tt.name, path)
			assert.Equal(t, map[string]any{"message": "Forbidden"}, r.Body, "%s %s", tt.name, path)
		}
	}
	assert.Equal(t, 0, e.sim.GrantsInHour(t0))
	assert.Equal(t, len(tests), e.sim.Stats()[bkashsim.EndpointGrant], "refused grants are counted too")
}

func TestIDTokenExpiresAfter3600Seconds(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	tok, _ := e.grant()
	probe := func() reply { return e.call(tok, "/payment/status", map[string]string{"paymentID": "TR0011nothere"}) }

	assert.Equal(t, "2002", probe().code(t), "a valid token reaches the operation")
	e.clock.Advance(3599 * time.Second)
	assert.Equal(t, "2002", probe().code(t))
	e.clock.Advance(time.Second)
	r := probe()
	assert.Equal(t, http.StatusUnauthorized, r.Status)
	assert.Equal(t, map[string]any{"message": "Unauthorized"}, r.Body)
}

func TestRefreshKeepsRefreshTokenAndOldIDToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	oldID, rt := e.grant()
	e.clock.Advance(55 * time.Minute)

	r := e.mustDo(http.MethodPost, e.api+"/token/refresh", tokenHeaders(e.creds), map[string]string{
		"app_key": e.creds.AppKey, "app_secret": e.creds.AppSecret, "refresh_token": rt,
	})
	require.Equal(t, http.StatusOK, r.Status, r.Raw)
	assert.Equal(t, "0000", r.code(t))
	assert.Equal(t, json.Number("3600"), r.Body["expires_in"])
	assert.Equal(t, rt, r.str(t, "refresh_token"), "refresh returns the same refresh_token")
	newID := r.str(t, "id_token")
	assert.NotEqual(t, oldID, newID)

	probe := func(tok string) int {
		return e.call(tok, "/payment/status", map[string]string{"paymentID": "x"}).Status
	}
	assert.Equal(t, http.StatusOK, probe(oldID), "the old id_token lives until its own expiry")
	e.clock.Advance(5 * time.Minute)
	assert.Equal(t, http.StatusUnauthorized, probe(oldID))
	assert.Equal(t, http.StatusOK, probe(newID))
	e.clock.Advance(55 * time.Minute)
	assert.Equal(t, http.StatusUnauthorized, probe(newID))
	assert.Equal(t, 1, e.sim.Stats()[bkashsim.EndpointRefresh])
	assert.Equal(t, 1, e.sim.Stats()[bkashsim.EndpointGrant])
}

func TestRefreshTokenLasts28DaysFromFirstIssue(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	_, rt := e.grant()
	refresh := func(tok string) reply {
		return e.mustDo(http.MethodPost, e.api+"/token/refresh", tokenHeaders(e.creds), map[string]string{
			"app_key": e.creds.AppKey, "app_secret": e.creds.AppSecret, "refresh_token": tok,
		})
	}
	for range 27 {
		e.clock.Advance(24 * time.Hour)
		require.Equal(t, http.StatusOK, refresh(rt).Status, "daily refreshes do not extend the refresh_token")
	}
	e.clock.Advance(24*time.Hour - time.Millisecond)
	require.Equal(t, http.StatusOK, refresh(rt).Status)
	e.clock.Advance(time.Millisecond)
	r := refresh(rt)
	assert.Equal(t, http.StatusUnauthorized, r.Status)
	assert.Equal(t, map[string]any{"message": "Unauthorized"}, r.Body)

	assert.Equal(t, http.StatusUnauthorized, refresh("not-a-token").Status)
	id, rt2 := e.grant()
	assert.NotEqual(t, rt, rt2, "grant again gives a new refresh_token")
	assert.Equal(t, http.StatusOK, e.call(id, "/payment/status", map[string]string{"paymentID": "x"}).Status)
}

func TestAPIAuthHeaders(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	tok, _ := e.grant()
	body := map[string]string{"paymentID": "x"}
	url := e.api + "/payment/status"

	r := e.mustDo(http.MethodPost, url, map[string]string{"X-APP-Key": e.creds.AppKey}, body)
	assert.Equal(t, http.StatusUnauthorized, r.Status, "no Authorization")
	assert.Equal(t, map[string]any{"message": "Unauthorized"}, r.Body)

	r = e.mustDo(http.MethodPost, url, map[string]string{"Authorization": "forged", "X-APP-Key": e.creds.AppKey}, body)
	assert.Equal(t, http.StatusUnauthorized, r.Status, "unknown token")

	r = e.mustDo(http.MethodPost, url, map[string]string{"Authorization": "Bearer " + tok, "X-APP-Key": e.creds.AppKey}, body)
	assert.Equal(t, "2002", r.code(t), "Bearer prefix accepted")

	r = e.mustDo(http.MethodPost, url, map[string]string{"Authorization": tok, "x-app-key": e.creds.AppKey}, body)
	assert.Equal(t, "2002", r.code(t), "header case does not matter")

	r = e.mustDo(http.MethodPost, url, map[string]string{"Authorization": tok, "X-APP-Key": "wrong"}, body)
	assert.Equal(t, http.StatusOK, r.Status)
	assert.Equal(t, map[string]any{"statusCode": "2001", "statusMessage": "Invalid App Key"}, r.Body)
}

func TestGrantsAreCountedPerHour(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.grant()
	e.grant()
	e.clock.Advance(time.Hour)
	e.grant()
	assert.Equal(t, 2, e.sim.GrantsInHour(t0))
	assert.Equal(t, 1, e.sim.GrantsInHour(t0.Add(time.Hour)))
	assert.Equal(t, 3, e.sim.Stats()[bkashsim.EndpointGrant])
	e.sim.ResetStats()
	assert.Equal(t, 0, e.sim.GrantsInHour(t0))
}
