package bkash

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// DefaultTimeout is the time limit of one HTTP call when Config.Timeout is 0:
// 30 seconds on every API (docs/gateways/bkash.md §2.9).
const DefaultTimeout = 30 * time.Second

// maxBody caps what is read of one answer (bytes).
const maxBody = 1 << 20

// Config configures a Client. Username, Password, AppKey and AppSecret are
// the merchant's bKash credentials (or the simulator's); they are never
// logged nor put in errors.
type Config struct {
	// BaseURL is up to and including ".../v1.2.0-beta/tokenized/checkout",
	// e.g. the sandbox https://tokenized.sandbox.bka.sh/v1.2.0-beta/tokenized/checkout
	// (docs/gateways/bkash.md §3.2). A trailing slash is dropped.
	BaseURL string
	// Username and Password go in the lower-case "username" and "password"
	// headers of the token calls (docs/gateways/bkash.md §3.3).
	Username, Password string
	// AppKey goes in X-APP-Key and in the token bodies; AppSecret in the
	// token bodies only.
	AppKey, AppSecret string
	// CallbackURL is paycore's GET /callbacks/bkash, absolute; bKash sends the
	// customer back there (docs/gateways/bkash.md §6).
	CallbackURL string
	// MaxAmount is the largest amount of one payment, BDT. bKash publishes
	// no per-transaction maximum for payments (its limits page says "not
	// applicable"), so it is the merchant's contract's; zero means
	// DefaultMaxAmount. The minimum is bKash's own, MinAmount
	// (docs/gateways/bkash.md §5.3).
	MaxAmount domain.Money
	// Timeout limits each HTTP call, token calls included; 0 means
	// DefaultTimeout (30 s, docs/gateways/bkash.md §2.9).
	Timeout time.Duration
	// HTTPClient sends the calls; nil means a client with Timeout. The
	// per-call Timeout is applied through the request context either way.
	HTTPClient *http.Client
	// Clock tells the time for token expiry; nil means ports.SystemClock{}.
	Clock ports.Clock
	// Logger receives grants, refreshes, no-answer paths and money
	// mismatches; nil discards. Tokens, secrets and passwords are never
	// logged.
	Logger *slog.Logger
	// Observe, if set, is called after every HTTP call (token calls too),
	// synchronously, from the calling goroutine: keep it quick and safe for
	// concurrent use. paycore feeds gateway health stats with it.
	Observe func(Call)
	// Metrics, if set, receives the counters bkash_token_grants_total,
	// bkash_token_refreshes_total and bkash_calls_total{op,result}. Several
	// clients may share one registerer: they then share the counters.
	Metrics prometheus.Registerer
	// TokenCacheTTL is how long a client reuses the id_token it last read
	// from or stored in its TokenStore before reading the store again; 0
	// reads the store before every call. A cached token is used only while
	// it has more than RenewBefore left, a 401 drops it at once, and a
	// token another node renewed is seen within TokenCacheTTL (the old one
	// stays valid until its own expiry: docs/gateways/bkash.md §2.2). Must
	// not be negative.
	TokenCacheTTL time.Duration
}

// Call describes one HTTP call to bKash, for Config.Observe.
type Call struct {
	// Op is the operation: "grant", "refresh", "create", "execute",
	// "query", "search", "refund" or "refund_status".
	Op string
	// Duration is the wall time of the call.
	Duration time.Duration
	// HTTPStatus is the answer's HTTP status, 0 when none arrived.
	HTTPStatus int
	// Outcome is CallOK, CallRefused or CallNoAnswer.
	Outcome string
}

// Call outcomes.
const (
	// CallOK: a JSON answer with statusCode "0000" (or a refund record
	// without statusCode).
	CallOK = "ok"
	// CallRefused: bKash answered no: a statusCode other than "0000", or
	// HTTP 4xx (401 Unauthorized, 403 Forbidden).
	CallRefused = "refused"
	// CallNoAnswer: timeout, connection error, HTTP 5xx, or a 2xx body that
	// is not JSON or holds only "message".
	CallNoAnswer = "no_answer"
)

// Operation names, used in Call.Op and in the op label of bkash_calls_total.
const (
	opGrant        = "grant"
	opRefresh      = "refresh"
	opCreate       = "create"
	opExecute      = "execute"
	opQuery        = "query"
	opSearch       = "search"
	opRefund       = "refund"
	opRefundStatus = "refund_status"
)

