package graph

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/golang-jwt/jwt/v5"

	"github.com/paycore/paycore/adapters/httpauth"
	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
)

// CloseForbidden is the websocket close code for a connection_init without
// valid credentials (4403, "Forbidden" in graphql-ws): graphql-ws clients
// stop instead of reconnecting in a loop.
const CloseForbidden = 4403

// Who may call what is app.Authorize (app/authz.go), asked through
// authorize below. In short: a client principal (merchant server,
// dashboard) acts for its own client; a token scoped to one transaction
// reads, starts and follows that payment only; an operator (admin token,
// admin or support user: app.Principal{Admin: true} with no ClientID) reads
// every client's webhook deliveries and request logs and may redeliver a
// webhook, but never acts as a merchant: every field that is a client's own
// refuses it with FORBIDDEN.

// adminKey carries an admin principal. app.PrincipalFrom knows clients only
// (it refuses a principal without a ClientID), so an admin is kept apart
// and only principal below hands it out.
type adminKey struct{}

// withPrincipal returns ctx carrying pr.
func withPrincipal(ctx context.Context, pr app.Principal) context.Context {
	if pr.Admin {
		// An operator: an admin token or an admin or support user.
		return context.WithValue(ctx, adminKey{}, app.Principal{Admin: true, UserID: pr.UserID, Email: pr.Email, Role: pr.Role})
	}
	return app.WithPrincipal(ctx, pr)
}

// principal returns the caller, client or admin; domain.ErrUnauthenticated
// if there is none.
func principal(ctx context.Context) (app.Principal, error) {
	if pr, ok := ctx.Value(adminKey{}).(app.Principal); ok && pr.Admin {
		return pr, nil
	}
	return app.PrincipalFrom(ctx)
}

// authorize returns the caller if app.Authorize lets it do act on res:
// every permission rule lives in app/authz.go, fields only name their
// action (app.ActMerchant for the merchant's own fields, app.ActList for
// lists beyond one payment, app.ActPayment for one payment, app.ActOperate
// for operators' reads). Errors: domain.ErrUnauthenticated without a
// caller, Authorize's.
func authorize(ctx context.Context, act app.Action, res app.Resource) (app.Principal, error) {
	pr, err := principal(ctx)
	if err != nil {
		return app.Principal{}, err
	}
	if err := app.Authorize(pr, act, res); err != nil {
		return app.Principal{}, err
	}
	return pr, nil
}

// authenticator puts the caller's principal into every request's context:
// from HMAC headers or a bearer token (httpauth.Authenticate). Bad
// credentials end the request with 401 and a GraphQL error body; none let it
// through without a principal, for the resolvers to refuse or for the
// websocket's connection_init (wsInit, same Tokens) to authenticate. A
// bearer token's client is checked to be still active (Sessions), as
// app.Authenticator checks a signed request's.
type authenticator struct {
	auth     *app.Authenticator
	tokens   *httpauth.Tokens
	sessions *app.Sessions
	log      *slog.Logger
	next     http.Handler
	// checks re-checks open websockets' principals (every revalidate
	// interval, from one goroutine).
	checks *wheel[*wsSession]
	idem   IdempotencyStore // nil: idempotency keys ignored

	sandbox     bool // plain HTTP allowed
	trusted     []netip.Prefix
	rate        RateLimiter // nil: no limit
	defaultRate int
	logs        RequestLogger // nil: not logged
	maxSubs     int           // subscriptions per socket
	maxSockets  int           // sockets per principal

	mu      sync.Mutex
	sockets map[string]int // open sockets per principal slot
}

// tokenExpiryKey carries the expiry of the bearer token that authenticated a
// websocket handshake, so the connection ends with the token.
type tokenExpiryKey struct{}

