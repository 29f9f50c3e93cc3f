package redirectgwsim

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/paycore/paycore/adapters/simkit"
	"github.com/paycore/paycore/domain"
)

// sessionState is where a checkout session stands.
type sessionState int

const (
	stateOpen      sessionState = iota // the page waits for the customer
	statePaid                          // paid on the page: has a transaction_id
	stateCancelled                     // cancelled on the page
)

// session is one checkout: a payment_url and what the merchant sent.
type session struct {
	trxID         string
	amount        domain.Money // BDT
	successURL    string
	cancelURL     string
	customerName  string
	customerEmail string
	metaData      string // meta_data as sent; "" when absent
	hasMeta       bool
	created       time.Time

	state         sessionState
	transactionID string
	wallet        string
	paidAt        time.Time
}

// checkoutAnswer is checkout's success answer (docs/gateways/redirectgw.md §2.2).
type checkoutAnswer struct {
	Status     string `json:"status"`
	PaymentURL string `json:"payment_url"`
}

// checkout handles POST /api/v1/checkout (see the package doc for the order
// of checks).
func (s *Simulator) checkout(r *http.Request, body []byte) (int, any) {
	if !s.authorized(r) {
		return http.StatusUnauthorized, errorBody(MessageUnauthorized)
	}
	f, ok := simkit.ParseFields(body)
	if !ok {
		return http.StatusBadRequest, errorBody(messageInvalidJSON)
	}
	if !f.Has("client_base_url") {
		return http.StatusBadRequest, errorBody("The client_base_url field is required.")
	}
	if base, ok := f.JSONString("client_base_url"); !ok || base != s.creds.ClientBaseURL {
		return http.StatusForbidden, errorBody(MessageDomainMismatch)
	}
	if !f.Has("amount") {
		return http.StatusBadRequest, errorBody("The amount field is required.")
	}
	amount, err := parseAmount(f["amount"])
	if err != nil {
		return http.StatusBadRequest, errorBody(messageInvalidAmount)
	}
	sess := &session{amount: amount, created: s.now()}
	for _, u := range []struct {
		key string
		dst *string
	}{{"success_url", &sess.successURL}, {"cancel_url", &sess.cancelURL}} {
		if !f.Has(u.key) {
			return http.StatusBadRequest, errorBody("The " + u.key + " field is required.")
		}
		v, ok := f.JSONString(u.key)
		if !ok || !absoluteHTTP(v) {
			return http.StatusBadRequest, errorBody("The " + u.key + " must be a valid URL.")
		}
		*u.dst = v
	}
	for _, o := range []struct {
		key string
		dst *string
	}{{"customer_name", &sess.customerName}, {"customer_email", &sess.customerEmail}} {
		if !f.Has(o.key) {
			continue
		}
		v, ok := f.JSONString(o.key)
		if !ok {
			return http.StatusBadRequest, errorBody("The " + o.key + " must be a string.")
		}
		*o.dst = v
	}
	if f.Has("meta_data") {
		v, ok := f.JSONString("meta_data")
		if !ok {
			return http.StatusBadRequest, errorBody("The meta_data must be a JSON string.")
		}
		sess.metaData, sess.hasMeta = v, true
	}

	s.mu.Lock()
	for sess.trxID == "" || s.sessions[sess.trxID] != nil {
		sess.trxID = randHex(16)
	}
	s.sessions[sess.trxID] = sess
	s.mu.Unlock()
	return http.StatusOK, checkoutAnswer{
		Status:     "success",
		PaymentURL: s.publicURL(r) + PagePath + "?trx_id=" + sess.trxID,
	}
}

// parseAmount reads amount exactly: a JSON number (not a string) greater
// than zero with at most 2 significant decimals, as BDT.
func parseAmount(raw json.RawMessage) (domain.Money, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] == '"' {
		return domain.Money{}, errors.New("amount is not a JSON number")
	}
	return domain.ParseAmountJSON(raw, domain.BDT.Code)
}

// absoluteHTTP reports whether s is an absolute http(s) URL with a host.
func absoluteHTTP(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}
