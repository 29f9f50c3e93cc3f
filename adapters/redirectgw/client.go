package redirectgw

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
	"strings"
	"time"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// Defaults applied by New to zero Config fields.
const (
	// DefaultTimeout limits one HTTP call when Config.Timeout is 0.
	DefaultTimeout = 30 * time.Second
	// DefaultReturnTTL is how long a signed return URL is accepted when
	// Config.ReturnTTL is 0.
	DefaultReturnTTL = time.Hour
	// MinReturnKeyLen is the shortest Config.ReturnKey accepted (bytes).
	MinReturnKeyLen = 32
)

// Paths of the gateway's API below Config.BaseURL, and of paycore's own
// return routes below Config.CallbackBaseURL (docs/gateways/redirectgw.md §3.3).
const (
	// CheckoutPath is the checkout API (docs/gateways/redirectgw.md §2.1).
	CheckoutPath = "/api/v1/checkout"
	// SuccessPath is paycore's route the gateway sends a paying customer to.
	SuccessPath = "/callbacks/redirectgw/success"
	// CancelPath is paycore's route the gateway sends a cancelling customer to.
	CancelPath = "/callbacks/redirectgw/cancel"
)

// EnvTrustSignedReturn is the environment variable paycore's configuration
// reads into Config.TrustSignedReturn ("true" turns it on).
const EnvTrustSignedReturn = "REDIRECTGW_TRUST_SIGNED_RETURN"

// maxBody caps what is read of one answer (bytes).
const maxBody = 1 << 20

// Config configures a Client. APIKey and ReturnKey are secrets: they are
// never logged nor put in errors.
type Config struct {
	// BaseURL is the gateway's base URL, without "/api/v1/checkout", e.g.
	// "https://pay.example.com" or the simulator's
	// "http://127.0.0.1:8080/sandbox/redirectgw". A trailing slash is dropped.
	BaseURL string
	// APIKey is sent as "Authorization: Bearer <APIKey>" on every call.
	APIKey string
	// ClientBaseURL is sent as client_base_url. It must equal, byte for
	// byte, the "Base URL" on the gateway's API Settings page, else the
	// gateway answers "Domain mismatch" (a *ConfigError). It is sent as
	// given: no slash is added or dropped.
	ClientBaseURL string
	// CallbackBaseURL is paycore's public URL (PAYCORE_BASE_URL), absolute;
	// success_url and cancel_url are built on it with SuccessPath and
	// CancelPath. A trailing slash is dropped.
	CallbackBaseURL string
	// ReturnKey is the HMAC-SHA256 key that signs the return URLs; at least
	// MinReturnKeyLen bytes, random, shared by every paycore node. Changing
	// it invalidates the return URLs of attempts in flight.
	ReturnKey []byte
	// ReturnTTL is how long after Create a return is accepted; 0 means
	// DefaultReturnTTL (1 h). It must outlast the gateway's payment page:
	// a genuine return that arrives later is refused (and logged).
	ReturnTTL time.Duration
	// VerifyURL is the full URL of the gateway's verify-payment endpoint
	// (POST {"transaction_id":…} → status, amount, currency, metadata), ""
	// if the gateway has none. The redirect gateway's document shows none
	// (docs/gateways/redirectgw.md §4.1): ask the vendor for one. Without it Confirm cannot prove a
	// payment (see TrustSignedReturn).
	VerifyURL string
	// TrustSignedReturn, when VerifyURL is "", makes Confirm take a return
	// with a valid signature and a transaction_id as a success. This is
	// weaker than verifying: the signature proves the browser came back
	// through a URL paycore gave the gateway for this attempt and amount,
	// not that money moved (docs/gateways/redirectgw.md §3.2, §3.3). Leave it off unless the operator
	// accepts that risk; paycore sets it from EnvTrustSignedReturn. It has
	// no effect when VerifyURL is set.
	TrustSignedReturn bool
	// MinAmount and MaxAmount bound one payment's amount, BDT: the gateway's
	// document states none, so they are the merchant's to set
	// (REDIRECTGW_MIN_AMOUNT, REDIRECTGW_MAX_AMOUNT; docs/gateways/redirectgw.md
	// §2.4). Zero means DefaultMinAmount, DefaultMaxAmount.
	MinAmount, MaxAmount domain.Money
	// Timeout limits each HTTP call; 0 means DefaultTimeout (30 s).
	Timeout time.Duration
	// HTTPClient sends the calls; nil means a client with Timeout. The
	// per-call Timeout is applied through the request context either way.
	HTTPClient *http.Client
	// Clock tells the time for return expiry; nil means ports.SystemClock{}.
	Clock ports.Clock
	// Logger receives refused returns, mismatches and no-answer paths; nil
	// discards. The API key and the return key are never logged.
	Logger *slog.Logger
	// Observe, if set, is called after every HTTP call, synchronously, from
	// the calling goroutine: keep it quick and safe for concurrent use.
	Observe func(Call)
}

