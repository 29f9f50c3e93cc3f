package nagad

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// DefaultTimeout is the time limit of one HTTP call when Config.Timeout is 0
// (docs/gateways/nagad.md §11.2: sources use 10–30 s).
const DefaultTimeout = 30 * time.Second

// APIVersion is sent as X-KM-Api-Version (docs/gateways/nagad.md §3). v-3.0.1 would add a
// sender fee, which paycore does not use.
const APIVersion = "v-0.2.0"

// Client types accepted as X-KM-Client-Type (docs/gateways/nagad.md §3).
const (
	ClientTypePCWeb         = "PC_WEB"
	ClientTypeMobileWeb     = "MOBILE_WEB"
	ClientTypeMobileApp     = "MOBILE_APP"
	ClientTypeWalletWebView = "WALLET_WEB_VIEW"
	ClientTypeBillKey       = "BILL_KEY"
)

// DefaultClientIP is sent as X-KM-IP-V4 when Config.ClientIP is empty. In
// production set the server's whitelisted public IPv4 instead (docs/gateways/nagad.md §11.4).
const DefaultClientIP = "127.0.0.1"

// CurrencyBDT is Nagad's currencyCode for taka (docs/gateways/nagad.md §6.1, §10.4).
const CurrencyBDT = "050"

// MaxServiceName is the longest Config.ServiceName Nagad shows, in
// characters (docs/gateways/nagad.md §6.2).
const MaxServiceName = 25

// maxBody caps what is read of one answer (bytes).
const maxBody = 1 << 20

// Operations, used in Call.Op and Error.Op.
const (
	OpInitialize = "initialize" // POST /check-out/initialize/{merchantId}/{orderId}
	OpComplete   = "complete"   // POST /check-out/complete/{paymentReferenceId}
	OpVerify     = "verify"     // GET /verify/payment/{paymentRefId}
	OpRefund     = "refund"     // POST /purchase/cancel
)

// Call outcomes, in Call.Outcome.
const (
	// CallOK: a usable JSON answer.
	CallOK = "ok"
	// CallRefused: Nagad said no: a {reason, message} body, an HTTP 4xx, or
	// the firewall's "Request Rejected" page.
	CallRefused = "refused"
	// CallNoAnswer: timeout, connection error, HTTP 5xx without a reason,
	// or a body that is neither JSON nor the firewall's page.
	CallNoAnswer = "no_answer"
)

// Call describes one HTTP call to Nagad, for Config.Observe.
type Call struct {
	// Op is OpInitialize, OpComplete, OpVerify or OpRefund.
	Op string
	// Duration is the wall time of the call.
	Duration time.Duration
	// HTTPStatus is the answer's HTTP status, 0 when none arrived.
	HTTPStatus int
	// Outcome is CallOK, CallRefused or CallNoAnswer.
	Outcome string
}

// Config configures a Client. The keys are secrets: they are never logged
// nor put in errors.
type Config struct {
	// BaseURL is the API base up to and including "/api/dfs" (docs/gateways/nagad.md §2), e.g.
	// https://api.mynagad.com/api/dfs, the sandbox
	// http://sandbox.mynagad.com:10080/remote-payment-gateway-1.0/api/dfs,
	// or paycore's simulator {PublicURL}/api/dfs. A trailing slash is dropped.
	BaseURL string
	// MerchantID is Nagad's 15-character merchant ID.
	MerchantID string
	// MerchantNumber is the merchant wallet (11 digits), sent as the optional
	// accountNumber of initialize; "" leaves it out.
	MerchantNumber string
	// MerchantPrivateKey is the merchant's RSA private key (signs requests,
	// decrypts answers): PEM or bare base64, PKCS#8 or PKCS#1 (see
	// ParsePrivateKey).
	MerchantPrivateKey string
	// PGPublicKey is Nagad's payment-gateway RSA public key (encrypts
	// requests, verifies answers): PEM or bare base64, SPKI, PKCS#1 or a
	// certificate (see ParsePublicKey).
	PGPublicKey string
	// CallbackURL is paycore's GET /callbacks/nagad, absolute, 10–255
	// characters, without query or fragment: Nagad appends "/?merchant=…"
	// itself (docs/gateways/nagad.md §7.1, §7.2).
	CallbackURL string
	// ClientIP is sent as X-KM-IP-V4: one IPv4 address, the server's
	// whitelisted IP in production; "" means DefaultClientIP.
	ClientIP string
	// ClientType is sent as X-KM-Client-Type; "" means ClientTypePCWeb.
	ClientType string
	// ServiceName, if set, is shown on Nagad's payment page (sent as
	// additionalMerchantInfo.serviceName, at most MaxServiceName characters).
	ServiceName string
	// MinAmount and MaxAmount bound one payment's amount, BDT: Nagad refuses
	// an amount over the wallet's limits only on its page, after the
	// customer is there ("Transaction over limit", docs/gateways/nagad.md
	// §9.3), so paycore offers Nagad only within the limits the merchant's
	// contract sets. Zero means DefaultMinAmount, DefaultMaxAmount.
	MinAmount, MaxAmount domain.Money
	// Timeout limits each HTTP call; 0 means DefaultTimeout (30 s).
	Timeout time.Duration
	// HTTPClient sends the calls; nil means a client with Timeout. The
	// per-call Timeout is applied through the request context either way.
	// Keep TLS verification on (docs/gateways/nagad.md §11.5).
	HTTPClient *http.Client
	// Clock gives the time of initialize's datetime; nil means
	// ports.SystemClock{}.
	Clock ports.Clock
	// Logger receives opened payments, refusals, no-answer paths and
	// mismatches; nil discards. Keys and decrypted data are never logged.
	Logger *slog.Logger
	// Observe, if set, is called after every HTTP call, synchronously, from
	// the calling goroutine: keep it quick and safe for concurrent use.
	Observe func(Call)
}

