package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// dash is a dashboard client: a bearer access token, and the cookies and
// headers a browser would send.
type dash struct {
	base    string
	token   string
	origin  string // set: behaves as a browser page (Origin header)
	cookie  *http.Cookie
	csrf    bool
	refresh string
}

// gql posts an operation and returns the HTTP status, the response and the
// response's refresh cookie (nil if none was set).
func (d *dash) gql(t *testing.T, query string, vars map[string]any) (int, gqlResponse) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, d.base+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if d.token != "" {
		req.Header.Set("Authorization", "Bearer "+d.token)
	}
	if d.origin != "" {
		req.Header.Set("Origin", d.origin)
	}
	if d.cookie != nil {
		req.AddCookie(d.cookie)
	}
	if d.csrf {
		req.Header.Set("X-Paycore-CSRF", "1")
	}
	res, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	for _, c := range res.Cookies() {
		if c.Name == "paycore_refresh" {
			if c.Value == "" || c.MaxAge < 0 {
				d.cookie = nil
			} else {
				d.cookie = c
			}
		}
	}
	var out gqlResponse
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Fatalf("HTTP %d: %v", res.StatusCode, err)
	}
	return res.StatusCode, out
}

// code is the first error's code, "" for none.
func code(r gqlResponse) string {
	if len(r.Errors) == 0 {
		return ""
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c
}

const gqlLogin = `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken expiresAt refreshToken user { id email role clientId } } }`

type loginData struct {
	Login struct {
		AccessToken  string    `json:"accessToken"`
		ExpiresAt    time.Time `json:"expiresAt"`
		RefreshToken *string   `json:"refreshToken"`
		User         struct {
			ID, Email, Role string
			ClientID        *string `json:"clientId"`
		} `json:"user"`
	} `json:"login"`
	RefreshSession *struct {
		AccessToken  string  `json:"accessToken"`
		RefreshToken *string `json:"refreshToken"`
	} `json:"refreshSession"`
}

// login logs in and returns a dashboard client holding the access token.
func login(t *testing.T, base, email, password string) *dash {
	t.Helper()
	d := &dash{base: base}
	_, r := d.gql(t, gqlLogin, map[string]any{"e": email, "p": password})
	if len(r.Errors) > 0 {
		t.Fatalf("login %s: %+v", email, r.Errors)
	}
	var data loginData
	_ = json.Unmarshal(r.Data, &data)
	d.token = data.Login.AccessToken
	if data.Login.RefreshToken != nil {
		d.refresh = *data.Login.RefreshToken
	}
	return d
}

// Logins: the sandbox users log in; wrong passwords and disabled users are
// refused alike; refresh tokens rotate and a reused one revokes the family;
// browsers get the refresh token as a cookie only, usable with the CSRF
// header only; login attempts are limited per account.
func TestDashboardLogin(t *testing.T) {
	t.Parallel()
	ts := startServer(t)

	admin := login(t, ts.base, demoAdminEmail, demoAdminPassword)
	_, r := admin.gql(t, `{ me { email role clientId } }`, nil)
	if !strings.Contains(string(r.Data), `"role":"ADMIN"`) {
		t.Fatalf("me: %s %+v", r.Data, r.Errors)
	}
	if admin.refresh == "" {
		t.Fatal("no refresh token for a non-browser client")
	}
	m := login(t, ts.base, "MERCHANT@example.com", demoMerchantPassword)
	_, r = m.gql(t, `{ me { role clientId } }`, nil)
	if !strings.Contains(string(r.Data), `"clientId":"cli_demo"`) {
		t.Fatalf("merchant me: %s", r.Data)
	}

	// Wrong password, unknown user: the same answer.
	anon := &dash{base: ts.base}
	_, r1 := anon.gql(t, gqlLogin, map[string]any{"e": demoAdminEmail, "p": "wrong password!"})
	_, r2 := anon.gql(t, gqlLogin, map[string]any{"e": "nobody@example.com", "p": "wrong password!"})
	if code(r1) != "UNAUTHENTICATED" || code(r2) != "UNAUTHENTICATED" || r1.Errors[0].Message != r2.Errors[0].Message {
		t.Fatalf("bad logins: %+v / %+v", r1.Errors, r2.Errors)
	}

	// Rotation: the new refresh token works, the old one revokes the family.
	q := `mutation($r: String) { refreshSession(refreshToken: $r) { accessToken refreshToken } }`
	_, r = anon.gql(t, q, map[string]any{"r": admin.refresh})
	var data loginData
	_ = json.Unmarshal(r.Data, &data)
	if data.RefreshSession == nil || data.RefreshSession.RefreshToken == nil {
		t.Fatalf("refresh: %s %+v", r.Data, r.Errors)
	}
	second := *data.RefreshSession.RefreshToken
	if _, r = anon.gql(t, q, map[string]any{"r": admin.refresh}); code(r) != "UNAUTHENTICATED" {
		t.Fatalf("reused refresh token: %s %+v", r.Data, r.Errors)
	}
	if _, r = anon.gql(t, q, map[string]any{"r": second}); code(r) != "UNAUTHENTICATED" {
		t.Fatalf("refresh token of a revoked family still works: %s", r.Data)
	}

	// A browser: the refresh token is a cookie (HttpOnly, SameSite=Strict),
	// never in the body; the cookie counts only with the CSRF header.
	b := &dash{base: ts.base, origin: ts.base}
	_, r = b.gql(t, gqlLogin, map[string]any{"e": demoAdminEmail, "p": demoAdminPassword})
	if strings.Contains(string(r.Data), "rt_") || b.cookie == nil || !b.cookie.HttpOnly || b.cookie.SameSite != http.SameSiteStrictMode {
		t.Fatalf("browser login: %s cookie %+v", r.Data, b.cookie)
	}
	if _, r = b.gql(t, q, nil); code(r) != "UNAUTHENTICATED" {
		t.Fatalf("cookie without CSRF header accepted: %s", r.Data)
	}
	b.csrf = true
	if _, r = b.gql(t, q, nil); len(r.Errors) > 0 || b.cookie == nil {
		t.Fatalf("cookie refresh: %+v", r.Errors)
	}
	if _, r = b.gql(t, `mutation { logout }`, nil); len(r.Errors) > 0 || b.cookie != nil {
		t.Fatalf("logout: %+v cookie %+v", r.Errors, b.cookie)
	}

	// Disabled: refused at login and on its access token within seconds.
	if _, err := ts.app.Users.SetDisabled(context.Background(), demoMerchantEmail, true); err != nil {
		t.Fatal(err)
	}
	_, r = anon.gql(t, gqlLogin, map[string]any{"e": demoMerchantEmail, "p": demoMerchantPassword})
	if code(r) != "UNAUTHENTICATED" {
		t.Fatalf("disabled user logged in: %s", r.Data)
	}
	eventually(t, "disabled user's token refused", func() bool {
		st, _ := m.gql(t, `{ me { id } }`, nil)
		return st == http.StatusUnauthorized
	})

	// Limits per account.
	var last gqlResponse
	for range 12 {
		_, last = anon.gql(t, gqlLogin, map[string]any{"e": "support@example.com", "p": "wrong password!"})
	}
	if code(last) != "RATE_LIMITED" {
		t.Fatalf("login attempts not limited: %+v", last.Errors)
	}
}
