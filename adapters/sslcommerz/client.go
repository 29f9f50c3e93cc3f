package sslcommerz

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

// Base URLs of SSLCommerz (§1).
const (
	SandboxURL = "https://sandbox.sslcommerz.com"
	LiveURL    = "https://securepay.sslcommerz.com"
)

// Paths below the base URL (§1).
const (
	SessionPath    = "/gwprocess/v4/api.php"
	ValidationPath = "/validator/api/validationserverAPI.php"
	QueryPath      = "/validator/api/merchantTransIDvalidationAPI.php"
)

// Callback paths below Config.CallbackBaseURL: paycore's routes for the
// browser's POSTs and the IPN (§3, §4).
const (
	CallbackSuccess = "/callbacks/sslcommerz/success"
	CallbackFail    = "/callbacks/sslcommerz/fail"
	CallbackCancel  = "/callbacks/sslcommerz/cancel"
	CallbackIPN     = "/callbacks/sslcommerz/ipn"
)

// DefaultTimeout limits one call when Config.Timeout is 0. The official
// clients use 5 to 60 s (§8).
const DefaultTimeout = 30 * time.Second

// DefaultMultiCardName offers cards, mobile banking and internet banking
// (§2, multi_card_name groups).
const DefaultMultiCardName = "visacard,mastercard,amexcard,othercard,mobilebank,internetbank"

// MaxTranID is the longest tran_id SSLCommerz takes (§2).
const MaxTranID = 30

// Operations, in Call.Op.
const (
	OpSession    = "session"
	OpValidate   = "validate"
	OpQuery      = "query"
	OpRefund     = "refund"
	OpRefundInfo = "refund_query"
)

// Call outcomes, in Call.Outcome.
const (
	CallOK       = "ok"        // a JSON answer
	CallRefused  = "refused"   // an answer saying no (status FAILED, APIConnect not DONE)
	CallNoAnswer = "no_answer" // timeout, connection error, 5xx or not JSON
)

// Call describes one HTTP call to SSLCommerz, for Config.Observe.
type Call struct {
	Op         string
	Duration   time.Duration
	HTTPStatus int
	Outcome    string
}

// ErrNoAnswer: SSLCommerz could not be heard (timeout, connection error,
// HTTP 5xx, a body that is not JSON). Money may have moved.
var ErrNoAnswer = errors.New("sslcommerz: no answer")

// Config configures a Client. StorePasswd is a secret: it is never logged.
type Config struct {
	// BaseURL: SandboxURL, LiveURL or the simulator's
	// {root}/sandbox/sslcommerz. A trailing slash is dropped.
	BaseURL string
	// StoreID and StorePasswd are the store's API credentials (§1).
	StoreID, StorePasswd string
	// CallbackBaseURL is paycore's public base URL; success_url, fail_url,
	// cancel_url and ipn_url are built from it (Callback* paths).
	CallbackBaseURL string
	// MultiCardName limits the channels on SSLCommerz's page (§2):
	// "" → DefaultMultiCardName; "all" sends none (every channel).
	MultiCardName string
	// ProductCategory is sent as product_category; "" → "general".
	ProductCategory string
	// Timeout limits each call; 0 → DefaultTimeout.
	Timeout time.Duration
	// HTTPClient sends the calls; nil → a client with Timeout.
	HTTPClient *http.Client
	// Logger receives sessions, refusals and mismatches; nil discards.
	Logger *slog.Logger
	// Observe, if set, is called after every call (gateway health).
	Observe func(Call)
}

// Client talks to SSLCommerz. Safe for concurrent use; build it with New.
type Client struct {
	cfg     Config
	base    string
	timeout time.Duration
	http    *http.Client
	log     *slog.Logger
}

// Client is everything the core needs of SSLCommerz.
var (
	_ ports.PaymentGateway        = (*Client)(nil)
	_ ports.CallbackVerifier      = (*Client)(nil)
	_ ports.CallbackAuthenticator = (*Client)(nil)
	_ ports.Resolver              = (*Client)(nil)
	_ ports.AbandonChecker        = (*Client)(nil)
	_ ports.Refunder              = (*Client)(nil)
)

