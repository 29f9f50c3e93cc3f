package bkash

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"
)

// Token lifetimes and margins (docs/gateways/bkash.md §2.1–§2.3, docs/gateways/bkash.md §4.2).
const (
	// IDTokenLifetime is an id_token's life when bKash's expires_in is
	// missing: 3600 s.
	IDTokenLifetime = 3600 * time.Second
	// RefreshTokenLifetime is a refresh_token's life from the first grant:
	// 28 days. Refreshing does not extend it (docs/gateways/bkash.md §2.3).
	RefreshTokenLifetime = 28 * 24 * time.Hour
	// RenewBefore: an id_token with this little life left is not used but
	// renewed, i.e. at the 55th minute of a 3600 s token (docs/gateways/bkash.md §2.2).
	RenewBefore = 5 * time.Minute
	// RefreshMargin: a refresh_token with this little life left is not used;
	// a new pair is granted instead (docs/gateways/bkash.md §2.3).
	RefreshMargin = 10 * time.Minute
	// RegrantCooldown: after a 401 a Client re-grants at most once per this
	// long (bKash blocks merchants that grant too often, docs/gateways/bkash.md §4.3): a wrong
	// app key cannot turn every call into a grant. A token refused within it
	// fails the call with ErrUnauthorized instead. The cooldown is the
	// client's own, not the token's age: a token granted moments ago by
	// another node, or to a bKash sandbox that has since forgotten it, is
	// still replaced.
	RegrantCooldown = time.Minute
	// TokenBackoffBase is how long token calls stop after the first failed
	// grant or refresh; each further failure in a row doubles it, up to
	// TokenBackoffMax. bKash blocks merchants that call the token APIs more
	// than about twice an hour (docs/gateways/bkash.md §4.3): an outage costs
	// at most 4 token calls in its first hour (at 0, 5, 15 and 35 minutes),
	// then one an hour, whatever the number of payments and nodes.
	TokenBackoffBase = 5 * time.Minute
	// TokenBackoffMax caps the pause between token calls while they fail.
	TokenBackoffMax = time.Hour
)

// tokenBackoff is the pause after failures failed token calls in a row.
func tokenBackoff(failures int) time.Duration {
	if failures < 1 {
		return 0
	}
	d := TokenBackoffBase << min(failures-1, 10)
	return min(d, TokenBackoffMax)
}

// Token is the one id_token that every call and every customer uses
// (docs/gateways/bkash.md §2.1), with the refresh_token that renews it. Its String, GoString and
// LogValue hide both tokens.
type Token struct {
	IDToken      string
	RefreshToken string
	// IDTokenExpiresAt is when the id_token expires: the time the grant or
	// refresh was sent plus expires_in (3600 s).
	IDTokenExpiresAt time.Time
	// RefreshTokenExpiresAt is the FIRST grant's time + 28 days; refreshes
	// keep it (docs/gateways/bkash.md §2.3).
	RefreshTokenExpiresAt time.Time

	// The shared token-call backoff (docs/gateways/bkash.md §4.3), stored
	// with the token so that every node obeys it. Failures counts grants or
	// refreshes that failed in a row (0 after a success); no token call is
	// made before BackoffUntil; LastError says why the last one failed
	// (scrubbed of secrets).
	Failures     int       `json:",omitempty"`
	BackoffUntil time.Time `json:",omitzero"`
	LastError    string    `json:",omitempty"`
}

// String describes t without its tokens.
func (t Token) String() string {
	return fmt.Sprintf("bkash.Token{IDToken:%s RefreshToken:%s IDTokenExpiresAt:%s RefreshTokenExpiresAt:%s Failures:%d BackoffUntil:%s}",
		hide(t.IDToken), hide(t.RefreshToken), t.IDTokenExpiresAt.Format(time.RFC3339), t.RefreshTokenExpiresAt.Format(time.RFC3339),
		t.Failures, t.BackoffUntil.Format(time.RFC3339))
}

// GoString is String, so that %#v hides the tokens too.
func (t Token) GoString() string { return t.String() }

// LogValue hides the tokens from slog.
func (t Token) LogValue() slog.Value {
	return slog.GroupValue(slog.Time("id_token_expires_at", t.IDTokenExpiresAt),
		slog.Time("refresh_token_expires_at", t.RefreshTokenExpiresAt))
}

func hide(s string) string {
	if s == "" {
		return `""`
	}
	return redacted
}

// flightGroup runs one token renewal per key at a time in this process;
// concurrent callers wait for its result (many goroutines → one HTTP call).
type flightGroup struct {
	mu sync.Mutex
	m  map[string]*flight
}

