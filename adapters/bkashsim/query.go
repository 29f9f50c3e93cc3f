package bkashsim

import (
	"net/http"

	"github.com/paycore/paycore/adapters/simkit"
)

// queryResponse is the query answer (docs/gateways/bkash.md §8.1): note
// merchantInvoice, not merchantInvoiceNumber. paymentExecuteTime and trxID
// appear only once the payment is Completed.
type queryResponse struct {
	PaymentID          string `json:"paymentID"`
	Mode               string `json:"mode"`
	PaymentCreateTime  string `json:"paymentCreateTime"`
	PaymentExecuteTime string `json:"paymentExecuteTime,omitempty"`
	Amount             string `json:"amount"`
	Currency           string `json:"currency"`
	Intent             string `json:"intent"`
	MerchantInvoice    string `json:"merchantInvoice"`
	TrxID              string `json:"trxID,omitempty"`
	TransactionStatus  string `json:"transactionStatus"`
	VerificationStatus string `json:"verificationStatus"`
	PayerReference     string `json:"payerReference"`
	StatusCode         string `json:"statusCode"`
	StatusMessage      string `json:"statusMessage"`
}

// query handles POST …/payment/status {paymentID}; an unknown paymentID gets 2002.
func (s *Simulator) query(r *http.Request, body []byte) (int, any) {
	id, code, v, ok := s.authorizeWith(r, body, "paymentID")
	if !ok {
		return code, v
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.payments[id]
	if p == nil {
		return http.StatusOK, status(codeInvalidPaymentID)
	}
	resp := queryResponse{
		PaymentID:          p.id,
		Mode:               modeCheckoutURL,
		PaymentCreateTime:  FormatTime(p.createdAt),
		Amount:             p.amount,
		Currency:           currencyBDT,
		Intent:             intentSale,
		MerchantInvoice:    p.invoice,
		TransactionStatus:  s.transactionStatus(p, now),
		VerificationStatus: "Incomplete",
		PayerReference:     p.payerReference,
		StatusCode:         codeSuccess,
		StatusMessage:      statusMessages[codeSuccess],
	}
	if p.state == stateCompleted {
		resp.PaymentExecuteTime = FormatTime(p.executedAt)
		resp.TrxID = p.trxID
		resp.VerificationStatus = "Complete"
	}
	return http.StatusOK, resp
}

// searchResponse is the search answer (docs/gateways/bkash.md §8.2, LRV shape).
type searchResponse struct {
	TrxID                 string `json:"trxID"`
	InitiationTime        string `json:"initiationTime"`
	CompletedTime         string `json:"completedTime"`
	TransactionType       string `json:"transactionType"`
	CustomerMsisdn        string `json:"customerMsisdn"`
	TransactionStatus     string `json:"transactionStatus"`
	Amount                string `json:"amount"`
	Currency              string `json:"currency"`
	OrganizationShortCode string `json:"organizationShortCode"`
	StatusCode            string `json:"statusCode"`
	StatusMessage         string `json:"statusMessage"`
}

// search handles POST …/general/searchTransaction {trxID}: a payment's trxID
// is found; anything else gets 2033 Transaction not found.
func (s *Simulator) search(r *http.Request, body []byte) (int, any) {
	trx, code, v, ok := s.authorizeWith(r, body, "trxID")
	if !ok {
		return code, v
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.byTrxID[trx]
	if p == nil {
		return http.StatusOK, status(codeTrxNotFound)
	}
	at := FormatTime(p.executedAt)
	return http.StatusOK, searchResponse{
		TrxID:                 p.trxID,
		InitiationTime:        at,
		CompletedTime:         at,
		TransactionType:       transactionTypeCharge,
		CustomerMsisdn:        p.wallet,
		TransactionStatus:     "Completed",
		Amount:                simkit.FormatPaisa(p.paisa),
		Currency:              currencyBDT,
		OrganizationShortCode: organizationShortCode,
		StatusCode:            codeSuccess,
		StatusMessage:         statusMessages[codeSuccess],
	}
}

// PaymentInfo is a snapshot of one simulated payment, for tests that need to
// look behind the API (e.g. the code a failed page recorded).
type PaymentInfo struct {
	// PaymentID is the bKash paymentID.
	PaymentID string
	// TransactionStatus is what query would report now (package doc).
	TransactionStatus string
	// Approved is true once the customer passed the wallet page.
	Approved bool
	// Executed is true once execute ran, whatever its outcome.
	Executed bool
	// Wallet is the customer's wallet, set on approval.
	Wallet string
	// TrxID is set once Completed.
	TrxID string
	// FailureCode is the bKash code that failed the payment ("2015" on the
	// page; "2023", "2037" or "2029" at execute), or "".
	FailureCode string
	// AmountPaisa is the payment amount in paisa.
	AmountPaisa int64
	// RefundedPaisa is the sum of the payment's refunds, in paisa.
	RefundedPaisa int64
	// Refunds is the number of refunds.
	Refunds int
}

// Payment returns a snapshot of the payment with paymentID id.
func (s *Simulator) Payment(id string) (PaymentInfo, bool) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.payments[id]
	if p == nil {
		return PaymentInfo{}, false
	}
	return PaymentInfo{
		PaymentID:         p.id,
		TransactionStatus: s.transactionStatus(p, now),
		Approved:          p.wallet != "",
		Executed:          p.executed,
		Wallet:            p.wallet,
		TrxID:             p.trxID,
		FailureCode:       p.failCode,
		AmountPaisa:       p.paisa,
		RefundedPaisa:     p.refunded,
		Refunds:           len(p.refunds),
	}, true
}
