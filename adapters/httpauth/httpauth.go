// Package httpauth authenticates HTTP requests for both edges (REST v1 and
// GraphQL): HMAC-signed merchant requests (X-API-* headers, checked by
// app.Authenticator) and short-lived bearer JWTs issued to SPAs and
// dashboards (golang-jwt, HS256).
package httpauth

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
)

// MaxBody is the largest request body read for signing: 64 KiB.
const MaxBody = 64 << 10

// ErrBodyTooLarge is returned for a body over MaxBody (HTTP 413).
var ErrBodyTooLarge = errors.New("request body too large")

// Signed reads the X-API-* headers and the body of r (restoring r.Body for
// the handler) into an app.SignedRequest. PATH is the request target as sent
// (r.RequestURI: path plus query). ErrBodyTooLarge past MaxBody.
func Signed(r *http.Request) (app.SignedRequest, error) {
	var body []byte
	if r.Body != nil {
		b, err := io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
		if err != nil {
			return app.SignedRequest{}, fmt.Errorf("read body: %w", err)
		}
		if len(b) > MaxBody {
			return app.SignedRequest{}, ErrBodyTooLarge
		}
		body = b
		r.Body = io.NopCloser(bytes.NewReader(b))
	}
	target := r.RequestURI
	if target == "" {
		target = r.URL.RequestURI()
	}
	return app.SignedRequest{
		APIKey:    r.Header.Get("X-API-KEY"),
		Signature: r.Header.Get("X-API-SIGNATURE"),
		Timestamp: r.Header.Get("X-API-TIMESTAMP"),
		Nonce:     r.Header.Get("X-API-NONCE"),
		Method:    r.Method,
		Path:      target,
		Body:      body,
	}, nil
}

// HasSignature reports whether r carries any X-API-* header.
func HasSignature(r *http.Request) bool {
	return r.Header.Get("X-API-KEY") != "" || r.Header.Get("X-API-SIGNATURE") != ""
}

// Tokens issues and verifies bearer JWTs: HS256, issuer "paycore", audience
// "paycore". A client token has the client ID as subject and, when scoped
// to one transaction, claim "txn". An admin (operator) token has subject
// "admin:<name>" and claim "adm": true; it verifies to
// app.Principal{Admin: true} with no ClientID. Only IssueAdmin sets "adm",
// so a client token never becomes an admin one. Tokens expire (exp is
// required).
type Tokens struct {
	key []byte
	ttl time.Duration
	now func() time.Time
}

// Admin tokens are short-lived: IssueAdmin defaults to DefaultAdminTTL and
// refuses more than MaxAdminTTL, and Verify refuses an admin token whose
// lifetime (exp − iat) is longer.
const (
	DefaultAdminTTL = time.Hour
	MaxAdminTTL     = 12 * time.Hour
	// AdminSubjectPrefix starts an admin token's subject: "admin:alice".
	AdminSubjectPrefix = "admin:"
)

// NewTokens returns a Tokens signing with key (at least 32 bytes) and
// issuing tokens that live ttl (0 → 1 h).
func NewTokens(key []byte, ttl time.Duration) (*Tokens, error) {
	if len(key) < 32 {
		return nil, errors.New("httpauth: token key must be at least 32 bytes")
	}
	if ttl == 0 {
		ttl = time.Hour
	}
	return &Tokens{key: key, ttl: ttl, now: time.Now}, nil
}

type claims struct {
	TransactionID string `json:"txn,omitempty"`
	Admin         bool   `json:"adm,omitempty"`
	// Dashboard users' access tokens (IssueUser): role, email and, for a
	// merchant user, its client.
	Role     string `json:"role,omitempty"`
	Email    string `json:"email,omitempty"`
	ClientID string `json:"cid,omitempty"`
	jwt.RegisteredClaims
}