type flight struct {
	done chan struct{}
	tok  Token
	err  error
}

// do runs fn once for all concurrent callers with the same key. fn runs in
// its own goroutine with a context that is not canceled with the first
// caller's but ends after timeout, so one impatient caller does not fail
// the others; each caller stops waiting when its own ctx ends.
func (g *flightGroup) do(ctx context.Context, key string, timeout time.Duration, fn func(context.Context) (Token, error)) (Token, error) {
	g.mu.Lock()
	if g.m == nil {
		g.m = map[string]*flight{}
	}
	f, ok := g.m[key]
	if !ok {
		f = &flight{done: make(chan struct{})}
		g.m[key] = f
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
		go func() {
			defer cancel()
			f.tok, f.err = fn(fctx)
			g.mu.Lock()
			delete(g.m, key)
			g.mu.Unlock()
			close(f.done)
		}()
	}
	g.mu.Unlock()
	select {
	case <-f.done:
		return f.tok, f.err
	case <-ctx.Done():
		return Token{}, ctx.Err()
	}
}

// usable reports whether t's id_token has more than RenewBefore left.
func (c *Client) usable(t Token) bool {
	return t.IDToken != "" && t.IDTokenExpiresAt.Sub(c.clock.Now()) > RenewBefore
}

// flightTimeout bounds one renewal: waiting for the shared lock, a refresh
// and a grant.
func (c *Client) flightTimeout() time.Duration { return 3 * c.timeout }

// idToken returns an id_token with more than RenewBefore left (docs/gateways/bkash.md §2.1, §2.2).
// Fast path: the stored one. Else one renewal per process, under the
// store's lock. While token calls back off (a grant or refresh failed,
// docs/gateways/bkash.md §4.3) it makes no token call and fails at once
// with ErrTokenBackoff.
func (c *Client) idToken(ctx context.Context) (Token, error) {
	if tok, ok := c.cachedToken(); ok {
		return tok, nil
	}
	tok, found, err := c.tokens.Load(ctx)
	if err != nil {
		return Token{}, fmt.Errorf("load token: %w", err)
	}
	if !found || !c.usable(tok) {
		if found && c.backingOff(tok) {
			return Token{}, c.backoffError(tok)
		}
		tok, err = c.flights.do(ctx, "renew", c.flightTimeout(), func(ctx context.Context) (Token, error) {
			return c.sharedTokenCall(ctx, "", func(cur Token, found bool) (Token, bool) {
				return cur, found && c.usable(cur) // another node renewed it meanwhile
			}, func(ctx context.Context, cur Token, found bool) (Token, error) {
				return c.renew(ctx, cur, found)
			})
		})
		switch {
		case errors.Is(err, ErrTokenBackoff):
			return Token{}, c.backoffError(tok)
		case err != nil:
			return Token{}, fmt.Errorf("renew token: %w", err)
		}
	}
	c.remember(tok)
	c.keep(tok)
	return tok, nil
}

// cachedToken is a token read from the store at most Config.TokenCacheTTL
// ago, while it is usable.
type cachedToken struct {
	tok Token
	at  time.Time // when it was read or stored, on c.clock
}

// cachedToken returns the cached token if it is younger than
// Config.TokenCacheTTL and usable.
func (c *Client) cachedToken() (Token, bool) {
	ct := c.cached.Load()
	if ct == nil || c.cfg.TokenCacheTTL <= 0 || c.clock.Now().Sub(ct.at) >= c.cfg.TokenCacheTTL || !c.usable(ct.tok) {
		return Token{}, false
	}
	return ct.tok, true
}

// keep caches tok, read from or stored in the TokenStore just now (with
// Config.TokenCacheTTL).
func (c *Client) keep(tok Token) {
	if c.cfg.TokenCacheTTL > 0 {
		c.cached.Store(&cachedToken{tok: tok, at: c.clock.Now()})
	}
}

// errNotCalled marks a renewal refused before any token call; it adds no
// text to the error it is wrapped in.
var errNotCalled = errors.New("")

// setDegraded sets bkash_token_degraded.
func (c *Client) setDegraded(on bool) {
	if c.metrics == nil {
		return
	}
	v := 0.0
	if on {
		v = 1
	}
	c.metrics.degraded.Set(v)
}

// backingOff reports whether t's shared backoff forbids token calls now.
func (c *Client) backingOff(t Token) bool { return t.BackoffUntil.After(c.clock.Now()) }

// backoffError is idToken's answer while token calls back off and the
// stored id_token is not usable: fail at once, no token call.
func (c *Client) backoffError(t Token) error {
	if c.metrics != nil {
		c.metrics.backoffRefusals.Inc()
	}
	return &backoffError{failures: t.Failures, until: t.BackoffUntil, last: t.LastError}
}