// Call describes one HTTP call to the gateway, for Config.Observe.
type Call struct {
	// Op is OpCheckout or OpVerify.
	Op string
	// Duration is the wall time of the call.
	Duration time.Duration
	// HTTPStatus is the answer's HTTP status, 0 when none arrived.
	HTTPStatus int
	// Outcome is CallOK, CallRefused or CallNoAnswer.
	Outcome string
}

// Operations, in Call.Op and in error text.
const (
	OpCheckout = "checkout" // POST {BaseURL}/api/v1/checkout
	OpVerify   = "verify"   // POST {VerifyURL}
)

// Call outcomes.
const (
	// CallOK: a JSON answer that is not an error answer.
	CallOK = "ok"
	// CallRefused: the gateway answered no: {"status":"error",…} or HTTP 4xx.
	CallRefused = "refused"
	// CallNoAnswer: timeout, connection error, HTTP 5xx, or a body that is
	// not a JSON object.
	CallNoAnswer = "no_answer"
)

// Client is paycore's client for the redirect gateway. It is safe for
// concurrent use; build it with New.
type Client struct {
	cfg     Config
	base    string
	back    string // CallbackBaseURL without trailing slash
	ttl     time.Duration
	timeout time.Duration
	http    *http.Client
	clock   ports.Clock
	log     *slog.Logger
}

// Client is everything the core needs of the redirect gateway.
var (
	_ ports.PaymentGateway = (*Client)(nil)
	_ ports.ReturnVerifier = (*Client)(nil)
	_ ports.Resolver       = (*Client)(nil)
	_ ports.AmountLimits   = (*Client)(nil)
	_ ports.AbandonChecker = (*Client)(nil)
)

// New checks cfg and returns a Client. It does no I/O. It returns an error
// naming every missing or malformed field (never their values).
func New(cfg Config) (*Client, error) {
	var errs []error
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	cfg.CallbackBaseURL = strings.TrimRight(cfg.CallbackBaseURL, "/")
	if !absoluteHTTP(cfg.BaseURL) {
		errs = append(errs, errors.New("BaseURL must be an absolute http(s) URL"))
	}
	if cfg.APIKey == "" {
		errs = append(errs, errors.New("APIKey is required"))
	}
	if cfg.ClientBaseURL == "" {
		errs = append(errs, errors.New("ClientBaseURL is required"))
	}
	if !absoluteHTTP(cfg.CallbackBaseURL) {
		errs = append(errs, errors.New("CallbackBaseURL must be an absolute http(s) URL"))
	}
	if len(cfg.ReturnKey) < MinReturnKeyLen {
		errs = append(errs, fmt.Errorf("ReturnKey must be at least %d bytes", MinReturnKeyLen))
	}
	if cfg.VerifyURL != "" && !absoluteHTTP(cfg.VerifyURL) {
		errs = append(errs, errors.New("VerifyURL must be empty or an absolute http(s) URL"))
	}
	if cfg.ReturnTTL < 0 {
		errs = append(errs, errors.New("ReturnTTL must not be negative"))
	}
	if cfg.Timeout < 0 {
		errs = append(errs, errors.New("Timeout must not be negative")) //nolint:staticcheck // ST1005: names the Config field, as the other config errors do.
	}
	errs = append(errs, cfg.limits()...)
	if len(errs) > 0 {
		return nil, fmt.Errorf("redirectgw config: %w", errors.Join(errs...))
	}
	cfg.ReturnKey = bytes.Clone(cfg.ReturnKey)
	c := &Client{cfg: cfg, base: cfg.BaseURL, back: cfg.CallbackBaseURL, ttl: cfg.ReturnTTL,
		timeout: cfg.Timeout, http: cfg.HTTPClient, clock: cfg.Clock, log: cfg.Logger}
	if c.ttl == 0 {
		c.ttl = DefaultReturnTTL
	}
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
	c.log = c.log.With("gateway", string(domain.GatewayRedirectGW))
	return c, nil
}

