package nagadsim

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/paycore/paycore/adapters/simkit"
	"github.com/paycore/paycore/domain"
)

// payment is one initialized payment and everything that happened to it.
type payment struct {
	ref, orderID, merchantID string
	challenge                string // the server's challenge, echoed by complete
	initAt                   time.Time

	completed   bool
	paisa       int64
	callbackURL string
	additional  string // additionalMerchantInfo as a JSON text, "" if none

	status     string
	statusCode string // "" while in progress
	wallet     string // set once the customer pays
	wrongPINs  int
	paidAt     time.Time
	issuerRef  string

	cancelled   int64 // paisa refunded so far
	cancelTrxID string
	cancelAt    time.Time
}

// expire moves a payment the customer never finished to Aborted once
// Config.PaymentTimeout has passed since initialize. s.mu must be held.
func (s *Simulator) expire(p *payment, now time.Time) {
	switch p.status {
	case StatusOrderInitiated, StatusReady, StatusInProgress:
		if !now.Before(p.initAt.Add(s.cfg.PaymentTimeout)) {
			p.status, p.statusCode = StatusAborted, CodeAborted
		}
	}
}

// clientTypes are the X-KM-Client-Type values of docs/gateways/nagad.md §3.
var clientTypes = []string{"PC_WEB", "MOBILE_WEB", "MOBILE_APP", "WALLET_WEB_VIEW", "BILL_KEY"}

// checkHeaders returns what is wrong with the X-KM headers (docs/gateways/nagad.md §3), ""
// when nothing is.
func checkHeaders(r *http.Request) string {
	v, ip, ct := r.Header.Get("X-KM-Api-Version"), r.Header.Get("X-KM-IP-V4"), r.Header.Get("X-KM-Client-Type")
	switch {
	case v == "":
		return "X-KM-Api-Version header is missing"
	case !strings.HasPrefix(v, "v-"):
		return "X-KM-Api-Version must look like v-0.2.0"
	case ip == "":
		return "X-KM-IP-V4 header is missing"
	case net.ParseIP(ip) == nil || net.ParseIP(ip).To4() == nil || strings.Contains(ip, ":"):
		return "X-KM-IP-V4 must be one IPv4 address"
	case ct == "":
		return "X-KM-Client-Type header is missing"
	case !slices.Contains(clientTypes, ct):
		return "X-KM-Client-Type must be one of " + strings.Join(clientTypes, ", ")
	}
	return ""
}

// validOrderID: [A-Za-z0-9]{5,20} (docs/gateways/nagad.md §10.3).
func validOrderID(s string) bool { return len(s) >= 5 && len(s) <= 20 && alnum(s) }

// openBody decrypts and verifies body[key] with body["signature"]; on
// failure it returns the refusal to answer.
func (s *Simulator) openBody(body simkit.Fields, key string) ([]byte, int, any) {
	sd, _, ok1 := body.Text(key)
	sig, _, ok2 := body.Text("signature")
	if !ok1 || !ok2 || sd == "" || sig == "" {
		code, v := refusal(ReasonInvalidSensitive, key+" and signature are required")
		return nil, code, v
	}
	plain, err := openRequest(s.pgKey, &s.merchantKey.PublicKey, sd, sig)
	switch {
	case errors.Is(err, errNotBase64):
		code, v := refusal(ReasonNotEncoded, err.Error())
		return nil, code, v
	case errors.Is(err, errDecrypt):
		code, v := refusal(ReasonDecryptionFailed, err.Error())
		return nil, code, v
	case errors.Is(err, errSignature):
		code, v := refusal(ReasonSignature, err.Error())
		return nil, code, v
	}
	return plain, 0, nil
}

// initResponse is initialize's decrypted answer (docs/gateways/nagad.md §5.3).
type initResponse struct {
	PaymentReferenceID string `json:"paymentReferenceId"`
	Challenge          string `json:"challenge"`
	AcceptDateTime     string `json:"acceptDateTime"`
}