// sharedTokenCall runs one token call under the store's lock, shared by
// every node: keep(cur) may return a stored token without a call (another
// node renewed it); a backoff stored by any node stops the call
// (ErrTokenBackoff); a failed call stores the next backoff with the token,
// a successful one clears it. bad, if not "", is an id_token bKash refused
// (401): when the call fails it is stored as expired, so it is not sent
// again. It returns the stored token with the call's error, if any.
func (c *Client) sharedTokenCall(ctx context.Context, bad string, keep func(cur Token, found bool) (Token, bool),
	call func(ctx context.Context, cur Token, found bool) (Token, error)) (Token, error) {
	var callErr error
	tok, err := c.tokens.Update(ctx, func(ctx context.Context, cur Token, found bool) (Token, error) {
		callErr = nil
		if t, ok := keep(cur, found); ok {
			return t, nil
		}
		if found && c.backingOff(cur) {
			callErr = ErrTokenBackoff
			return cur, nil
		}
		fresh, err := call(ctx, cur, found)
		if err == nil {
			c.setDegraded(false)
			return fresh, nil // a new Token: no failures, no backoff
		}
		if errors.Is(err, errNotCalled) || ctx.Err() != nil {
			// No token call was made, or our own deadline ended it: not
			// bKash's failure, store nothing.
			return Token{}, err
		}
		callErr = err
		now := c.clock.Now()
		if bad != "" && cur.IDToken == bad {
			cur.IDTokenExpiresAt = now
		}
		cur.Failures++
		cur.BackoffUntil = now.Add(tokenBackoff(cur.Failures))
		cur.LastError = c.scrub(err.Error())
		c.setDegraded(true)
		if c.metrics != nil {
			c.metrics.tokenFailures.Inc()
		}
		c.log.ErrorContext(ctx, "bkash token call failed: no token calls until the backoff ends; payments needing a new token fail meanwhile (docs/gateways/bkash.md §4.3)",
			"failures_in_a_row", cur.Failures, "backoff_until", cur.BackoffUntil, "error", cur.LastError)
		return cur, nil
	})
	if err != nil {
		return Token{}, err
	}
	return tok, callErr
}

// forceGrant replaces the stored token after bad got HTTP 401, unless the
// store already holds another one (a node or goroutine replaced it). It
// obeys and feeds the shared backoff like any renewal.
func (c *Client) forceGrant(ctx context.Context, bad string) (Token, error) {
	tok, err := c.flights.do(ctx, "regrant\x00"+bad, c.flightTimeout(), func(ctx context.Context) (Token, error) {
		return c.sharedTokenCall(ctx, bad, func(cur Token, found bool) (Token, bool) {
			return cur, found && cur.IDToken != bad && c.usable(cur)
		}, func(ctx context.Context, cur Token, found bool) (Token, error) {
			switch {
			case found && cur.IDToken != bad:
				return c.renew(ctx, cur, found)
			case c.clock.Now().UnixNano()-c.lastForced.Load() < int64(RegrantCooldown):
				return Token{}, fmt.Errorf("%w: a token re-granted less than %s ago was refused too; not granting again (check the app key and credentials)%w",
					ErrUnauthorized, RegrantCooldown, errNotCalled)
			}
			c.lastForced.Store(c.clock.Now().UnixNano())
			return c.grant(ctx)
		})
	})
	if err != nil {
		return Token{}, fmt.Errorf("re-grant token: %w", err)
	}
	c.remember(tok)
	c.keep(tok)
	return tok, nil
}

// renew replaces an unusable token: a refresh while the refresh_token has
// more than RefreshMargin of its 28 days left, else (or when bKash refuses
// the refresh) a grant. It runs under the store's lock.
func (c *Client) renew(ctx context.Context, cur Token, found bool) (Token, error) {
	if found && cur.RefreshToken != "" && cur.RefreshTokenExpiresAt.Sub(c.clock.Now()) > RefreshMargin {
		tok, err := c.refreshToken(ctx, cur)
		if err == nil {
			return tok, nil
		}
		if !refused(err) {
			return Token{}, err // not heard: granting on top would only spend the grant budget
		}
		c.log.WarnContext(ctx, "bkash refused the token refresh; granting a new token", "error", err.Error())
	}
	return c.grant(ctx)
}

// tokenHeaders are the token calls' headers: literally lower-case
// "username" and "password" (docs/gateways/bkash.md §3.3).
func (c *Client) tokenHeaders() http.Header {
	return http.Header{"username": {c.cfg.Username}, "password": {c.cfg.Password}}
}