func absoluteHTTP(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// Gateway returns domain.GatewayRedirectGW.
func (c *Client) Gateway() domain.Gateway { return domain.GatewayRedirectGW }

// HasVerify reports whether a verify endpoint is configured, i.e. whether
// Confirm can prove a payment rather than report an unverified claim.
func (c *Client) HasVerify() bool { return c.cfg.VerifyURL != "" }

// fields is a decoded JSON answer object, kept raw.
type fields map[string]json.RawMessage

// str returns key as text: a JSON string's value or a JSON number's literal;
// "" when absent, null or of another type.
func (f fields) str(key string) string {
	raw, ok := f[key]
	if !ok {
		return ""
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err == nil {
		return n.String()
	}
	return ""
}

// isErrorAnswer reports whether f is the document's error answer
// {"status":"error","message":…}. {"status":false,…} (UddoktaPay's verify
// error) counts too. A payment record whose status is "ERROR" is not an error
// answer: it carries an amount or a transaction_id.
func (f fields) isErrorAnswer() bool {
	raw := bytes.TrimSpace(f["status"])
	if bytes.Equal(raw, []byte("false")) {
		return true
	}
	_, hasAmount := f["amount"]
	_, hasTxn := f["transaction_id"]
	return strings.EqualFold(f.str("status"), "error") && !hasAmount && !hasTxn
}

// post sends one POST with a JSON body to rawURL and returns the JSON object
// the gateway answered with. Errors: a *callError (ErrNoAnswer) when there
// was no usable answer; a *ConfigError for the domain mismatch and for HTTP
// 401/403; a *ports.GatewayError for any other error answer or HTTP 4xx.
func (c *Client) post(ctx context.Context, op, rawURL string, body any) (fields, error) {
	var payload bytes.Buffer
	enc := json.NewEncoder(&payload)
	enc.SetEscapeHTML(false) // keep the "&" of success_url readable, as the document shows it
	if err := enc.Encode(body); err != nil {
		return nil, fmt.Errorf("redirectgw %s: encode body: %w", op, err)
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, rawURL, bytes.NewReader(bytes.TrimSpace(payload.Bytes())))
	if err != nil {
		return nil, fmt.Errorf("redirectgw %s: build request: %w", op, err)
	}
	req.Header.Set("Authorization", "Bearer "+c.cfg.APIKey)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")

	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		c.observe(op, time.Since(start), 0, CallNoAnswer)
		return nil, &callError{op: op, reason: c.transportReason(err), cause: err}
	}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	_ = resp.Body.Close()
	dur := time.Since(start)
	st := resp.StatusCode
	if err != nil {
		c.observe(op, dur, st, CallNoAnswer)
		return nil, &callError{op: op, status: st, reason: c.transportReason(err), cause: err}
	}
	if st >= 500 {
		c.observe(op, dur, st, CallNoAnswer)
		return nil, &callError{op: op, status: st, reason: "server error: " + snippet(c.scrub(string(raw)))}
	}
	var f fields
	if jerr := json.Unmarshal(raw, &f); jerr != nil || f == nil {
		if st == http.StatusUnauthorized || st == http.StatusForbidden {
			c.observe(op, dur, st, CallRefused)
			return nil, &ConfigError{Op: op, HTTPStatus: st, Code: CodeUnauthorized, Message: snippet(c.scrub(string(raw)))}
		}
		c.observe(op, dur, st, CallNoAnswer)
		return nil, &callError{op: op, status: st, reason: "body is not a JSON object: " + snippet(c.scrub(string(raw)))}
	}
	if f.isErrorAnswer() || st >= 400 {
		c.observe(op, dur, st, CallRefused)
		return nil, c.refusal(op, st, f)
	}
	c.observe(op, dur, st, CallOK)
	return f, nil
}

// refusal turns an error answer into a *ConfigError (domain mismatch, HTTP
// 401/403) or a *ports.GatewayError.
func (c *Client) refusal(op string, status int, f fields) error {
	msg := c.scrub(f.str("message"))
	switch {
	case strings.Contains(strings.ToLower(msg), "domain mismatch"):
		return &ConfigError{Op: op, HTTPStatus: status, Code: CodeDomainMismatch, Message: msg}
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return &ConfigError{Op: op, HTTPStatus: status, Code: CodeUnauthorized, Message: msg}
	}
	code := CodeGatewayError
	if status >= 400 {
		code = fmt.Sprintf("HTTP%d", status)
	}
	return &ports.GatewayError{Gateway: domain.GatewayRedirectGW, Code: code, Message: msg}
}

// transportReason describes a transport error without secrets.
func (c *Client) transportReason(err error) string {
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return "timeout"
	}
	if errors.Is(err, context.Canceled) {
		return "canceled"
	}
	return c.scrub(err.Error())
}

func (c *Client) observe(op string, d time.Duration, status int, outcome string) {
	if c.cfg.Observe != nil {
		c.cfg.Observe(Call{Op: op, Duration: d, HTTPStatus: status, Outcome: outcome})
	}
}

// scrub removes the API key from text taken from an answer or an error.
func (c *Client) scrub(s string) string {
	if c.cfg.APIKey != "" {
		s = strings.ReplaceAll(s, c.cfg.APIKey, "[redacted]")
	}
	return s
}

// snippet is the start of an already scrubbed body, for error text.
func snippet(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 160 {
		s = strings.ToValidUTF8(s[:160], "") + "…"
	}
	return s
}
