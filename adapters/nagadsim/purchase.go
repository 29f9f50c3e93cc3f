package nagadsim

import (
	"net/http"
	"time"

	"github.com/paycore/paycore/adapters/simkit"
	"github.com/paycore/paycore/domain"
)

// verifyResponse is verify's plain answer, in the field order of docs/gateways/nagad.md §7.4; nil pointers are JSON null.
type verifyResponse struct {
	MerchantID             string  `json:"merchantId"`
	OrderID                string  `json:"orderId"`
	PaymentRefID           string  `json:"paymentRefId"`
	Amount                 string  `json:"amount"`
	ClientMobileNo         *string `json:"clientMobileNo"`
	MerchantMobileNo       string  `json:"merchantMobileNo"`
	OrderDateTime          string  `json:"orderDateTime"`
	IssuerPaymentDateTime  *string `json:"issuerPaymentDateTime"`
	IssuerPaymentRefNo     *string `json:"issuerPaymentRefNo"`
	AdditionalMerchantInfo *string `json:"additionalMerchantInfo"`
	Status                 string  `json:"status"`
	StatusCode             *string `json:"statusCode"`
	CancelIssuerDateTime   *string `json:"cancelIssuerDateTime"`
	CancelIssuerRefNo      *string `json:"cancelIssuerRefNo"`
}

func ptr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// verify handles GET …/verify/payment/{paymentRefId} (docs/gateways/nagad.md §7.4). Like
// Nagad's, it needs no X-KM headers ([S] and [D] send none).
func (s *Simulator) verify(r *http.Request, _ []byte) (int, any) {
	ref := r.PathValue("ref")
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.payments[ref]
	if p == nil {
		return refusal(ReasonInvalidPaymentRef, "no payment with this paymentRefId")
	}
	s.expire(p, s.now())
	v := verifyResponse{
		MerchantID: p.merchantID, OrderID: p.orderID, PaymentRefID: p.ref,
		Amount: formatVerifyAmount(p.paisa), MerchantMobileNo: s.cfg.MerchantNumber,
		OrderDateTime: verifyTime(p.initAt), AdditionalMerchantInfo: ptr(p.additional),
		Status: p.status, StatusCode: ptr(p.statusCode), IssuerPaymentRefNo: ptr(p.issuerRef),
		CancelIssuerRefNo: ptr(p.cancelTrxID),
	}
	if !p.completed {
		v.Amount = "0"
	}
	if p.wallet != "" {
		masked := p.wallet[:3] + "****" + p.wallet[7:]
		v.ClientMobileNo = &masked
	}
	if !p.paidAt.IsZero() {
		v.IssuerPaymentDateTime = ptr(verifyTime(p.paidAt))
	}
	if !p.cancelAt.IsZero() {
		v.CancelIssuerDateTime = ptr(verifyTime(p.cancelAt))
	}
	return http.StatusOK, v
}

// cancelResponse is the decrypted answer to a cancel request (docs/gateways/nagad.md §8.3,
// from [F#]).
type cancelResponse struct {
	Status         string `json:"status"`
	Code           string `json:"code"`
	OriginalAmount string `json:"originalAmount"`
	CancelAmount   string `json:"cancelAmount"`
	CancelTrxID    string `json:"cancelTrxId"`
}

// Refund statuses of the cancel answer ([F#]).
const (
	refundStatusFull    = "Refunded"
	refundStatusPartial = "PartialRefunded"
)