// Client talks to Nagad's online payment gateway (hosted checkout). It is
// safe for concurrent use; build it with New.
type Client struct {
	cfg     Config
	base    string
	key     *rsa.PrivateKey
	pg      *rsa.PublicKey
	timeout time.Duration
	http    *http.Client
	clock   ports.Clock
	log     *slog.Logger
}

// Client is everything the core needs of Nagad.
var (
	_ ports.PaymentGateway   = (*Client)(nil)
	_ ports.CallbackVerifier = (*Client)(nil)
	_ ports.Resolver         = (*Client)(nil)
	_ ports.Refunder         = (*Client)(nil)
	_ ports.AbandonChecker   = (*Client)(nil)
	_ ports.AmountLimits     = (*Client)(nil)
)

var clientTypes = []string{ClientTypePCWeb, ClientTypeMobileWeb, ClientTypeMobileApp, ClientTypeWalletWebView, ClientTypeBillKey}

// New checks cfg, parses the keys and returns a Client. It does no I/O. It
// returns an error naming every missing or malformed field (never a key or
// its contents).
func New(cfg Config) (*Client, error) {
	var errs []error
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if !absoluteHTTP(cfg.BaseURL) {
		errs = append(errs, errors.New("BaseURL must be an absolute http(s) URL"))
	}
	if cfg.MerchantID == "" || !alnum(cfg.MerchantID) {
		errs = append(errs, errors.New("MerchantID must be letters and digits (15 characters at Nagad)"))
	}
	if cfg.MerchantNumber != "" && (len(cfg.MerchantNumber) != 11 || !digits(cfg.MerchantNumber)) {
		errs = append(errs, errors.New("MerchantNumber must be 11 digits or empty"))
	}
	key, err := ParsePrivateKey(cfg.MerchantPrivateKey)
	if err != nil {
		errs = append(errs, fmt.Errorf("MerchantPrivateKey: %w", err))
	}
	pg, err := ParsePublicKey(cfg.PGPublicKey)
	if err != nil {
		errs = append(errs, fmt.Errorf("PGPublicKey: %w", err))
	}
	if err := checkCallbackURL(cfg.CallbackURL); err != nil {
		errs = append(errs, err)
	}
	if cfg.ClientIP == "" {
		cfg.ClientIP = DefaultClientIP
	}
	if ip := net.ParseIP(cfg.ClientIP); ip == nil || ip.To4() == nil || strings.Contains(cfg.ClientIP, ":") {
		errs = append(errs, errors.New("ClientIP must be one IPv4 address"))
	}
	if cfg.ClientType == "" {
		cfg.ClientType = ClientTypePCWeb
	}
	if !slices.Contains(clientTypes, cfg.ClientType) {
		errs = append(errs, fmt.Errorf("ClientType must be one of %v", clientTypes))
	}
	if utf8.RuneCountInString(cfg.ServiceName) > MaxServiceName {
		errs = append(errs, fmt.Errorf("ServiceName must be at most %d characters", MaxServiceName))
	}
	if cfg.Timeout < 0 {
		errs = append(errs, errors.New("Timeout must not be negative")) //nolint:staticcheck // ST1005: names the Config field, as the other config errors do.
	}
	errs = append(errs, cfg.limits()...)
	if len(errs) > 0 {
		return nil, fmt.Errorf("nagad config: %w", errors.Join(errs...))
	}
	c := &Client{cfg: cfg, base: cfg.BaseURL, key: key, pg: pg, timeout: cfg.Timeout,
		http: cfg.HTTPClient, clock: cfg.Clock, log: cfg.Logger}
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
	c.log = c.log.With("gateway", "nagad")
	return c, nil
}

