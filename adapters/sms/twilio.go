package sms

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// TwilioBaseURL is Twilio's REST API host, used when Config.BaseURL is "".
const TwilioBaseURL = "https://api.twilio.com"

// twilioRetryable lists the Twilio error codes worth retrying: 20429 too many
// requests, 21611 and 30001 queue overflow (docs/gateways/sms.md §5, §8).
var twilioRetryable = map[string]bool{"20429": true, "21611": true, "30001": true}

// e164 is a number in E.164 form.
var e164 = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

// Twilio sends SMS through Twilio's Messages resource. Create it with
// NewTwilio (or New("twilio", cfg)); it is safe for concurrent use.
//
// A message goes as an urlencoded POST to
// /2010-04-01/Accounts/{AccountSid}/Messages.json with To (+8801XXXXXXXXX),
// From (Config.SenderID; a Messaging Service SID "MG…" goes as
// MessagingServiceSid instead) and Body, authenticated with HTTP Basic
// AccountSid:AuthToken. Twilio picks the encoding itself. A 2xx answer's sid
// is the provider reference; an error answer {code, message, more_info,
// status} is a *ports.SMSError with that code, retryable for 20429, 21611,
// 30001, HTTP 429 and HTTP 5xx. Twilio's balance is in the account's
// currency (usually USD), not Taka, so Twilio does not implement
// BalanceChecker.
type Twilio struct {
	c          client
	accountSID string
	user       string
	secret     string
	from       string
}

var _ ports.SMSSender = (*Twilio)(nil)

// NewTwilio returns a Twilio provider. cfg.AccountSID, cfg.APIKey (the Auth
// Token, or an API key secret with cfg.TwilioKeySID) and cfg.SenderID (From)
// are required.
func NewTwilio(cfg Config) (*Twilio, error) {
	if cfg.AccountSID == "" || cfg.APIKey == "" || cfg.SenderID == "" {
		return nil, errors.New("sms: twilio needs an account SID, an auth token (APIKey) and a sender (SenderID)")
	}
	user := cfg.AccountSID
	if cfg.TwilioKeySID != "" {
		user = cfg.TwilioKeySID
	}
	return &Twilio{
		c:          newClient(ProviderTwilio, TwilioBaseURL, cfg, cfg.APIKey, basicToken(user, cfg.APIKey)),
		accountSID: cfg.AccountSID,
		user:       user,
		secret:     cfg.APIKey,
		from:       cfg.SenderID,
	}, nil
}

// basicToken is what an Authorization: Basic header carries, scrubbed from
// errors in case an error page echoes the header.
func basicToken(user, pass string) string {
	r, _ := http.NewRequest(http.MethodGet, "/", nil)
	r.SetBasicAuth(user, pass)
	return strings.TrimPrefix(r.Header.Get("Authorization"), "Basic ")
}

// Provider is "twilio".
func (*Twilio) Provider() string { return ProviderTwilio }

// Send submits msg and returns the Message sid ("SM…").
func (t *Twilio) Send(ctx context.Context, msg ports.SMS) (string, error) {
	to, ok := twilioNumber(msg.To)
	if !ok {
		return "", &ports.SMSError{Code: CodeInvalidNumber, Message: fmt.Sprintf("twilio: %q is not an E.164 number", msg.To)}
	}
	if msg.Body == "" {
		return "", emptyBody(ProviderTwilio)
	}
	form := url.Values{"To": {to}, "Body": {msg.Body}}
	if strings.HasPrefix(t.from, "MG") && len(t.from) == 34 {
		form.Set("MessagingServiceSid", t.from)
	} else {
		form.Set("From", t.from)
	}
	path := "/2010-04-01/Accounts/" + url.PathEscape(t.accountSID) + "/Messages.json"
	a, err := t.c.do(ctx, "send", http.MethodPost, path, "", form, func(r *http.Request) {
		r.SetBasicAuth(t.user, t.secret)
	})
	if err != nil {
		return "", err
	}
	var m struct {
		SID          string          `json:"sid"`
		Status       json.RawMessage `json:"status"` // a string on success, a number on errors
		Code         json.RawMessage `json:"code"`
		Message      string          `json:"message"`
		ErrorCode    json.RawMessage `json:"error_code"`
		ErrorMessage string          `json:"error_message"`
	}
	parsed := json.Unmarshal(a.body, &m) == nil
	if a.status < 200 || a.status > 299 {
		code := jsonText(m.Code)
		if !parsed || code == "" {
			return "", t.c.httpError("send", a)
		}
		return "", &ports.SMSError{
			Code:      code,
			Message:   ProviderTwilio + ": " + t.c.scrub(m.Message),
			Retryable: twilioRetryable[code] || a.status >= 500 || a.status == http.StatusTooManyRequests,
		}
	}
	if !parsed || m.SID == "" {
		return "", t.c.badResponse("send", a, "answer has no sid")
	}
	if st := jsonText(m.Status); st == "failed" || st == "undelivered" {
		code := jsonText(m.ErrorCode)
		if code == "" {
			code = st
		}
		return "", &ports.SMSError{Code: code, Message: ProviderTwilio + ": " + t.c.scrub(m.ErrorMessage), Retryable: twilioRetryable[code]}
	}
	return m.SID, nil
}

// twilioNumber puts to in E.164: 8801XXXXXXXXX and 01XXXXXXXXX become
// +8801XXXXXXXXX; a number with "+" is kept.
func twilioNumber(to string) (string, bool) {
	if n, ok := domain.NormalizeMobile(to); ok {
		return "+" + n, true
	}
	n := strings.NewReplacer(" ", "", "-", "").Replace(strings.TrimSpace(to))
	if !strings.HasPrefix(n, "+") {
		n = "+" + n
	}
	return n, e164.MatchString(n)
}
