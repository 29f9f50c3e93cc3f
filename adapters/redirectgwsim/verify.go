package redirectgwsim

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/paycore/paycore/adapters/simkit"
	"github.com/paycore/paycore/domain"
)

// Payment statuses verify reports. Only paid sessions have a transaction_id,
// so the simulator reports StatusCompleted alone; the others are the values
// of the gateway's relatives (docs/gateways/redirectgw.md §4.2), listed for clients.
const (
	StatusCompleted = "COMPLETED" // paid
	StatusPending   = "PENDING"   // not paid yet
	StatusError     = "ERROR"     // failed
)

// VerifyAnswer is verify's success answer, in the verify-payment shape of
// the gateway's relatives (docs/gateways/redirectgw.md §4.2).
type VerifyAnswer struct {
	// Status is StatusCompleted.
	Status string `json:"status"`
	// TransactionID is the id the customer's browser brought back.
	TransactionID string `json:"transaction_id"`
	// TrxID is the session id in payment_url.
	TrxID string `json:"trx_id"`
	// Amount is the amount paid, a decimal string with 2 decimals ("150.50").
	Amount string `json:"amount"`
	// Currency is always "BDT": checkout takes no currency.
	Currency string `json:"currency"`
	// Metadata is the object meta_data held, the meta_data string itself
	// when it did not hold a JSON object, or null when none was sent.
	Metadata any `json:"metadata"`
	// CustomerName and CustomerEmail are echoed from checkout.
	CustomerName  string `json:"customer_name"`
	CustomerEmail string `json:"customer_email"`
	// PaymentMethod is "bkash": the page plays a bKash personal wallet.
	PaymentMethod string `json:"payment_method"`
	// SenderNumber is the wallet entered on the page.
	SenderNumber string `json:"sender_number"`
	// Date is when the customer paid, in DateLayout, Asia/Dhaka.
	Date string `json:"date"`
}

// verify handles POST /api/v1/verify-payment {"transaction_id":"…"}.
func (s *Simulator) verify(r *http.Request, body []byte) (int, any) {
	if !s.authorized(r) {
		return http.StatusUnauthorized, errorBody(MessageUnauthorized)
	}
	f, ok := simkit.ParseFields(body)
	if !ok {
		return http.StatusBadRequest, errorBody(messageInvalidJSON)
	}
	id, ok := f.JSONString("transaction_id")
	if !ok || strings.TrimSpace(id) == "" {
		return http.StatusBadRequest, errorBody("The transaction_id field is required.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.byTxn[id]
	if p == nil {
		return http.StatusNotFound, errorBody(MessageInvalidTransaction)
	}
	return http.StatusOK, s.verifyAnswer(p)
}

// verifyAnswer describes a paid session. s.mu must be held.
func (s *Simulator) verifyAnswer(p *session) VerifyAnswer {
	var meta any
	if p.hasMeta {
		var obj map[string]any
		if err := json.Unmarshal([]byte(p.metaData), &obj); err == nil && obj != nil {
			meta = obj
		} else {
			meta = p.metaData
		}
	}
	return VerifyAnswer{
		Status:        StatusCompleted,
		TransactionID: p.transactionID,
		TrxID:         p.trxID,
		Amount:        p.amount.Decimal(),
		Currency:      p.amount.Currency().Code,
		Metadata:      meta,
		CustomerName:  p.customerName,
		CustomerEmail: p.customerEmail,
		PaymentMethod: "bkash",
		SenderNumber:  p.wallet,
		Date:          p.paidAt.In(domain.Dhaka).Format(DateLayout),
	}
}