func (a *authenticator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// GraphQL requests are small; HMAC signing reads at most MaxBody too.
	if r.ContentLength > httpauth.MaxBody {
		writeError(w, http.StatusRequestEntityTooLarge, "PAYLOAD_TOO_LARGE", "request body too large")
		return
	}
	if !a.secure(r) {
		writeError(w, http.StatusForbidden, CodeForbidden, "HTTPS required")
		return
	}
	if r.Body != nil {
		r.Body = http.MaxBytesReader(w, r.Body, httpauth.MaxBody)
	}
	ctx := context.WithValue(r.Context(), reqInfoKey{}, reqInfo{method: r.Method, ip: httpauth.ClientIP(r, a.trusted)})
	if !isUpgrade(r) {
		ctx = context.WithValue(ctx, httpExchangeKey{}, httpExchange{w: w, r: r, sandbox: a.sandbox})
	}
	// A signed request's nonce stays pending: a lone createPayment records
	// it with the payment, in one commit (REST's create does the same);
	// every other operation records it before it runs (spendNonce), and
	// whatever did neither records it after the response. A websocket's
	// operations are many: its nonce is spent at once.
	pr, nonce, ok, err := httpauth.AuthenticateDeferred(ctx, r, a.auth, a.tokens)
	if err == nil && isUpgrade(r) {
		err = a.auth.ConsumeNonce(ctx, nonce)
	}
	if ok && err == nil && !httpauth.HasSignature(r) {
		// A token does not know its client was suspended, nor its limit.
		pr, err = a.sessions.Verify(ctx, pr)
	}
	var tooLarge *http.MaxBytesError
	switch {
	case errors.Is(err, httpauth.ErrBodyTooLarge), errors.As(err, &tooLarge):
		writeError(w, http.StatusRequestEntityTooLarge, "PAYLOAD_TOO_LARGE", "request body too large")
		return
	case errors.Is(err, domain.ErrUnauthenticated):
		_, message, _ := publicError(err)
		var ae *app.AuthError
		if !httpauth.HasSignature(r) && !errors.As(err, &ae) {
			message = "invalid or expired token"
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="paycore"`)
		writeError(w, http.StatusUnauthorized, CodeUnauthenticated, message)
		return
	case err != nil:
		a.log.ErrorContext(ctx, "graphql authentication", "err", err)
		writeError(w, http.StatusInternalServerError, CodeInternal, "internal error")
		return
	case ok:
		if !isUpgrade(r) {
			if allowed, retry := a.limit(w, pr); !allowed {
				writeErrorExt(w, http.StatusTooManyRequests, CodeRateLimited, "too many requests", map[string]any{"retryAfter": retry})
				return
			}
		}
		ctx = withPrincipal(ctx, pr)
		if isUpgrade(r) && !httpauth.HasSignature(r) {
			if exp, ok := tokenExpiry(httpauth.BearerToken(r.Header.Get("Authorization"))); ok {
				ctx = context.WithValue(ctx, tokenExpiryKey{}, exp)
			}
		}
	}
	if !isUpgrade(r) {
		a.next.ServeHTTP(w, r.WithContext(withHeaderKey(app.WithPendingNonce(ctx, nonce), r)))
		if err := a.auth.UseNonce(context.WithoutCancel(ctx), nonce); err != nil {
			a.log.ErrorContext(ctx, "record nonce", "err", err)
		}
		return
	}
	// A websocket: after connection_init the transport serves it from a
	// goroutine of its own (wsTransport) and this handler returns, so the
	// connection's context is detached from the request's; the session
	// ends when the socket closes (or here, if it never got that far).
	ctx, cancel := context.WithCancel(detach(ctx))
	s := &wsSession{ctx: ctx, cancel: cancel}
	s.onEnd = func() {
		a.checks.remove(s)
		cancel()
		a.release(s)
	}
	a.next.ServeHTTP(w, r.WithContext(context.WithValue(ctx, wsSessionKey{}, s)))
	if !s.detached() {
		s.end()
	}
}

// detach returns a context carrying what a websocket's operations read of
// its handshake's context (the caller's address, its principal and its
// token's expiry) and nothing else: not cancelled with the request, and not
// keeping the request's context (router state, request ID) alive for the
// socket's life.
func detach(ctx context.Context) context.Context {
	out := context.WithValue(context.Background(), reqInfoKey{}, ctx.Value(reqInfoKey{}))
	if pr, err := principal(ctx); err == nil {
		out = withPrincipal(out, pr)
	}
	if exp, ok := ctx.Value(tokenExpiryKey{}).(time.Time); ok {
		out = context.WithValue(out, tokenExpiryKey{}, exp)
	}
	return out
}

// isUpgrade reports whether r asks for a websocket.
func isUpgrade(r *http.Request) bool { return r.Header.Get("Upgrade") != "" }

// writeError writes a GraphQL-shaped error response:
// {"errors":[{"message":…,"extensions":{"code":…}}]}.
func writeError(w http.ResponseWriter, status int, code, message string) {
	writeErrorExt(w, status, code, message, nil)
}

// writeErrorExt is writeError with further extensions.
func writeErrorExt(w http.ResponseWriter, status int, code, message string, ext map[string]any) {
	type gqlError struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	}
	e := gqlError{Message: message, Extensions: map[string]any{"code": code}}
	for k, v := range ext {
		e.Extensions[k] = v
	}
	body, _ := json.Marshal(struct {
		Errors []gqlError `json:"errors"`
	}{[]gqlError{e}})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// tokenExpiry reads the exp claim of a token that Tokens.Verify has already
// accepted (the signature is not checked again here).
func tokenExpiry(tok string) (time.Time, bool) {
	var c jwt.RegisteredClaims
	if _, _, err := jwt.NewParser().ParseUnverified(tok, &c); err != nil || c.ExpiresAt == nil {
		return time.Time{}, false
	}
	return c.ExpiresAt.Time, true
}

// errWSForbidden is sent as the connection error of a refused websocket.
var errWSForbidden = errors.New("forbidden")

// wsInit authenticates a websocket's connection_init. A handshake that was
// already authenticated (HMAC-signed GET /graphql, or a bearer header) is
// accepted; otherwise the payload must carry {"Authorization": "Bearer
// <token>"} (a bare token is accepted too). A refusal closes the socket with
// 4403 Forbidden. An accepted bearer token bounds the connection: it closes
// with 4403 when the token expires, and the client must reconnect with a
// fresh one. Whatever the credentials, the principal is re-checked on every
// operation and every revalidate interval (checkSession).
func (a *authenticator) wsInit(ctx context.Context, payload transport.InitPayload) (context.Context, *transport.InitPayload, error) {
	pr, err := principal(ctx)
	exp, _ := ctx.Value(tokenExpiryKey{}).(time.Time)
	if err != nil {
		raw := strings.TrimSpace(payload.Authorization())
		tok := httpauth.BearerToken(raw)
		if tok == "" && !strings.ContainsRune(raw, ' ') {
			tok = raw
		}
		if tok == "" {
			return refuseWS(ctx), nil, errWSForbidden
		}
		if pr, err = a.tokens.Verify(tok); err != nil {
			return refuseWS(ctx), nil, errWSForbidden
		}
		if pr, err = a.sessions.Verify(ctx, pr); err != nil {
			return refuseWS(ctx), nil, errWSForbidden
		}
		exp, _ = tokenExpiry(tok)
		ctx = withPrincipal(ctx, pr)
	}
	if s := sessionOf(ctx); s != nil {
		if !a.takeSocket(s, pr) {
			return refuseTooMany(ctx), nil, errTooManySockets
		}
		s.mu.Lock()
		s.pr, s.exp = pr, exp
		s.mu.Unlock()
		a.watch(s)
	}
	return ctx, nil, nil
}

// refuseWS marks ctx so gqlgen closes the socket with 4403 Forbidden.
func refuseWS(ctx context.Context) context.Context {
	return withClose(ctx, CloseForbidden, "Forbidden")
}

// errTooManySockets is the connection error of a socket over the cap.
var errTooManySockets = errors.New(CodeLimitExceeded + ": too many connections")
