package graph

import (
	"context"
	"net/http"
	"time"

	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/graph/model"
)

// Dashboard sessions over HTTP (issue 12): the refresh token travels in a
// cookie for browsers; a mutation the cookie authenticates needs the CSRF
// header, which a cross-site form or fetch without CORS cannot send.
const (
	// RefreshCookie holds a browser's refresh token.
	RefreshCookie = "paycore_refresh"
	// CSRFHeader must be sent (value "1") by a request whose refresh token
	// comes from the cookie.
	CSRFHeader = "X-Paycore-CSRF"
)

// httpExchange is the HTTP request and response of a (non-websocket)
// operation, for the session mutations' cookie.
type httpExchange struct {
	w       http.ResponseWriter
	r       *http.Request
	sandbox bool
}

type httpExchangeKey struct{}

func exchangeOf(ctx context.Context) (httpExchange, bool) {
	x, ok := ctx.Value(httpExchangeKey{}).(httpExchange)
	return x, ok
}

// browser reports whether the operation comes from a browser page (it
// sends Origin on every POST).
func (x httpExchange) browser() bool { return x.r != nil && x.r.Header.Get("Origin") != "" }

// setRefresh sets (token != "") or clears the refresh cookie.
func (x httpExchange) setRefresh(token string, exp time.Time) {
	c := &http.Cookie{Name: RefreshCookie, Value: token, Path: "/graphql", HttpOnly: true,
		Secure: !x.sandbox, SameSite: http.SameSiteStrictMode, Expires: exp}
	if token == "" {
		c.MaxAge = -1
		c.Expires = time.Time{}
	}
	http.SetCookie(x.w, c)
}

// refreshFrom returns the refresh token of a session mutation: the
// argument, else the cookie, which counts only with the CSRF header.
func refreshFrom(ctx context.Context, arg *string) (string, error) {
	if arg != nil && *arg != "" {
		return *arg, nil
	}
	x, ok := exchangeOf(ctx)
	if !ok {
		return "", &app.AuthError{Reason: "refresh token required"}
	}
	c, err := x.r.Cookie(RefreshCookie)
	if err != nil || c.Value == "" {
		return "", &app.AuthError{Reason: "refresh token required"}
	}
	if x.r.Header.Get(CSRFHeader) != "1" {
		return "", &app.AuthError{Reason: "the " + CSRFHeader + " header is required with the session cookie"}
	}
	return c.Value, nil
}

// sessionPayload signs the access token of s and hands out its refresh
// token: as a cookie to a browser, else in the body.
func (r *Resolver) sessionPayload(ctx context.Context, s app.Session) (*model.LoginPayload, error) {
	tok, exp, err := r.tokens.IssueUser(s.Principal)
	if err != nil {
		return nil, err
	}
	out := &model.LoginPayload{AccessToken: tok, ExpiresAt: exp, User: toModelUser(&s.User)}
	if x, ok := exchangeOf(ctx); ok && x.browser() {
		x.setRefresh(s.RefreshToken, s.RefreshExpiry)
	} else {
		out.RefreshToken = &s.RefreshToken
	}
	return out, nil
}

func toModelUser(u *domain.User) *model.User {
	m := &model.User{ID: u.ID, Email: u.Email, Role: model.Role(string(upper(string(u.Role)))),
		Disabled: u.Disabled, CreatedAt: u.CreatedAt}
	if u.ClientID != "" {
		id := u.ClientID
		m.ClientID = &id
	}
	return m
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 32
		}
	}
	return string(b)
}

// callerIP is the address of the operation's caller, for login limits.
func callerIP(ctx context.Context) string {
	info, _ := ctx.Value(reqInfoKey{}).(reqInfo)
	return info.ip
}

func (r *Resolver) usersEnabled() error {
	if r.app.Users == nil {
		return &app.AuthError{Reason: "dashboard logins are not available"}
	}
	return nil
}
