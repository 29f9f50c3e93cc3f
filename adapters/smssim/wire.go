package smssim

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/paycore/paycore/adapters/simkit"
	"github.com/paycore/paycore/domain"
)

// Message is one SMS the simulator accepted for one number, as listed by
// Messages and GET /messages.
type Message struct {
	// Provider is the API it came through: "bulksmsbd" or "greenweb".
	Provider string `json:"provider"`
	// MessageID is the message_id BulkSMSBD's answer carried (shared by every
	// number of one request); "" for GreenWeb, whose answer has none.
	MessageID string `json:"message_id"`
	// To is the number in 8801XXXXXXXXX form.
	To string `json:"to"`
	// Text is the message as decoded from the request (UTF-8, Bangla intact).
	Text string `json:"text"`
	// SenderID is BulkSMSBD's senderid ("" for GreenWeb).
	SenderID string `json:"senderid,omitempty"`
	// Type is BulkSMSBD's type field as sent ("text" or "unicode"; "" for
	// GreenWeb or when absent).
	Type string `json:"type,omitempty"`
	// Encoding is domain.SMSSegments' verdict on Text: "GSM-7" or "UCS-2".
	Encoding string `json:"encoding"`
	// Segments is the number of SMS parts Text takes (domain.SMSSegments).
	Segments int `json:"segments"`
	// TypeMismatch is true when BulkSMSBD got type=text for a UCS-2 text: a
	// real gateway would deliver it garbled.
	TypeMismatch bool `json:"type_mismatch,omitempty"`
	// CostPaisa is what this message cost: Segments × the price per segment,
	// in paisa.
	CostPaisa int64 `json:"cost_paisa"`
	// Time is when the simulator accepted it, on Config.Clock.
	Time time.Time `json:"time"`
}

// reply is an API answer before it is written: JSON when text is "".
type reply struct {
	status int
	json   any
	text   string
}

// apiFunc performs one API operation on the request parameters and returns
// the answer. Separating the answer from writing it lets faults drop or
// replace the answer after the operation took effect.
type apiFunc func(r *http.Request, p url.Values) reply

// messageBody is the {"message":…} answer of the admin routes' errors.
type messageBody struct {
	Message string `json:"message"`
}

// readParams gathers the request's parameters as the providers' PHP
// back-ends do: the query, then an urlencoded or multipart body, or a JSON
// object body (string, number and boolean values), body values first. On
// failure it answers 400 and returns false.
func readParams(w http.ResponseWriter, r *http.Request) (url.Values, bool) {
	r.Body = http.MaxBytesReader(w, r.Body, simkit.MaxBody)
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/json":
		raw, err := io.ReadAll(r.Body)
		if err != nil {
			simkit.WriteJSON(w, http.StatusBadRequest, messageBody{"cannot read body"})
			return nil, false
		}
		p := url.Values{}
		if len(bytes.TrimSpace(raw)) > 0 {
			var m map[string]json.RawMessage
			if err := json.Unmarshal(raw, &m); err != nil {
				simkit.WriteJSON(w, http.StatusBadRequest, messageBody{"invalid JSON"})
				return nil, false
			}
			for k, v := range m {
				if s, ok := jsonScalar(v); ok {
					p.Set(k, s)
				}
			}
		}
		for k, vs := range r.URL.Query() {
			for _, v := range vs {
				p.Add(k, v)
			}
		}
		return p, true
	case "multipart/form-data":
		if err := r.ParseMultipartForm(simkit.MaxBody); err != nil {
			simkit.WriteJSON(w, http.StatusBadRequest, messageBody{"invalid multipart body"})
			return nil, false
		}
	default:
		if err := r.ParseForm(); err != nil {
			simkit.WriteJSON(w, http.StatusBadRequest, messageBody{"invalid form body"})
			return nil, false
		}
	}
	return r.Form, true
}