// Issue returns a client token for p and its expiry. p must be a client's
// (ClientID set); an admin principal is refused: admin tokens come from
// IssueAdmin only.
func (t *Tokens) Issue(p app.Principal) (string, time.Time, error) {
	if p.Admin {
		return "", time.Time{}, errors.New("httpauth: Issue makes client tokens only; use IssueAdmin")
	}
	if p.ClientID == "" || strings.HasPrefix(p.ClientID, AdminSubjectPrefix) {
		return "", time.Time{}, fmt.Errorf("httpauth: invalid client ID %q", p.ClientID)
	}
	return t.sign(claims{TransactionID: p.TransactionID}, p.ClientID, t.ttl)
}

// IssueAdmin returns an admin token for the operator name (subject
// "admin:<name>") living ttl (0 → DefaultAdminTTL, at most MaxAdminTTL),
// and its expiry.
func (t *Tokens) IssueAdmin(name string, ttl time.Duration) (string, time.Time, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", time.Time{}, errors.New("httpauth: an admin token needs a name")
	}
	if ttl == 0 {
		ttl = DefaultAdminTTL
	}
	if ttl < 0 || ttl > MaxAdminTTL {
		return "", time.Time{}, fmt.Errorf("httpauth: admin token TTL must be between 0 and %s", MaxAdminTTL)
	}
	return t.sign(claims{Admin: true}, AdminSubjectPrefix+name, ttl)
}

func (t *Tokens) sign(c claims, subject string, ttl time.Duration) (string, time.Time, error) {
	now := t.now()
	exp := now.Add(ttl)
	c.RegisteredClaims = jwt.RegisteredClaims{
		Issuer: "paycore", Audience: jwt.ClaimStrings{"paycore"}, Subject: subject,
		IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(exp),
	}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(t.key)
	return s, exp, err
}

// Verify checks a token and returns its principal, or an error wrapping
// domain.ErrUnauthenticated. An admin token ("adm": true, subject
// "admin:<name>", no "txn", issued at most MaxAdminTTL before it expires)
// gives app.Principal{Admin: true}; any other gives a client's principal,
// never an admin one.
func (t *Tokens) Verify(token string) (app.Principal, error) {
	var c claims
	_, err := jwt.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return t.key, nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithIssuer("paycore"),
		jwt.WithAudience("paycore"), jwt.WithExpirationRequired(), jwt.WithTimeFunc(t.now))
	bad := fmt.Errorf("%w: invalid or expired token", domain.ErrUnauthenticated)
	if err != nil || c.Subject == "" {
		return app.Principal{}, bad
	}
	userID, isUserSubject := strings.CutPrefix(c.Subject, UserSubjectPrefix)
	if c.Role != "" || isUserSubject {
		return t.verifyUser(c, userID, isUserSubject)
	}
	name, isAdminSubject := strings.CutPrefix(c.Subject, AdminSubjectPrefix)
	if !c.Admin {
		if isAdminSubject {
			return app.Principal{}, bad
		}
		return app.Principal{ClientID: c.Subject, TransactionID: c.TransactionID}, nil
	}
	if !isAdminSubject || strings.TrimSpace(name) == "" || c.TransactionID != "" || c.IssuedAt == nil ||
		c.ExpiresAt.Sub(c.IssuedAt.Time) > MaxAdminTTL {
		return app.Principal{}, bad
	}
	return app.Principal{Admin: true}, nil
}