// Client talks to bKash Tokenized Checkout v1.2.0-beta (URL mode 0011). It
// is safe for concurrent use; build it with New.
type Client struct {
	cfg     Config
	base    string
	timeout time.Duration
	http    *http.Client
	clock   ports.Clock
	log     *slog.Logger
	tokens  TokenStore
	flights flightGroup
	last    atomic.Pointer[Token] // latest token seen, to scrub it from text
	grants  atomic.Int64
	refresh atomic.Int64
	metrics *metrics
	// lastForced is when this client last re-granted after a 401 (unix
	// nanoseconds on its clock), for RegrantCooldown.
	lastForced atomic.Int64
	// cached is the token last read or stored, for Config.TokenCacheTTL.
	cached atomic.Pointer[cachedToken]
}

var _ ports.PaymentGateway = (*Client)(nil)

// New checks cfg and returns a Client that keeps its id_token in tokens. It
// does no I/O: the first call grants the token. It returns an error naming
// every missing or malformed field (never their values); it panics when
// tokens is nil, a wiring bug.
func New(cfg Config, tokens TokenStore) (*Client, error) {
	if tokens == nil {
		panic("bkash: New: nil TokenStore")
	}
	var errs []error
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if !absoluteHTTP(cfg.BaseURL) {
		errs = append(errs, errors.New("BaseURL must be an absolute http(s) URL"))
	}
	if !absoluteHTTP(cfg.CallbackURL) {
		errs = append(errs, errors.New("CallbackURL must be an absolute http(s) URL"))
	}
	for _, f := range []struct{ name, v string }{
		{"Username", cfg.Username}, {"Password", cfg.Password},
		{"AppKey", cfg.AppKey}, {"AppSecret", cfg.AppSecret},
	} {
		if f.v == "" {
			errs = append(errs, fmt.Errorf("%s is required", f.name))
		}
	}
	if cfg.TokenCacheTTL < 0 {
		errs = append(errs, errors.New("TokenCacheTTL must not be negative")) //nolint:staticcheck // ST1005: names the Config field, as the other config errors do.
	}
	if cfg.Timeout < 0 {
		errs = append(errs, errors.New("Timeout must not be negative")) //nolint:staticcheck // ST1005: names the Config field, as the other config errors do.
	}
	if cfg.MaxAmount.IsZero() {
		cfg.MaxAmount = DefaultMaxAmount
	}
	if cfg.MaxAmount.Currency() != domain.BDT || cfg.MaxAmount.Minor() < MinAmount.Minor() {
		errs = append(errs, fmt.Errorf("MaxAmount must be BDT and at least %s", MinAmount))
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("bkash config: %w", errors.Join(errs...))
	}
	c := &Client{cfg: cfg, base: cfg.BaseURL, timeout: cfg.Timeout, http: cfg.HTTPClient,
		clock: cfg.Clock, log: cfg.Logger, tokens: tokens}
	if c.timeout == 0 {
		c.timeout = DefaultTimeout
	}
	if c.http == nil {
		c.http = &http.Client{Timeout: c.timeout}
	}
	if c.clock == nil {
		c.clock = ports.SystemClock{}
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	c.log = c.log.With("gateway", "bkash")
	if cfg.Metrics != nil {
		m, err := newMetrics(cfg.Metrics)
		if err != nil {
			return nil, fmt.Errorf("bkash metrics: %w", err)
		}
		c.metrics = m
	}
	return c, nil
}

func absoluteHTTP(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// Gateway returns domain.GatewayBkash.
func (c *Client) Gateway() domain.Gateway { return domain.GatewayBkash }

// TokenStats returns how many grants and refreshes this Client obtained
// (successful token calls; attempts are in bkash_calls_total). Rules 1–3
// expect a handful per hour at most across all nodes.
func (c *Client) TokenStats() (grants, refreshes int64) {
	return c.grants.Load(), c.refresh.Load()
}

// answer is a JSON object bKash answered with.
type answer struct {
	status int
	fields fields
}

// statusCode returns the answer's statusCode, else its errorCode (bKash's
// other error shape, {"errorCode","errorMessage"}: an answer, a refusal,
// docs/gateways/bkash.md §10.3), "" when it has neither.
func (a *answer) statusCode() string { return a.fields.str("statusCode", "errorCode") }

// post sends one POST with a JSON body and returns the JSON object bKash
// answered, or a *callError (ErrNoAnswer) when there was none. secrets are
// scrubbed from any text put in the error.
func (c *Client) post(ctx context.Context, op, path string, hdr http.Header, body any, secrets ...string) (*answer, error) {
	payload, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("bkash %s: encode body: %w", op, err)
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	target := c.base + path
	if strings.HasPrefix(path, "https://") || strings.HasPrefix(path, "http://") {
		target = path // another API version's URL (refund_v2.go)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(payload))
	if err != nil {
		return nil, fmt.Errorf("bkash %s: build request: %w", op, err)
	}
	req.Header = hdr
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")

	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		c.observe(op, time.Since(start), 0, CallNoAnswer)
		return nil, &callError{op: op, reason: c.transportReason(err, secrets), cause: err}
	}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	_ = resp.Body.Close()
	dur := time.Since(start)
	if err != nil {
		c.observe(op, dur, resp.StatusCode, CallNoAnswer)
		return nil, &callError{op: op, status: resp.StatusCode, reason: c.transportReason(err, secrets), cause: err}
	}
	noAnswer := func(outcome, reason string) (*answer, error) {
		c.observe(op, dur, resp.StatusCode, outcome)
		return nil, &callError{op: op, status: resp.StatusCode, reason: reason}
	}
	if resp.StatusCode == http.StatusUnauthorized { // expired or revoked id_token (docs/gateways/bkash.md §10.2)
		return noAnswer(CallRefused, "unauthorized: "+snippet(c.scrub(string(raw), secrets...)))
	}
	if resp.StatusCode >= 500 {
		return noAnswer(CallNoAnswer, "server error: "+snippet(c.scrub(string(raw), secrets...)))
	}
	f, err := lenientFields(raw)
	if err != nil {
		return noAnswer(CallNoAnswer, "body is not a JSON object: "+snippet(c.scrub(string(raw), secrets...)))
	}
	if f.messageOnly() {
		outcome := CallNoAnswer
		if resp.StatusCode >= 400 {
			outcome = CallRefused
		}
		return noAnswer(outcome, "message "+strconv.Quote(c.scrub(f.str("message", "Message"), secrets...)))
	}
	a := &answer{status: resp.StatusCode, fields: f}
	switch code := a.statusCode(); {
	case resp.StatusCode >= 400, code != "" && code != codeOK:
		c.observe(op, dur, resp.StatusCode, CallRefused)
	default:
		c.observe(op, dur, resp.StatusCode, CallOK)
	}
	return a, nil
}

// transportReason describes a transport error without secrets.
func (c *Client) transportReason(err error, secrets []string) string {
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return "timeout"
	}
	if errors.Is(err, context.Canceled) {
		return "canceled"
	}
	return c.scrub(err.Error(), secrets...)
}

func (c *Client) observe(op string, d time.Duration, status int, outcome string) {
	if c.metrics != nil {
		c.metrics.calls.WithLabelValues(op, outcome).Inc()
	}
	if c.cfg.Observe != nil {
		c.cfg.Observe(Call{Op: op, Duration: d, HTTPStatus: status, Outcome: outcome})
	}
}

// snippet is the start of an already scrubbed body, for error text.
func snippet(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 160 {
		s = strings.ToValidUTF8(s[:160], "") + "…"
	}
	return s
}

// apiHeaders are the headers of every call but the token calls (docs/gateways/bkash.md §3.3):
// the raw id_token, without "Bearer", and the app key.
func (c *Client) apiHeaders(idToken string) http.Header {
	h := http.Header{}
	h.Set("Authorization", idToken)
	h["X-APP-Key"] = []string{c.cfg.AppKey}
	return h
}

// api sends one API call with the shared id_token (docs/gateways/bkash.md §2.1, §2.8). On HTTP 401 it
// has the token replaced once (forceGrant) and, if retry is set (query,
// search, refund status: calls that change nothing), sends the call once
// more with the new token. Create, execute and refund are never sent twice.
func (c *Client) api(ctx context.Context, op, path string, body any, retry bool) (*answer, error) {
	tok, err := c.idToken(ctx)
	if err != nil {
		return nil, &tokenError{op: op, err: err}
	}
	a, err := c.post(ctx, op, path, c.apiHeaders(tok.IDToken), body, tok.IDToken)
	if !errors.Is(err, ErrUnauthorized) {
		return a, err
	}
	c.log.WarnContext(ctx, "bkash answered 401 Unauthorized; replacing the shared id_token", "op", op)
	c.cached.Store(nil) // never send the refused token again from the cache
	fresh, gerr := c.forceGrant(ctx, tok.IDToken)
	if gerr != nil {
		c.log.ErrorContext(ctx, "bkash token re-grant after 401 failed", "op", op, "error", gerr.Error())
		return nil, err
	}
	if !retry {
		return nil, err
	}
	return c.post(ctx, op, path, c.apiHeaders(fresh.IDToken), body, fresh.IDToken)
}

// gatewayError is bKash's refusal of a call as a *ports.GatewayError.
func (c *Client) gatewayError(a *answer) *ports.GatewayError {
	msg := c.scrub(a.fields.str("statusMessage", "message", "errorMessageEn", "errorMessage"))
	code := a.statusCode()
	if code == "" {
		code = fmt.Sprintf("HTTP%d", a.status)
	}
	return &ports.GatewayError{Gateway: domain.GatewayBkash, Code: code, Message: msg}
}
