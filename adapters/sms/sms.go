package sms

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/paycore/paycore/ports"
)

// Provider names accepted by New.
const (
	ProviderLog       = "log"       // LogSender: sends nothing
	ProviderBulkSMSBD = "bulksmsbd" // BulkSMSBD (bulksmsbd.net)
	ProviderGreenWeb  = "greenweb"  // GreenWeb (greenweb.com.bd)
	ProviderTwilio    = "twilio"    // Twilio Programmable Messaging
)

// DefaultTimeout limits one HTTP call to a provider when Config.Timeout is 0.
const DefaultTimeout = 15 * time.Second

// maxBody caps what is read of one provider answer, in bytes.
const maxBody = 1 << 20

// Codes of the *ports.SMSError values the providers build themselves, when
// the provider gave no code of its own. Provider codes (BulkSMSBD "1007",
// Twilio "21211", GreenWeb "FAILED") are passed through as they are.
const (
	// CodeTransport: the call got no answer (connection refused or reset,
	// DNS failure, timeout). Retryable.
	CodeTransport = "transport"
	// CodeBadResponse: a 2xx answer that could not be understood. Not
	// retryable, since the message may have been accepted.
	CodeBadResponse = "bad_response"
	// CodeInvalidNumber: the recipient cannot be put in the provider's
	// number format; nothing was sent. Not retryable.
	CodeInvalidNumber = "invalid_number"
	// CodeEmptyBody: the message has no text; nothing was sent. Not
	// retryable.
	CodeEmptyBody = "empty_body"
)

// Config configures one provider. The same struct serves every provider;
// each uses the fields its documentation names. APIKey is a secret: it is
// never logged nor put in an error, and String and LogValue hide it.
type Config struct {
	// BaseURL is the provider's scheme and host (and path prefix, if any),
	// without a trailing slash; "" means the real endpoint of the provider:
	// BulkSMSBDBaseURL, GreenWebBaseURL or TwilioBaseURL. Point it at the
	// simulator ("http://127.0.0.1:8080/sandbox/sms") in sandbox mode.
	BaseURL string
	// APIKey is the provider's secret: BulkSMSBD api_key, GreenWeb token,
	// Twilio Auth Token (or the secret of a Twilio API key, with
	// TwilioKeySID set).
	APIKey string
	// SenderID is the approved sender: BulkSMSBD senderid, Twilio From (a
	// number in E.164 or an alphanumeric sender; a Messaging Service SID
	// "MG…" is sent as MessagingServiceSid). GreenWeb does not use it.
	SenderID string
	// AccountSID is the Twilio Account SID ("AC…"); other providers ignore it.
	AccountSID string
	// TwilioKeySID, if set, is a Twilio API key SID ("SK…") used as the
	// Basic-auth user instead of AccountSID, with APIKey as its secret.
	TwilioKeySID string
	// HTTPClient sends the calls; nil means a new http.Client without its own
	// timeout (Timeout applies through the request context either way).
	HTTPClient *http.Client
	// Timeout limits each HTTP call; 0 means DefaultTimeout (15 s).
	Timeout time.Duration
	// Log is the logger of the "log" provider (LogSender); nil logs nothing.
	// The HTTP providers do not log.
	Log *slog.Logger
}

// String describes c with APIKey hidden, so that printing a Config with %v
// or %+v does not leak it.
func (c Config) String() string {
	return fmt.Sprintf("sms.Config{BaseURL:%q SenderID:%q AccountSID:%q TwilioKeySID:%q APIKey:%s Timeout:%s}",
		c.BaseURL, c.SenderID, c.AccountSID, c.TwilioKeySID, hidden(c.APIKey), c.Timeout)
}

// LogValue implements slog.LogValuer with APIKey hidden.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("base_url", c.BaseURL), slog.String("sender_id", c.SenderID),
		slog.String("account_sid", c.AccountSID), slog.String("api_key", hidden(c.APIKey)),
		slog.Duration("timeout", c.Timeout),
	)
}

func hidden(secret string) string {
	if secret == "" {
		return `""`
	}
	return "[redacted]"
}

// BalanceChecker is implemented by providers that report the account's
// remaining credit (BulkSMSBD, GreenWeb): ports.SMSBalance, the port the
// console (app.Console.SMSBalance) and paycore sms-balance read it through.
type BalanceChecker = ports.SMSBalance

// New returns the provider named provider (case-insensitive): "log" (or "")
// returns LogSender{Log: cfg.Log}; "bulksmsbd", "greenweb" and "twilio"
// return the HTTP providers, which also check that cfg holds their
// credentials. The HTTP providers other than Twilio implement BalanceChecker.
func New(provider string, cfg Config) (ports.SMSSender, error) {
	switch strings.ToLower(strings.TrimSpace(provider)) {
	case "", ProviderLog:
		return LogSender{Log: cfg.Log}, nil
	case ProviderBulkSMSBD:
		return NewBulkSMSBD(cfg)
	case ProviderGreenWeb:
		return NewGreenWeb(cfg)
	case ProviderTwilio:
		return NewTwilio(cfg)
	}
	return nil, fmt.Errorf("sms: unknown provider %q (want %s, %s, %s or %s)",
		provider, ProviderLog, ProviderBulkSMSBD, ProviderGreenWeb, ProviderTwilio)
}