// cancel handles POST …/purchase/cancel?paymentRefId=…&orderId=… with
// {sensitiveDataCancelRequest, signature} (docs/gateways/nagad.md §2.2, §8.1): a full or partial
// refund of a paid payment. Checks are listed in the package doc.
func (s *Simulator) cancel(r *http.Request, body []byte) (int, any) {
	if dev := checkHeaders(r); dev != "" {
		return refusal(ReasonHeaderMissing, dev)
	}
	q := r.URL.Query()
	ref, orderID := q.Get("paymentRefId"), q.Get("orderId")
	s.mu.Lock()
	p := s.payments[ref]
	if ref == "" && orderID != "" { // [S] sends only ?orderId=: its latest payment
		for _, cand := range s.payments {
			if cand.orderID == orderID && (p == nil || cand.initAt.After(p.initAt)) {
				p = cand
			}
		}
	}
	s.mu.Unlock()
	if p == nil {
		return refusal(ReasonInvalidPaymentRef, "no payment with this paymentRefId")
	}
	if orderID != "" && orderID != p.orderID {
		return refusal(ReasonInvalidOrderID, "orderId is not the payment's")
	}
	outer, ok := simkit.ParseFields(body)
	if !ok {
		return refusal(ReasonInvalidRequest, "body is not a JSON object")
	}
	plain, code, v := s.openBody(outer, "sensitiveDataCancelRequest")
	if plain == nil {
		return code, v
	}
	in, ok := simkit.ParseFields(plain)
	if !ok {
		return refusal(ReasonInvalidSensitive, "decrypted sensitiveDataCancelRequest is not a JSON object")
	}
	if mid, _, _ := in.Text("merchantId"); mid != p.merchantID {
		return refusal(ReasonInvalidSensitive, "merchantId is not the payment's")
	}
	if oid, _, ok := in.Text("orderId"); ok && oid != p.orderID {
		return refusal(ReasonInvalidSensitive, "orderId is not the payment's")
	}
	if refNo, _, _ := in.Text("referenceNo"); refNo == "" {
		return refusal(ReasonInvalidSensitive, "referenceNo is required")
	}
	origText, _, _ := in.Text("originalAmount")
	orig, okOrig := parseAmount(origText)
	cancelText, _, _ := in.Text("cancelAmount")
	amount, okCancel := parseAmount(cancelText)
	date, _, _ := in.Text("originalRequestDate")

	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	s.expire(p, now)
	switch {
	case p.status != StatusSuccess && p.status != StatusPartialCancelled:
		return refusal(ReasonPurchaseState, "payment is "+p.status+"; only a paid payment can be cancelled")
	case !s.requestDate(date, now):
		return refusal(ReasonInvalidSensitive, "originalRequestDate is not today's date (yyyyMMdd, Asia/Dhaka)")
	case !okOrig || orig != p.paisa:
		return refusal(ReasonInvalidSensitive, "originalAmount is not the amount paid")
	case !okCancel || amount <= 0:
		return refusal(ReasonInvalidSensitive, "cancelAmount must be a positive decimal string with at most 2 decimals")
	case amount > p.paisa-p.cancelled:
		return refusal(ReasonInvalidRequest, "cancelAmount exceeds what is left to refund ("+simkit.FormatPaisa(p.paisa-p.cancelled)+")")
	}
	p.cancelled += amount
	p.cancelTrxID, p.cancelAt = s.newTrxID(), now
	status := refundStatusPartial
	p.status = StatusPartialCancelled
	if p.cancelled == p.paisa {
		status, p.status = refundStatusFull, StatusCancelled
	}
	ans, err := sealAnswer(&s.merchantKey.PublicKey, s.pgKey, compactJSON(cancelResponse{
		Status: status, Code: VerifyCodeSuccess, OriginalAmount: formatVerifyAmount(p.paisa),
		CancelAmount: simkit.FormatPaisa(amount), CancelTrxID: p.cancelTrxID,
	}))
	if err != nil {
		return http.StatusInternalServerError, errorBody{Reason: "16_0006_056", Message: "Encryption failed"}
	}
	return http.StatusOK, ans
}

// requestDate reports whether date is a cancel request's
// originalRequestDate: the date of the request itself in Dhaka, as Nagad's
// own sample ("Change date to the current date") and the clients known to
// work send it, whatever day the payment was made; a request dated just
// before midnight is still taken within DateTimeWindow after it
// (docs/gateways/nagad.md §8.2).
func (s *Simulator) requestDate(date string, now time.Time) bool {
	return date == now.In(domain.Dhaka).Format(layoutDate) ||
		date == now.Add(-s.cfg.DateTimeWindow).In(domain.Dhaka).Format(layoutDate)
}

// newTrxID returns an unused 8-character Nagad transaction ID ("0000K7QD").
// s.mu must be held.
func (s *Simulator) newTrxID() string {
	for {
		id := "0000" + simkit.RandString(trxChars, 4)
		if !s.trxIDs[id] {
			s.trxIDs[id] = true
			return id
		}
	}
}