// jsonScalar is the text of a JSON string, number or boolean.
func jsonScalar(raw json.RawMessage) (string, bool) {
	var v any
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if d.Decode(&v) != nil {
		return "", false
	}
	switch v := v.(type) {
	case string:
		return v, true
	case json.Number:
		return v.String(), true
	case bool:
		return strconv.FormatBool(v), true
	}
	return "", false
}

// writeReply writes an API answer.
func writeReply(w http.ResponseWriter, rp reply) {
	if rp.text != "" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Content-Length", strconv.Itoa(len(rp.text)))
		w.WriteHeader(rp.status)
		_, _ = io.WriteString(w, rp.text)
		return
	}
	simkit.WriteJSON(w, rp.status, rp.json)
}

// numbers splits a comma-separated recipient list into 8801XXXXXXXXX
// numbers (domain.NormalizeMobile), skipping empty entries; ok is false if
// any entry is not a Bangladeshi mobile number.
func numbers(list string) ([]string, bool) {
	var out []string
	for _, n := range strings.Split(list, ",") {
		if strings.Trim(n, " -+") == "" {
			continue
		}
		m, ok := domain.NormalizeMobile(n)
		if !ok {
			return nil, false
		}
		out = append(out, m)
	}
	return out, len(out) > 0
}

// sameNumber reports whether the recorded number (8801XXXXXXXXX) is to,
// written in any form domain.NormalizeMobile accepts.
func sameNumber(recorded, to string) bool {
	n, ok := domain.NormalizeMobile(to)
	return ok && n == recorded
}

// formatTaka writes paisa as Taka with two decimals ("1000.00").
func formatTaka(paisa int64) string { return domain.FormatMinor(max(paisa, 0), 2) }

// parseTaka reads a decimal Taka amount ("12.5", "0") into paisa.
func parseTaka(s string) (int64, error) {
	m, err := domain.ParseAmount(strings.TrimSpace(s), "BDT")
	if errors.Is(err, domain.ErrZeroAmount) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return m.Minor(), nil
}

// listMessages handles GET /messages[?to=…][&provider=…]: the recorded
// messages, oldest first (newest last).
func (s *Simulator) listMessages(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	to, provider := q.Get("to"), q.Get("provider")
	out := []Message{}
	for _, m := range s.Messages() {
		if (to == "" || sameNumber(m.To, to)) && (provider == "" || m.Provider == provider) {
			out = append(out, m)
		}
	}
	simkit.WriteJSON(w, http.StatusOK, out)
}

// account is the body of GET and POST /account.
type account struct {
	Balance              string `json:"balance"`                 // Taka
	BalancePaisa         int64  `json:"balance_paisa"`           // paisa
	PricePerSegment      string `json:"price_per_segment"`       // Taka
	PricePerSegmentPaisa int64  `json:"price_per_segment_paisa"` // paisa
	Messages             int    `json:"messages"`                // recorded messages
}

func (s *Simulator) account() account {
	s.mu.Lock()
	defer s.mu.Unlock()
	return account{
		Balance: formatTaka(s.balance), BalancePaisa: s.balance,
		PricePerSegment: formatTaka(s.price), PricePerSegmentPaisa: s.price,
		Messages: len(s.messages),
	}
}

// getAccount handles GET /account.
func (s *Simulator) getAccount(w http.ResponseWriter, _ *http.Request) {
	simkit.WriteJSON(w, http.StatusOK, s.account())
}

// postAccount handles POST /account {"balance":"0.00"}: it sets the balance
// (Taka, decimal string) and answers like GET /account.
func (s *Simulator) postAccount(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Balance *string `json:"balance"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, simkit.MaxBody)).Decode(&in); err != nil || in.Balance == nil {
		simkit.WriteJSON(w, http.StatusBadRequest, messageBody{`want {"balance":"<Taka>"}`})
		return
	}
	paisa, err := parseTaka(*in.Balance)
	if err != nil {
		simkit.WriteJSON(w, http.StatusBadRequest, messageBody{"balance: " + err.Error()})
		return
	}
	s.SetBalance(paisa)
	simkit.WriteJSON(w, http.StatusOK, s.account())
}