// Gateway returns domain.GatewayNagad.
func (c *Client) Gateway() domain.Gateway { return domain.GatewayNagad }

func checkCallbackURL(s string) error {
	u, err := url.Parse(s)
	switch {
	case err != nil || !absoluteHTTP(s):
		return errors.New("CallbackURL must be an absolute http(s) URL")
	case u.RawQuery != "" || u.Fragment != "" || strings.ContainsAny(s, "?#"):
		return errors.New("CallbackURL must have no query or fragment (Nagad appends its own query)")
	case len(s) < 10 || len(s) > 255:
		return errors.New("CallbackURL must be 10 to 255 characters")
	}
	return nil
}

func absoluteHTTP(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

func alnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') {
			return false
		}
	}
	return true
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// fields is a decoded JSON answer object, kept raw.
type fields map[string]json.RawMessage

// str returns key as text: a JSON string's value or a number's literal; ""
// when absent, null or of another type.
func (f fields) str(key string) string {
	raw := bytes.TrimSpace(f[key])
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

// call sends one request and returns the JSON object Nagad answered with.
// Errors: *Error (a reason, or HTTP 4xx), *RejectedError (the firewall's
// page), *callError (ErrNoAnswer).
func (c *Client) call(ctx context.Context, op, method, path string, body any) (fields, error) {
	var rd io.Reader
	if body != nil {
		payload, err := marshal(body)
		if err != nil {
			return nil, fmt.Errorf("nagad %s: encode body: %w", op, err)
		}
		rd = bytes.NewReader(payload)
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return nil, fmt.Errorf("nagad %s: build request: %w", op, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("X-KM-Api-Version", APIVersion)
	req.Header.Set("X-KM-IP-V4", c.cfg.ClientIP)
	req.Header.Set("X-KM-Client-Type", c.cfg.ClientType)

	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		c.observe(op, time.Since(start), 0, CallNoAnswer)
		return nil, &callError{op: op, reason: transportReason(err), cause: err}
	}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	_ = resp.Body.Close()
	dur := time.Since(start)
	status := resp.StatusCode
	if err != nil {
		c.observe(op, dur, status, CallNoAnswer)
		return nil, &callError{op: op, status: status, reason: transportReason(err), cause: err}
	}
	var f fields
	if jerr := json.Unmarshal(raw, &f); jerr != nil || f == nil {
		if rej, ok := rejection(op, status, raw); ok {
			c.observe(op, dur, status, CallRefused)
			return nil, rej
		}
		c.observe(op, dur, status, CallNoAnswer)
		return nil, &callError{op: op, status: status, reason: "body is not a JSON object: " + snippet(raw)}
	}
	if reason := f.str("reason"); reason != "" {
		c.observe(op, dur, status, CallRefused)
		return nil, newError(op, status, reason, f)
	}
	switch {
	case status >= 500:
		c.observe(op, dur, status, CallNoAnswer)
		return nil, &callError{op: op, status: status, reason: "server error: " + snippet(raw)}
	case status >= 400:
		c.observe(op, dur, status, CallRefused)
		return nil, newError(op, status, fmt.Sprintf("HTTP%d", status), f)
	}
	c.observe(op, dur, status, CallOK)
	return f, nil
}

func newError(op string, status int, reason string, f fields) *Error {
	msg := f.str("message")
	if msg == "" {
		msg = Describe(reason)
	}
	if msg == "" {
		msg = http.StatusText(status)
	}
	return &Error{Op: op, HTTPStatus: status, Reason: reason, Message: clip(msg), DevMessage: clip(f.str("devMessage"))}
}

// marshal encodes v as compact JSON without HTML escaping, so that URLs
// keep a literal "&" and the plaintext stays short.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

func transportReason(err error) string {
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return "timeout"
	}
	if errors.Is(err, context.Canceled) {
		return "canceled"
	}
	return err.Error()
}

func (c *Client) observe(op string, d time.Duration, status int, outcome string) {
	if c.cfg.Observe != nil {
		c.cfg.Observe(Call{Op: op, Duration: d, HTTPStatus: status, Outcome: outcome})
	}
}

// snippet is the start of a body, for error text.
func snippet(b []byte) string {
	return clip(strings.Join(strings.Fields(string(b)), " "))
}

// clip caps text taken from Nagad at 200 bytes.
func clip(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 200 {
		s = strings.ToValidUTF8(s[:200], "") + "…"
	}
	return s
}