// client is the HTTP plumbing the providers share.
type client struct {
	provider string
	base     string
	http     *http.Client
	timeout  time.Duration
	secrets  []string // scrubbed from every text put in an error
}

func newClient(provider, defaultBase string, cfg Config, secrets ...string) client {
	base := strings.TrimRight(cfg.BaseURL, "/")
	if base == "" {
		base = defaultBase
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{}
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	var keep []string
	for _, s := range secrets {
		if len(s) >= 4 { // shorter strings would blank out ordinary text
			keep = append(keep, s)
		}
	}
	return client{provider: provider, base: base, http: hc, timeout: timeout, secrets: keep}
}

// answer is one HTTP answer from a provider.
type answer struct {
	status int
	body   []byte
}

// do sends one request and reads the answer. A call that gets no answer
// returns a retryable *ports.SMSError with CodeTransport; its text never
// holds the URL (whose query may carry a key). rawQuery is appended to the
// URL as is; form, if not nil, is sent as an urlencoded body.
func (c *client) do(ctx context.Context, op, method, path, rawQuery string, form url.Values, prepare func(*http.Request)) (answer, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	target := c.base + path
	if rawQuery != "" {
		target += "?" + rawQuery
	}
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		// The URL is ours (BaseURL); do not echo it, it may hold the query.
		return answer{}, &ports.SMSError{Code: "config", Message: c.provider + " " + op + ": invalid base URL"}
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Accept", "application/json")
	if prepare != nil {
		prepare(req)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return answer{}, c.transportError(ctx, op, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return answer{}, c.transportError(ctx, op, err)
	}
	return answer{status: resp.StatusCode, body: raw}, nil
}

// transportError describes a call that got no (complete) answer without
// naming the URL.
func (c *client) transportError(ctx context.Context, op string, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	reason := err.Error()
	if errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) {
		reason = "no answer within " + c.timeout.String()
	} else if errors.Is(err, context.Canceled) {
		reason = "cancelled"
	}
	return &ports.SMSError{Code: CodeTransport, Message: c.provider + " " + op + ": " + c.scrub(reason), Retryable: true}
}

// httpError turns an HTTP status without a provider code into an SMSError:
// 5xx, 429 and 408 are retryable, other statuses are not.
func (c *client) httpError(op string, a answer) *ports.SMSError {
	retry := a.status >= 500 || a.status == http.StatusTooManyRequests || a.status == http.StatusRequestTimeout
	msg := c.provider + " " + op + ": HTTP " + strconv.Itoa(a.status)
	if s := c.snippet(a.body); s != "" {
		msg += ": " + s
	}
	return &ports.SMSError{Code: "http_" + strconv.Itoa(a.status), Message: msg, Retryable: retry}
}

// badResponse is a 2xx answer that could not be understood.
func (c *client) badResponse(op string, a answer, why string) *ports.SMSError {
	msg := c.provider + " " + op + ": " + why
	if s := c.snippet(a.body); s != "" {
		msg += ": " + s
	}
	return &ports.SMSError{Code: CodeBadResponse, Message: msg}
}

// scrub replaces every secret in s.
func (c *client) scrub(s string) string {
	for _, secret := range c.secrets {
		s = strings.ReplaceAll(s, secret, "[redacted]")
		if q := url.QueryEscape(secret); q != secret {
			s = strings.ReplaceAll(s, q, "[redacted]")
		}
	}
	return s
}

// snippet is the start of a provider's body, scrubbed, on one line, for
// error text.
func (c *client) snippet(b []byte) string {
	s := strings.Join(strings.Fields(strings.ToValidUTF8(string(b), "?")), " ")
	s = c.scrub(s)
	const max = 200
	if utf8.RuneCountInString(s) > max {
		s = string([]rune(s)[:max]) + "…"
	}
	return s
}

func invalidNumber(provider, to string) *ports.SMSError {
	return &ports.SMSError{Code: CodeInvalidNumber, Message: fmt.Sprintf("%s: %q is not a Bangladeshi mobile number", provider, to)}
}

func emptyBody(provider string) *ports.SMSError {
	return &ports.SMSError{Code: CodeEmptyBody, Message: provider + ": empty message"}
}

// taka normalises a provider's balance (a decimal, possibly with more
// digits than paisa, e.g. 49.649999999999998) to two decimals, rounding
// half away from zero.
func taka(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 64 || strings.ContainsAny(s, "/eE") {
		return "", false
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return "", false
	}
	return r.FloatString(2), true
}

// jsonText is the text of a JSON string or number, "" for anything else.
func jsonText(raw []byte) string {
	s := strings.TrimSpace(string(raw))
	if len(s) >= 2 && s[0] == '"' {
		var u string
		if json.Unmarshal([]byte(s), &u) != nil {
			return ""
		}
		return u
	}
	if s == "" || s == "null" || s == "true" || s == "false" || s[0] == '{' || s[0] == '[' {
		return ""
	}
	return s
}