// grant calls /token/grant (docs/gateways/bkash.md §2.3: a new pair, 28 days from now).
func (c *Client) grant(ctx context.Context) (Token, error) {
	sent := c.clock.Now()
	a, err := c.post(ctx, opGrant, "/token/grant", c.tokenHeaders(),
		map[string]string{"app_key": c.cfg.AppKey, "app_secret": c.cfg.AppSecret})
	if err != nil {
		return Token{}, err
	}
	tr, err := c.tokenAnswer(a)
	if err != nil {
		return Token{}, fmt.Errorf("bkash grant: %w", err)
	}
	tok := Token{
		IDToken: tr.IDToken, RefreshToken: tr.RefreshToken,
		IDTokenExpiresAt:      sent.Add(tr.lifetime()),
		RefreshTokenExpiresAt: sent.Add(RefreshTokenLifetime),
	}
	c.remember(tok)
	c.grants.Add(1)
	if c.metrics != nil {
		c.metrics.grants.Inc()
	}
	c.log.InfoContext(ctx, "bkash token granted", "token", tok)
	return tok, nil
}

// refreshToken calls /token/refresh with cur's refresh_token (docs/gateways/bkash.md §2.2). The
// refresh_token's expiry stays the first grant's (docs/gateways/bkash.md §2.3).
func (c *Client) refreshToken(ctx context.Context, cur Token) (Token, error) {
	sent := c.clock.Now()
	a, err := c.post(ctx, opRefresh, "/token/refresh", c.tokenHeaders(),
		map[string]string{"app_key": c.cfg.AppKey, "app_secret": c.cfg.AppSecret, "refresh_token": cur.RefreshToken},
		cur.RefreshToken, cur.IDToken)
	if err != nil {
		return Token{}, err
	}
	tr, err := c.tokenAnswer(a)
	if err != nil {
		return Token{}, fmt.Errorf("bkash refresh: %w", err)
	}
	tok := Token{
		IDToken: tr.IDToken, RefreshToken: tr.RefreshToken,
		IDTokenExpiresAt:      sent.Add(tr.lifetime()),
		RefreshTokenExpiresAt: cur.RefreshTokenExpiresAt,
	}
	if tok.RefreshToken == "" {
		tok.RefreshToken = cur.RefreshToken
	}
	c.remember(tok)
	c.refresh.Add(1)
	if c.metrics != nil {
		c.metrics.refreshes.Inc()
	}
	c.log.InfoContext(ctx, "bkash token refreshed", "token", tok)
	return tok, nil
}

// tokenAnswer decodes a grant or refresh answer; a refusal is a
// *ports.GatewayError.
func (c *Client) tokenAnswer(a *answer) (TokenResponse, error) {
	var tr TokenResponse
	if err := tr.decode(a.fields); err != nil {
		return TokenResponse{}, err
	}
	if code := a.statusCode(); a.status >= 400 || (code != "" && code != codeOK) || tr.IDToken == "" {
		ge := c.gatewayError(a)
		if ge.Code == codeOK {
			ge.Code, ge.Message = "NO_TOKEN", "answer holds no id_token"
		}
		return TokenResponse{}, ge
	}
	return tr, nil
}

// remember keeps the latest token so scrub can hide it.
func (c *Client) remember(t Token) {
	if p := c.last.Load(); p == nil || p.IDToken != t.IDToken || p.RefreshToken != t.RefreshToken {
		c.last.Store(&t)
	}
}

// TokenHealth is the shared token's state (docs/gateways/bkash.md §4.3),
// for readiness checks and operators.
type TokenHealth struct {
	// Degraded: the last grant or refresh failed (on any node); token calls
	// back off and calls needing a new id_token fail until one succeeds.
	Degraded bool
	// Failures counts token calls that failed in a row.
	Failures int
	// BackoffUntil: no token call before this time.
	BackoffUntil time.Time
	// LastError says why the last token call failed (no secrets).
	LastError string
}

// TokenHealth reads the shared token's state from the TokenStore (all
// nodes write it) and updates bkash_token_degraded to match.
func (c *Client) TokenHealth(ctx context.Context) (TokenHealth, error) {
	tok, _, err := c.tokens.Load(ctx)
	if err != nil {
		return TokenHealth{}, fmt.Errorf("bkash token health: %w", err)
	}
	h := TokenHealth{Degraded: tok.Failures > 0, Failures: tok.Failures, BackoffUntil: tok.BackoffUntil, LastError: tok.LastError}
	c.setDegraded(h.Degraded)
	return h, nil
}