// initialize handles POST …/check-out/initialize/{merchantId}/{orderId}
// (docs/gateways/nagad.md §5). Checks, in order, are listed in the package doc.
func (s *Simulator) initialize(r *http.Request, body []byte) (int, any) {
	if dev := checkHeaders(r); dev != "" {
		return refusal(ReasonHeaderMissing, dev)
	}
	merchantID, orderID := r.PathValue("merchantId"), r.PathValue("orderId")
	if merchantID != s.cfg.MerchantID {
		return refusal(ReasonMerchantIDInvalid, "unknown merchant "+merchantID)
	}
	if !validOrderID(orderID) {
		return refusal(ReasonInvalidOrderID, "orderId must be 5-20 letters or digits")
	}
	outer, ok := simkit.ParseFields(body)
	if !ok {
		return refusal(ReasonInvalidRequest, "body is not a JSON object")
	}
	plain, code, v := s.openBody(outer, "sensitiveData")
	if plain == nil {
		return code, v
	}
	in, ok := simkit.ParseFields(plain)
	if !ok {
		return refusal(ReasonInvalidSensitive, "decrypted sensitiveData is not a JSON object")
	}
	if _, camel := in["dateTime"]; camel && in["datetime"] == nil {
		return refusal(ReasonInvalidSensitive, "sensitiveData must spell datetime with a lower-case t")
	}
	if mid, _, _ := in.Text("merchantId"); mid != merchantID {
		return refusal(ReasonInvalidSensitive, "sensitiveData merchantId does not match the path")
	}
	if oid, _, _ := in.Text("orderId"); oid != orderID {
		return refusal(ReasonInvalidSensitive, "sensitiveData orderId does not match the path")
	}
	if ch, _, _ := in.Text("challenge"); ch == "" {
		return refusal(ReasonInvalidSensitive, "sensitiveData challenge is required")
	}
	dt, _, _ := in.Text("datetime")
	sent, err := time.ParseInLocation(layoutDateTime, dt, domain.Dhaka)
	if err != nil || len(dt) != len(layoutDateTime) {
		return refusal(ReasonDateTimeFormat, "datetime must be yyyyMMddHHmmss in Asia/Dhaka")
	}
	now := s.now()
	if skew := now.Sub(sent); skew > s.cfg.DateTimeWindow || skew < -s.cfg.DateTimeWindow {
		return refusal(ReasonDateTimeWindow, fmt.Sprintf("datetime %s is %s from the server's time %s (Asia/Dhaka)",
			dt, skew.Round(time.Second), now.In(domain.Dhaka).Format(layoutDateTime)))
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	day := now.In(domain.Dhaka).Format(layoutDate) + "/" + orderID
	if s.orders[day] != nil {
		return refusal(ReasonDuplicateOrderID, "orderId "+orderID+" was already initialized today")
	}
	p := &payment{orderID: orderID, merchantID: merchantID, challenge: randHex(20), initAt: now, status: StatusOrderInitiated}
	for p.ref == "" || s.payments[p.ref] != nil {
		d := now.In(domain.Dhaka)
		raw := fmt.Sprintf("%s%03d.%s.%s.%s", d.Format("0102150405"), d.Nanosecond()/int(time.Millisecond), merchantID, orderID, p.challenge)
		p.ref = base64.StdEncoding.EncodeToString([]byte(raw))
		if s.payments[p.ref] != nil {
			p.challenge = randHex(20)
		}
	}
	s.payments[p.ref] = p
	s.orders[day] = p
	ans, err := sealAnswer(&s.merchantKey.PublicKey, s.pgKey, compactJSON(initResponse{
		PaymentReferenceID: p.ref, Challenge: p.challenge, AcceptDateTime: now.In(domain.Dhaka).Format(layoutDateTime),
	}))
	if err != nil {
		return http.StatusInternalServerError, errorBody{Reason: "16_0006_056", Message: "Encryption failed"}
	}
	return http.StatusOK, ans
}

// completeResponse is complete's plain answer (docs/gateways/nagad.md §6.3).
type completeResponse struct {
	CallBackURL string `json:"callBackUrl"`
	Status      string `json:"status"`
}

// currencyBDT is the only currencyCode accepted (docs/gateways/nagad.md §10.4).
const currencyBDT = "050"

// complete handles POST …/check-out/complete/{paymentReferenceId}
// (docs/gateways/nagad.md §6): it places the order and answers the payment page URL.
func (s *Simulator) complete(r *http.Request, body []byte) (int, any) {
	if dev := checkHeaders(r); dev != "" {
		return refusal(ReasonHeaderMissing, dev)
	}
	ref := r.PathValue("ref")
	s.mu.Lock()
	p := s.payments[ref]
	s.mu.Unlock()
	if p == nil {
		return refusal(ReasonInvalidPaymentRef, "no payment with this paymentReferenceId")
	}
	outer, ok := simkit.ParseFields(body)
	if !ok {
		return refusal(ReasonInvalidRequest, "body is not a JSON object")
	}
	plain, code, v := s.openBody(outer, "sensitiveData")
	if plain == nil {
		return code, v
	}
	in, ok := simkit.ParseFields(plain)
	if !ok {
		return refusal(ReasonInvalidSensitive, "decrypted sensitiveData is not a JSON object")
	}
	if mid, _, _ := in.Text("merchantId"); mid != p.merchantID {
		return refusal(ReasonInvalidSensitive, "sensitiveData merchantId is not the payment's")
	}
	if oid, _, _ := in.Text("orderId"); oid != p.orderID {
		return refusal(ReasonInvalidSensitive, "sensitiveData orderId is not the payment's")
	}
	if cur, _, _ := in.Text("currencyCode"); cur != currencyBDT {
		return refusal(ReasonInvalidCurrency, "currencyCode must be "+currencyBDT)
	}
	amount, _, _ := in.Text("amount")
	paisa, ok := parseAmount(amount)
	if !ok || paisa <= 0 {
		return refusal(ReasonInvalidSensitive, "amount must be a positive decimal string with at most 2 decimals and 15 characters")
	}
	if ch, _, _ := in.Text("challenge"); ch != p.challenge {
		return refusal(ReasonInvalidSensitive, "challenge is not the server's challenge from initialize")
	}
	cb, _, _ := outer.Text("merchantCallbackURL")
	if u, err := url.Parse(cb); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(cb) < 10 || len(cb) > 255 {
		return refusal(ReasonInvalidRequest, "merchantCallbackURL must be an absolute http(s) URL of 10-255 characters")
	}
	additional := ""
	if raw := bytes.TrimSpace(outer["additionalMerchantInfo"]); len(raw) > 0 && !bytes.Equal(raw, []byte("null")) {
		var str string
		if json.Unmarshal(raw, &str) == nil {
			raw = []byte(str)
		}
		var buf bytes.Buffer
		if json.Compact(&buf, raw) != nil || buf.Len() > 2048 {
			return refusal(ReasonInvalidRequest, "additionalMerchantInfo must be JSON of at most 2048 characters")
		}
		additional = buf.String()
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	s.expire(p, s.now())
	if p.completed || p.status != StatusOrderInitiated {
		return refusal(ReasonPurchaseState, "payment is "+p.status+"; complete is accepted once, after initialize")
	}
	p.completed, p.paisa, p.callbackURL, p.additional, p.status = true, paisa, cb, additional, StatusReady
	return http.StatusOK, completeResponse{CallBackURL: s.publicURL(r) + PagePrefix + url.PathEscape(p.ref), Status: StatusSuccess}
}
