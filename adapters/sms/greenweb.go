package sms

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// GreenWeb API locations (docs/gateways/sms.md §4).
const (
	// GreenWebBaseURL is the real API host, used when Config.BaseURL is "".
	GreenWebBaseURL = "https://api.greenweb.com.bd"
	// GreenWebSendPath is the send endpoint below the base URL; paycore adds
	// the "json" flag to the query so the answer is a JSON array.
	GreenWebSendPath = "/api.php"
	// GreenWebBalancePath is the account endpoint below the base URL
	// (?token=…&balance&json).
	GreenWebBalancePath = "/g_api.php"
	// GreenWebSent is the per-recipient status that means success.
	GreenWebSent = "SENT"
)

// GreenWeb sends SMS through GreenWeb's HTTP API. Create it with NewGreenWeb
// (or New("greenweb", cfg)); it is safe for concurrent use.
//
// A message goes as an urlencoded POST to /api.php?json with token, to
// (8801XXXXXXXXX) and message; GreenWeb picks the encoding itself (no Unicode
// flag is known). The answer is a JSON array with one object per recipient:
// status "SENT" is success; anything else is a *ports.SMSError whose Code is
// that status and whose Message is its statusmsg. GreenWeb publishes no error
// codes, so retryability is guessed from statusmsg: only texts that speak of
// an internal or temporary failure, or ask to try again, are retryable;
// balance, token and number errors are not. GreenWeb's answer carries no
// message ID, so Send returns an empty reference.
type GreenWeb struct {
	c     client
	token string
}

var (
	_ ports.SMSSender = (*GreenWeb)(nil)
	_ BalanceChecker  = (*GreenWeb)(nil)
)

// NewGreenWeb returns a GreenWeb provider; cfg.APIKey (the token) is
// required.
func NewGreenWeb(cfg Config) (*GreenWeb, error) {
	if cfg.APIKey == "" {
		return nil, errors.New("sms: greenweb needs a token (APIKey)")
	}
	return &GreenWeb{c: newClient(ProviderGreenWeb, GreenWebBaseURL, cfg, cfg.APIKey), token: cfg.APIKey}, nil
}

// Provider is "greenweb".
func (*GreenWeb) Provider() string { return ProviderGreenWeb }

// greenWebStatus is one element of GreenWeb's send answer.
type greenWebStatus struct {
	To        string `json:"to"`
	Status    string `json:"status"`
	StatusMsg string `json:"statusmsg"`
}

// Send submits msg. GreenWeb returns no message ID: the reference is "".
func (g *GreenWeb) Send(ctx context.Context, msg ports.SMS) (string, error) {
	number, ok := domain.NormalizeMobile(msg.To)
	if !ok {
		return "", invalidNumber(ProviderGreenWeb, msg.To)
	}
	if msg.Body == "" {
		return "", emptyBody(ProviderGreenWeb)
	}
	form := url.Values{"token": {g.token}, "to": {number}, "message": {msg.Body}}
	a, err := g.c.do(ctx, "send", http.MethodPost, GreenWebSendPath, "json", form, nil)
	if err != nil {
		return "", err
	}
	if a.status < 200 || a.status > 299 {
		return "", g.c.httpError("send", a)
	}
	var out []greenWebStatus
	if err := json.Unmarshal(a.body, &out); err != nil {
		// Without ?json GreenWeb answers in text; accept its "Ok: …" lines.
		if s := strings.TrimSpace(string(a.body)); len(s) >= 3 && strings.EqualFold(s[:3], "ok:") {
			return "", nil
		}
		return "", g.c.badResponse("send", a, "answer is not a JSON array")
	}
	if len(out) == 0 {
		return "", g.c.badResponse("send", a, "empty answer")
	}
	st := out[0]
	if strings.EqualFold(strings.TrimSpace(st.Status), GreenWebSent) {
		return "", nil
	}
	code := strings.TrimSpace(st.Status)
	if code == "" {
		code = "FAILED"
	}
	return "", &ports.SMSError{
		Code:      code,
		Message:   ProviderGreenWeb + ": " + g.c.scrub(st.StatusMsg),
		Retryable: greenWebTransient(st.StatusMsg),
	}
}

// greenWebTransient guesses from a statusmsg whether trying again may help.
func greenWebTransient(msg string) bool {
	m := strings.ToLower(msg)
	for _, perm := range []string{"balance", "token", "invalid", "number", "blocked", "expired"} {
		if strings.Contains(m, perm) {
			return false
		}
	}
	for _, tmp := range []string{"try again", "internal", "temporar", "server error", "timeout", "busy"} {
		if strings.Contains(m, tmp) {
			return true
		}
	}
	return false
}

// Balance returns the account's balance in Taka ("1234.50") from
// g_api.php?token=…&balance&json, which answers [{"response":"<Taka>"}].
func (g *GreenWeb) Balance(ctx context.Context) (string, error) {
	q := "token=" + url.QueryEscape(g.token) + "&balance&json"
	a, err := g.c.do(ctx, "balance", http.MethodGet, GreenWebBalancePath, q, nil, nil)
	if err != nil {
		return "", err
	}
	if a.status < 200 || a.status > 299 {
		return "", g.c.httpError("balance", a)
	}
	var out []map[string]json.RawMessage
	if err := json.Unmarshal(a.body, &out); err != nil || len(out) == 0 {
		return "", g.c.badResponse("balance", a, "answer is not a JSON array")
	}
	resp := jsonText(out[0]["response"])
	if bal, ok := taka(resp); ok {
		return bal, nil
	}
	// Not a number: GreenWeb's explanation (e.g. a bad token).
	return "", &ports.SMSError{Code: "FAILED", Message: ProviderGreenWeb + ": " + g.c.snippet([]byte(resp))}
}
