package bkashsim

import (
	"net/http"

	"github.com/paycore/paycore/adapters/simkit"
)

// APIPrefixV2 is the v2 ("non-beta") tokenized checkout API below the mount
// point; the simulator serves its refund and refund status there
// (docs/gateways/bkash.md §3.4, §9.3, §9.5).
const APIPrefixV2 = "/v2/tokenized-checkout"

// Endpoint keys of the v2 refund routes.
const (
	EndpointRefundV2       = "refund_v2"        // POST /v2/tokenized-checkout/refund/payment/transaction
	EndpointRefundStatusV2 = "refund_status_v2" // POST /v2/tokenized-checkout/refund/payment/status
)

// refundV2Response is the v2 refund answer (docs/gateways/bkash.md §9.3, §9.5;
// RDOC, JS and NET agree on every name).
type refundV2Response struct {
	OriginalTrxID           string `json:"originalTrxId"`
	RefundTrxID             string `json:"refundTrxId"`
	RefundTransactionStatus string `json:"refundTransactionStatus"`
	OriginalTrxAmount       string `json:"originalTrxAmount"`
	RefundAmount            string `json:"refundAmount"`
	Currency                string `json:"currency"`
	CompletedTime           string `json:"completedTime"`
	SKU                     string `json:"sku"`
	Reason                  string `json:"reason"`
}

// refundV2Item is one entry of the v2 refund status's refundTransactions.
type refundV2Item struct {
	RefundTrxID             string `json:"refundTrxId"`
	RefundTransactionStatus string `json:"refundTransactionStatus"`
	RefundAmount            string `json:"refundAmount"`
	CompletedTime           string `json:"completedTime"`
}

// refundStatusV2Response is the v2 refund status answer: the payment and
// every refund of it, oldest first (an empty list when none).
type refundStatusV2Response struct {
	OriginalTrxID            string         `json:"originalTrxId"`
	OriginalTrxAmount        string         `json:"originalTrxAmount"`
	OriginalTrxCompletedTime string         `json:"originalTrxCompletedTime"`
	RefundTransactions       []refundV2Item `json:"refundTransactions"`
}

// v2Error is the v2 error body (docs/gateways/bkash.md §3.4), sent with
// HTTP 400. The simulator puts the v1 code in both internalCode and
// externalCode and bKash's English message in errorMessageEn.
type v2Error struct {
	InternalCode   string `json:"internalCode"`
	ExternalCode   string `json:"externalCode"`
	ErrorMessageEn string `json:"errorMessageEn"`
	ErrorMessageBn string `json:"errorMessageBn"`
}

// messageBnRefused is the simulator's Bangla text for every v2 refusal.
const messageBnRefused = "অনুরোধটি গ্রহণ করা যায়নি"

func v2Refusal(code, msg string) (int, any) {
	if msg == "" {
		msg = statusMessages[code]
	}
	return http.StatusBadRequest, v2Error{InternalCode: code, ExternalCode: code, ErrorMessageEn: msg, ErrorMessageBn: messageBnRefused}
}

// v2Auth authorizes a v2 call with the v1.2 id_token (NET and JS do) and
// reads its JSON body; a wrong app key or a body that is not JSON is a v2
// refusal.
func (s *Simulator) v2Auth(r *http.Request, body []byte) (simkit.Fields, int, any, bool) {
	if code, v, ok := s.authorize(r); !ok {
		if sb, isStatus := v.(statusBody); isStatus {
			code, v = v2Refusal(sb.StatusCode, sb.StatusMessage)
		}
		return nil, code, v, false
	}
	f, ok := simkit.ParseFields(body)
	if !ok {
		code, v := v2Refusal(codeInvalidBody, "")
		return nil, code, v, false
	}
	return f, 0, nil, true
}

// refundV2 handles POST …/v2/tokenized-checkout/refund/payment/transaction
// {paymentId, trxId, refundAmount, sku, reason}: the same rules and codes as
// the v1 refund (package doc), refusals in the v2 error shape.
func (s *Simulator) refundV2(r *http.Request, body []byte) (int, any) {
	f, code, v, ok := s.v2Auth(r, body)
	if !ok {
		return code, v
	}
	text := func(k string) string { v, _, _ := f.Text(k); return v }
	c, p, rf := s.doRefund(text("paymentId"), text("trxId"), text("refundAmount"), text("sku"), text("reason"))
	switch {
	case c == codeRefundWindow:
		return v2Refusal(c, refundWindowStatus(windowDays(s.cfg.RefundWindow)).StatusMessage)
	case c != codeSuccess:
		return v2Refusal(c, "")
	}
	return http.StatusOK, refundV2Response{
		OriginalTrxID:           p.trxID,
		RefundTrxID:             rf.trxID,
		RefundTransactionStatus: "Completed",
		OriginalTrxAmount:       simkit.FormatPaisa(p.paisa),
		RefundAmount:            simkit.FormatPaisa(rf.paisa),
		Currency:                currencyBDT,
		CompletedTime:           FormatTime(rf.at),
		SKU:                     rf.sku,
		Reason:                  rf.reason,
	}
}

// refundStatusV2 handles POST …/v2/tokenized-checkout/refund/payment/status
// {paymentId, trxId}: the payment and all its refunds (none: an empty list).
// An unknown paymentId gives 2002, a trxId that is not the completed
// payment's 2077.
func (s *Simulator) refundStatusV2(r *http.Request, body []byte) (int, any) {
	f, code, v, ok := s.v2Auth(r, body)
	if !ok {
		return code, v
	}
	id, _, _ := f.Text("paymentId")
	trx, _, _ := f.Text("trxId")
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.payments[id]
	switch {
	case p == nil:
		return v2Refusal(codeInvalidPaymentID, "")
	case p.trxID == "" || p.trxID != trx:
		return v2Refusal(codeInvalidTrxID, "")
	}
	out := refundStatusV2Response{
		OriginalTrxID:            p.trxID,
		OriginalTrxAmount:        simkit.FormatPaisa(p.paisa),
		OriginalTrxCompletedTime: FormatTime(p.executedAt),
		RefundTransactions:       []refundV2Item{},
	}
	for _, rf := range p.refunds {
		out.RefundTransactions = append(out.RefundTransactions, refundV2Item{
			RefundTrxID: rf.trxID, RefundTransactionStatus: "Completed",
			RefundAmount: simkit.FormatPaisa(rf.paisa), CompletedTime: FormatTime(rf.at),
		})
	}
	return http.StatusOK, out
}