// BearerToken returns the token of an "Authorization: Bearer …" header, or "".
func BearerToken(h string) string {
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// Authenticate returns r's principal: from the X-API-* headers when present,
// else from a bearer token. ok is false when r carries no credentials at
// all; err is set when it carries bad ones (errors.Is
// domain.ErrUnauthenticated, or ErrBodyTooLarge).
func Authenticate(ctx context.Context, r *http.Request, auth *app.Authenticator, tokens *Tokens) (p app.Principal, ok bool, err error) {
	p, n, ok, err := AuthenticateDeferred(ctx, r, auth, tokens)
	if err == nil {
		err = auth.ConsumeNonce(ctx, n)
	}
	if err != nil {
		p = app.Principal{}
	}
	return p, ok, err
}

// AuthenticateDeferred is Authenticate leaving a signed request's nonce
// pending (app.Authenticator.AuthenticateDeferred): the caller records it
// with the request's use case (app.WithPendingNonce) or on its own
// (ConsumeNonce, UseNonce). A bearer token's request has none: n.Used().
func AuthenticateDeferred(ctx context.Context, r *http.Request, auth *app.Authenticator, tokens *Tokens) (p app.Principal, n app.PendingNonce, ok bool, err error) {
	if HasSignature(r) {
		sr, err := Signed(r)
		if err != nil {
			return app.Principal{}, n, true, err
		}
		p, n, err := auth.AuthenticateDeferred(ctx, sr)
		return p, n, true, err
	}
	if tok := BearerToken(r.Header.Get("Authorization")); tok != "" && tokens != nil {
		p, err := tokens.Verify(tok)
		return p, n, true, err
	}
	return app.Principal{}, n, false, nil
}

// Secure reports whether r may be served outside sandbox mode: it came over
// TLS, or a trusted proxy says (X-Forwarded-Proto: https) that the client
// reached it over HTTPS. Both edges apply it (docs/merchant-api.md §1.1).
func Secure(r *http.Request, trusted []netip.Prefix) bool {
	return r.TLS != nil || HTTPSAtTrustedProxy(r, trusted)
}

// HTTPSAtTrustedProxy reports whether a trusted proxy says
// (X-Forwarded-Proto) that the client reached it over HTTPS.
func HTTPSAtTrustedProxy(r *http.Request, trusted []netip.Prefix) bool {
	return fromTrustedProxy(r, trusted) && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

func fromTrustedProxy(r *http.Request, trusted []netip.Prefix) bool {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	for _, p := range trusted {
		if p.Contains(ap.Addr().Unmap()) {
			return true
		}
	}
	return false
}

// ClientIP is the peer's address, or the nearest address a trusted proxy
// put in X-Forwarded-For.
func ClientIP(r *http.Request, trusted []netip.Prefix) string {
	ip := r.RemoteAddr
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		ip = ap.Addr().Unmap().String()
	}
	if fromTrustedProxy(r, trusted) {
		if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
			parts := strings.Split(xff, ",")
			ip = strings.TrimSpace(parts[len(parts)-1])
		}
	}
	return ip
}

// Dashboard users' access tokens (issue 12) live UserTTL; Verify refuses a
// user token living longer than MaxUserTTL.
const (
	UserTTL    = 15 * time.Minute
	MaxUserTTL = 20 * time.Minute
	// UserSubjectPrefix starts a user token's subject: "user:usr_…".
	UserSubjectPrefix = "user:"
)

// IssueUser signs a dashboard user's access token for pr (from
// app.UserPrincipal): subject "user:<id>", claims role, email and, for a
// merchant user, cid. It lives UserTTL.
func (t *Tokens) IssueUser(pr app.Principal) (string, time.Time, error) {
	if pr.UserID == "" || !pr.Role.Valid() || (pr.Role == domain.RoleMerchant) != (pr.ClientID != "") ||
		pr.Role.Operator() != pr.Admin || pr.TransactionID != "" {
		return "", time.Time{}, errors.New("httpauth: IssueUser needs a user principal")
	}
	return t.sign(claims{Role: string(pr.Role), Email: pr.Email, ClientID: pr.ClientID}, UserSubjectPrefix+pr.UserID, UserTTL)
}

// verifyUser completes Verify for a user token: algorithm, issuer,
// audience and expiry are checked already.
func (t *Tokens) verifyUser(c claims, userID string, isUserSubject bool) (app.Principal, error) {
	bad := fmt.Errorf("%w: invalid or expired token", domain.ErrUnauthenticated)
	role := domain.Role(c.Role)
	if !isUserSubject || userID == "" || !role.Valid() || c.Admin || c.TransactionID != "" || c.IssuedAt == nil ||
		c.ExpiresAt.Sub(c.IssuedAt.Time) > MaxUserTTL || (role == domain.RoleMerchant) != (c.ClientID != "") {
		return app.Principal{}, bad
	}
	return app.Principal{UserID: userID, Email: c.Email, Role: role, Admin: role.Operator(), ClientID: c.ClientID}, nil
}
