package smssim

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/paycore/paycore/domain"
)

// GreenWeb per-recipient statuses and texts. Only "SENT" and the reply
// shapes come from docs/gateways/sms.md §4; GreenWeb publishes no error list, so
// the failure texts are the simulator's own.
const (
	GreenWebSent   = "SENT"   // status of a message accepted
	GreenWebFailed = "FAILED" // status of a message refused

	greenSentMsg     = "SMS Sent Successfully"
	greenBadToken    = "Invalid Token"
	greenBadNumber   = "Invalid Number"
	greenEmpty       = "Message is empty"
	greenNoBalance   = "Insufficient Balance"
	greenInternalMsg = "Internal server error, please try again"
)

// greenStatus is one element of GreenWeb's ?json send answer.
type greenStatus struct {
	To        string `json:"to"`
	Message   string `json:"message"`
	Status    string `json:"status"`
	StatusMsg string `json:"statusmsg"`
}

// greenRecipients splits GreenWeb's comma-separated "to" as sent; an empty
// list gives one empty recipient, so every answer has at least one element.
func greenRecipients(list string) []string {
	var out []string
	for _, n := range strings.Split(list, ",") {
		if n = strings.TrimSpace(n); n != "" {
			out = append(out, n)
		}
	}
	if len(out) == 0 {
		out = []string{""}
	}
	return out
}

// greenAnswer renders per-recipient statuses: a JSON array when the request
// had the json flag, else one text line per recipient ("Ok: …" or
// "Error: …"; the text form is the simulator's guess).
func greenAnswer(p url.Values, sts []greenStatus) reply {
	if p.Has("json") {
		return reply{status: http.StatusOK, json: sts}
	}
	var b strings.Builder
	for _, st := range sts {
		if st.Status == GreenWebSent {
			b.WriteString("Ok: " + st.StatusMsg + " To " + st.To + "\n")
		} else {
			b.WriteString("Error: " + st.StatusMsg + " To " + st.To + "\n")
		}
	}
	return reply{status: http.StatusOK, text: b.String()}
}

// greenSendInternal is the answer of the "internal" fault: every recipient
// FAILED with a text asking to try again.
func greenSendInternal(_ *http.Request, p url.Values) reply {
	var sts []greenStatus
	for _, to := range greenRecipients(p.Get("to")) {
		sts = append(sts, greenStatus{To: to, Message: p.Get("message"), Status: GreenWebFailed, StatusMsg: greenInternalMsg})
	}
	return greenAnswer(p, sts)
}

// greenSend handles /api.php[?json]: token, to (comma-separated), message.
// Each recipient is accepted or refused on its own.
func (s *Simulator) greenSend(_ *http.Request, p url.Values) reply {
	token, text := p.Get("token"), p.Get("message")
	enc, segs := domain.SMSSegments(text)
	cost := int64(segs) * s.price

	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	var sts []greenStatus
	for _, to := range greenRecipients(p.Get("to")) {
		st := greenStatus{To: to, Message: text, Status: GreenWebFailed}
		n, isMobile := domain.NormalizeMobile(to)
		switch {
		case token != s.creds.GreenWebToken:
			st.StatusMsg = greenBadToken
		case text == "":
			st.StatusMsg = greenEmpty
		case !isMobile:
			st.StatusMsg = greenBadNumber
		case s.balance == 0 || s.balance < cost:
			st.StatusMsg = greenNoBalance
		default:
			s.balance -= cost
			s.messages = append(s.messages, Message{
				Provider: ProviderGreenWeb, To: n, Text: text, Encoding: enc, Segments: segs,
				CostPaisa: cost, Time: now,
			})
			st.Status, st.StatusMsg = GreenWebSent, greenSentMsg
		}
		sts = append(sts, st)
	}
	return greenAnswer(p, sts)
}

// greenFlags lists the account flags (balance, expiry, rate) of a g_api.php
// request in the order they appear: query first, then body.
func greenFlags(r *http.Request, p url.Values) []string {
	var out []string
	seen := map[string]bool{}
	add := func(k string) {
		if (k == "balance" || k == "expiry" || k == "rate") && !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	for _, part := range strings.Split(r.URL.RawQuery, "&") {
		k, _, _ := strings.Cut(part, "=")
		add(k)
	}
	for _, k := range []string{"balance", "expiry", "rate"} {
		if p.Has(k) {
			add(k)
		}
	}
	return out
}

// greenAccount renders g_api.php answers: [{"response":…}, …] with the json
// flag, else one value per line.
func greenAccount(p url.Values, values []string) reply {
	if p.Has("json") {
		out := []map[string]string{}
		for _, v := range values {
			out = append(out, map[string]string{"response": v})
		}
		return reply{status: http.StatusOK, json: out}
	}
	return reply{status: http.StatusOK, text: strings.Join(values, "\n") + "\n"}
}

// greenBalanceInternal is the answer of the "internal" fault.
func greenBalanceInternal(_ *http.Request, p url.Values) reply {
	return greenAccount(p, []string{greenInternalMsg})
}

// greenBalance handles /g_api.php?token=…&balance&expiry&rate&json: one
// response per flag, in the flags' order: balance in Taka, expiry date
// (a year from now), rate (price per segment in Taka).
func (s *Simulator) greenBalance(r *http.Request, p url.Values) reply {
	if p.Get("token") != s.creds.GreenWebToken {
		return greenAccount(p, []string{greenBadToken})
	}
	var values []string
	for _, f := range greenFlags(r, p) {
		switch f {
		case "balance":
			values = append(values, formatTaka(s.Balance()))
		case "expiry":
			values = append(values, s.now().AddDate(1, 0, 0).Format("2006-01-02"))
		case "rate":
			values = append(values, formatTaka(s.price))
		}
	}
	return greenAccount(p, values)
}