// New checks cfg and returns a Client. It does no I/O; its error names
// every bad field, never the password.
func New(cfg Config) (*Client, error) {
	var errs []error
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	cfg.CallbackBaseURL = strings.TrimRight(cfg.CallbackBaseURL, "/")
	if !absoluteHTTP(cfg.BaseURL) {
		errs = append(errs, errors.New("BaseURL must be an absolute http(s) URL"))
	}
	if !absoluteHTTP(cfg.CallbackBaseURL) {
		errs = append(errs, errors.New("CallbackBaseURL must be an absolute http(s) URL"))
	}
	if cfg.StoreID == "" || cfg.StorePasswd == "" {
		errs = append(errs, errors.New("StoreID and StorePasswd are required"))
	}
	if len(cfg.StorePasswd) > 30 {
		errs = append(errs, errors.New("StorePasswd must be at most 30 characters (§1)"))
	}
	if cfg.Timeout < 0 {
		errs = append(errs, errors.New("timeout must not be negative"))
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("sslcommerz config: %w", errors.Join(errs...))
	}
	switch cfg.MultiCardName {
	case "":
		cfg.MultiCardName = DefaultMultiCardName
	case "all":
		cfg.MultiCardName = ""
	}
	if cfg.ProductCategory == "" {
		cfg.ProductCategory = "general"
	}
	c := &Client{cfg: cfg, base: cfg.BaseURL, timeout: cfg.Timeout, http: cfg.HTTPClient, log: cfg.Logger}
	if c.timeout == 0 {
		c.timeout = DefaultTimeout
	}
	if c.http == nil {
		c.http = &http.Client{Timeout: c.timeout}
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	c.log = c.log.With("gateway", "sslcommerz")
	return c, nil
}

// Gateway returns domain.GatewaySSLCommerz.
func (c *Client) Gateway() domain.Gateway { return domain.GatewaySSLCommerz }

func absoluteHTTP(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// Fields is one decoded JSON answer object. Values are kept as text:
// SSLCommerz sends some numbers as strings and some as numbers (§5).
type Fields map[string]any

// Str returns key as text ("" when absent or null; numbers as written).
func (f Fields) Str(key string) string {
	switch v := f[key].(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	case bool:
		if v {
			return "1"
		}
		return "0"
	}
	return ""
}

func decodeFields(raw []byte) (Fields, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var f Fields
	if err := dec.Decode(&f); err != nil || f == nil {
		return nil, errors.New("not a JSON object")
	}
	return f, nil
}

// call sends one request: a form POST when form is set, else a GET with
// query. Credentials are added here. It returns the raw answer body.
func (c *Client) call(ctx context.Context, op, path string, query, form url.Values) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var req *http.Request
	var err error
	if form != nil {
		form.Set("store_id", c.cfg.StoreID)
		form.Set("store_passwd", c.cfg.StorePasswd)
		req, err = http.NewRequestWithContext(ctx, http.MethodPost, c.base+path, strings.NewReader(form.Encode()))
		if err == nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	} else {
		query.Set("store_id", c.cfg.StoreID)
		query.Set("store_passwd", c.cfg.StorePasswd)
		query.Set("format", "json")
		req, err = http.NewRequestWithContext(ctx, http.MethodGet, c.base+path+"?"+query.Encode(), nil)
	}
	if err != nil {
		return nil, fmt.Errorf("sslcommerz %s: build request: %w", op, err)
	}
	req.Header.Set("Accept", "application/json")
	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		c.observe(op, time.Since(start), 0, CallNoAnswer)
		return nil, fmt.Errorf("sslcommerz %s: %w: %s", op, ErrNoAnswer, transportReason(err))
	}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	_ = resp.Body.Close()
	if err != nil || resp.StatusCode >= 500 {
		c.observe(op, time.Since(start), resp.StatusCode, CallNoAnswer)
		return nil, fmt.Errorf("sslcommerz %s: %w: HTTP %d", op, ErrNoAnswer, resp.StatusCode)
	}
	if _, jerr := decodeFields(raw); jerr != nil {
		c.observe(op, time.Since(start), resp.StatusCode, CallNoAnswer)
		return nil, fmt.Errorf("sslcommerz %s: %w: HTTP %d, body is not a JSON object: %s", op, ErrNoAnswer, resp.StatusCode, snippet(raw))
	}
	c.observe(op, time.Since(start), resp.StatusCode, CallOK)
	return raw, nil
}

func (c *Client) observe(op string, d time.Duration, status int, outcome string) {
	if c.cfg.Observe != nil {
		c.cfg.Observe(Call{Op: op, Duration: d, HTTPStatus: status, Outcome: outcome})
	}
}

func transportReason(err error) string {
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return "timeout"
	}
	if errors.Is(err, context.Canceled) {
		return "canceled"
	}
	return "connection failed"
}

// snippet is the start of a body, for error text.
func snippet(b []byte) string { return clip(strings.Join(strings.Fields(string(b)), " ")) }

// clip caps text taken from SSLCommerz at 200 bytes.
func clip(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 200 {
		s = strings.ToValidUTF8(s[:200], "") + "…"
	}
	return s
}
