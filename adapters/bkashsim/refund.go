package bkashsim

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/paycore/paycore/adapters/simkit"
)

// refund is one refund of a payment.
type refund struct {
	trxID  string
	paisa  int64
	sku    string
	reason string
	at     time.Time
}

// refundResponse is the v1 refund answer (docs/gateways/bkash.md §9.1,
// with the statusCode/statusMessage of the 2023 capture).
type refundResponse struct {
	StatusCode        string `json:"statusCode"`
	StatusMessage     string `json:"statusMessage"`
	OriginalTrxID     string `json:"originalTrxID"`
	RefundTrxID       string `json:"refundTrxID"`
	TransactionStatus string `json:"transactionStatus"`
	Amount            string `json:"amount"`
	Currency          string `json:"currency"`
	Charge            string `json:"charge"`
	CompletedTime     string `json:"completedTime"`
}

// refundItem is one entry of refundStatusResponse.RefundTransactions.
type refundItem struct {
	RefundTrxID       string `json:"refundTrxID"`
	TransactionStatus string `json:"transactionStatus"`
	Amount            string `json:"amount"`
	Currency          string `json:"currency"`
	Charge            string `json:"charge"`
	CompletedTime     string `json:"completedTime"`
}

// refundStatusResponse is the refund status answer: the latest refund in the
// refund answer's shape (docs/gateways/bkash.md §9.2), plus every refund, oldest first.
type refundStatusResponse struct {
	refundResponse
	RefundTransactions []refundItem `json:"refundTransactions"`
}

// serveRefund routes POST …/payment/refund by its body, as bKash does
// (docs/gateways/bkash.md §3.2): with an amount it is a refund, with only paymentID and trxID a
// refund status request.
func (s *Simulator) serveRefund(w http.ResponseWriter, r *http.Request) {
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	if f, ok := simkit.ParseFields(body); ok && !f.Has("amount") {
		s.serveAPI(w, r, EndpointRefundStatus, s.refundStatus, body)
		return
	}
	s.serveAPI(w, r, EndpointRefund, s.refund, body)
}

// refund handles a v1 refund {paymentID, amount, trxID, sku, reason}; the
// validation order and codes are in the package doc.
func (s *Simulator) refund(r *http.Request, body []byte) (int, any) {
	if code, v, ok := s.authorize(r); !ok {
		return code, v
	}
	f, ok := simkit.ParseFields(body)
	if !ok {
		return http.StatusOK, status(codeInvalidBody)
	}
	text := func(k string) string { v, _, _ := f.Text(k); return v }
	code, p, rf := s.doRefund(text("paymentID"), text("trxID"), text("amount"), text("sku"), text("reason"))
	switch {
	case code == codeRefundWindow:
		return http.StatusOK, refundWindowStatus(windowDays(s.cfg.RefundWindow))
	case code != codeSuccess:
		return http.StatusOK, status(code)
	}
	return http.StatusOK, refundAnswer(p, rf)
}

// doRefund validates and makes one refund, the same for v1 and v2 (the
// validation order and codes are in the package doc). It returns
// codeSuccess with the payment and its new refund, or the refusal's code.
func (s *Simulator) doRefund(id, trx, amount, sku, reason string) (string, *payment, refund) {
	paisa, ok := simkit.ParsePaisa(amount)
	if !ok || paisa <= 0 {
		return codeRefundAmount, nil, refund{}
	}
	switch {
	case strings.TrimSpace(sku) == "":
		return codeInvalidSKU, nil, refund{} // theihasan/laravel-bkash PR #8
	case len(sku) > maxFieldLen:
		return codeSKUTooLong, nil, refund{}
	case strings.TrimSpace(reason) == "":
		return codeInvalidReason, nil, refund{}
	case len(reason) > maxFieldLen:
		return codeReasonTooLong, nil, refund{}
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.payments[id]
	switch {
	case p == nil || p.state != stateCompleted || p.trxID != trx:
		return codeInvalidTrxID, nil, refund{}
	case now.After(p.executedAt.Add(s.cfg.RefundWindow)):
		return codeRefundWindow, nil, refund{}
	case len(p.refunds) >= MaxRefunds:
		return codeCannotReverse, nil, refund{}
	case p.refunded+paisa > p.paisa:
		return codeRefundAmount, nil, refund{}
	}
	rf := refund{trxID: s.newTrxID(), paisa: paisa, sku: sku, reason: reason, at: now}
	p.refunds = append(p.refunds, rf)
	p.refunded += paisa
	return codeSuccess, p, rf
}

// refundStatus handles a v1 refund status {paymentID, trxID}: 2002 for an
// unknown payment or one without refunds, 2077 for a trxID that is not the
// payment's.
func (s *Simulator) refundStatus(r *http.Request, body []byte) (int, any) {
	if code, v, ok := s.authorize(r); !ok {
		return code, v
	}
	f, _ := simkit.ParseFields(body)
	id, _, _ := f.Text("paymentID")
	trx, _, _ := f.Text("trxID")
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.payments[id]
	switch {
	case p == nil:
		return http.StatusOK, status(codeInvalidPaymentID)
	case p.trxID == "" || p.trxID != trx:
		return http.StatusOK, status(codeInvalidTrxID)
	case len(p.refunds) == 0:
		return http.StatusOK, status(codeInvalidPaymentID)
	}
	out := refundStatusResponse{refundResponse: refundAnswer(p, p.refunds[len(p.refunds)-1])}
	for _, rf := range p.refunds {
		out.RefundTransactions = append(out.RefundTransactions, refundItem{
			RefundTrxID:       rf.trxID,
			TransactionStatus: "Completed",
			Amount:            simkit.FormatPaisa(rf.paisa),
			Currency:          currencyBDT,
			Charge:            "0.00",
			CompletedTime:     FormatTime(rf.at),
		})
	}
	return http.StatusOK, out
}

func refundAnswer(p *payment, rf refund) refundResponse {
	return refundResponse{
		StatusCode:        codeSuccess,
		StatusMessage:     statusMessages[codeSuccess],
		OriginalTrxID:     p.trxID,
		RefundTrxID:       rf.trxID,
		TransactionStatus: "Completed",
		Amount:            simkit.FormatPaisa(rf.paisa),
		Currency:          currencyBDT,
		Charge:            "0.00",
		CompletedTime:     FormatTime(rf.at),
	}
}

// windowDays renders the refund window in days for the 2071 message: whole
// days as an integer ("15"), otherwise with two decimals ("0.50").
func windowDays(d time.Duration) string {
	const day = 24 * time.Hour
	if d%day == 0 {
		return strconv.FormatInt(int64(d/day), 10)
	}
	return simkit.FormatPaisa(int64(d * 100 / day)) // hundredths of a day, like paisa
}
