package bkashsim

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/paycore/paycore/adapters/simkit"
)

// payState is where a payment is in its life.
type payState int

const (
	stateInitiated payState = iota // created, customer not done on the page
	stateApproved                  // customer entered wallet, OTP and PIN; execute may run
	stateCancelled                 // customer pressed cancel on the page
	stateFailed                    // page gave up (third wrong PIN, 2015)
	stateCompleted                 // execute succeeded; money moved
	stateDeclined                  // execute ran and failed (2023, 2037, 2029)
)

// Fixed values of the simulated merchant and payment.
const (
	modeCheckoutURL       = "0011"
	currencyBDT           = "BDT"
	intentSale            = "sale"
	organizationShortCode = "50022"
	merchantName          = "paycore sandbox merchant"
	maxFieldLen           = 255
)

// payment is one created payment and everything that happened to it.
type payment struct {
	id, hash, signature string
	payerReference      string
	callbackURL         string
	amount              string // exactly as sent to create
	paisa               int64
	invoice             string
	createdAt           time.Time

	state      payState
	wallet     string // set on approval
	wrongPINs  int
	failCode   string // why the page or execute failed
	executed   bool   // execute ran (whatever the outcome): the next one gets 2117
	executedAt time.Time
	trxID      string
	refunds    []refund
	refunded   int64 // paisa
}

// expired reports whether a payment still waiting for the customer is past
// the payment timeout.
func (s *Simulator) expired(p *payment, now time.Time) bool {
	return p.state == stateInitiated && !now.Before(p.createdAt.Add(s.cfg.PaymentTimeout))
}

// transactionStatus is the query's transactionStatus for p (package doc).
func (s *Simulator) transactionStatus(p *payment, now time.Time) string {
	switch p.state {
	case stateCompleted:
		return "Completed"
	case stateCancelled:
		return "Cancelled"
	case stateFailed, stateDeclined:
		return "Declined"
	}
	if s.expired(p, now) {
		return "Expired"
	}
	return "Initiated"
}

// createResponse is the create answer, in the field order of docs/gateways/bkash.md §5.2.
type createResponse struct {
	PaymentID             string `json:"paymentID"`
	BkashURL              string `json:"bkashURL"`
	CallbackURL           string `json:"callbackURL"`
	SuccessCallbackURL    string `json:"successCallbackURL"`
	FailureCallbackURL    string `json:"failureCallbackURL"`
	CancelledCallbackURL  string `json:"cancelledCallbackURL"`
	Amount                string `json:"amount"`
	Intent                string `json:"intent"`
	Currency              string `json:"currency"`
	PaymentCreateTime     string `json:"paymentCreateTime"`
	TransactionStatus     string `json:"transactionStatus"`
	MerchantInvoiceNumber string `json:"merchantInvoiceNumber"`
	StatusCode            string `json:"statusCode"`
	StatusMessage         string `json:"statusMessage"`
}

// createField is one create body field and the code for an invalid value.
type createField struct {
	key   string
	code  string
	valid func(string) bool
}

var createFields = []createField{
	{"mode", codeInvalidMode, func(v string) bool { return v == modeCheckoutURL }},
	{"payerReference", codeInvalidPayerRef, func(v string) bool { return v != "" && len(v) <= maxFieldLen }},
	{"callbackURL", codeInvalidCallback, validCallbackURL},
	{"amount", codeInvalidAmount, func(v string) bool { p, ok := simkit.ParsePaisa(v); return ok && p >= MinAmount }},
	{"currency", codeInvalidCurrency, func(v string) bool { return v == currencyBDT }},
	{"intent", codeInvalidIntent, func(v string) bool { return v == intentSale }},
	{"merchantInvoiceNumber", codeInvalidInvoice, func(v string) bool {
		return strings.TrimSpace(v) != "" && len(v) <= maxFieldLen && !strings.ContainsAny(v, "<>&")
	}},
}

func validCallbackURL(v string) bool {
	u, err := url.Parse(v)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// create handles POST …/create (docs/gateways/bkash.md §5.1): it validates the body (codes in the
// package doc) and stores an Initiated payment whose bkashURL is the wallet page.
func (s *Simulator) create(r *http.Request, body []byte) (int, any) {
	if code, v, ok := s.authorize(r); !ok {
		return code, v
	}
	f, ok := simkit.ParseFields(body)
	if !ok {
		return http.StatusOK, status(codeInvalidBody)
	}
	for _, cf := range createFields {
		if !f.Has(cf.key) {
			return http.StatusOK, status(codeMissingField)
		}
	}
	vals := map[string]string{}
	for _, cf := range createFields {
		v, _, valid := f.Text(cf.key)
		if !valid || !cf.valid(v) {
			return http.StatusOK, status(cf.code)
		}
		vals[cf.key] = v
	}
	paisa, _ := simkit.ParsePaisa(vals["amount"])
	if s.cfg.MaxAmount > 0 && paisa > s.cfg.MaxAmount {
		return http.StatusOK, status(codeInvalidAmount)
	}
	now := s.now()

	s.mu.Lock()
	p := &payment{
		id:             s.newPaymentID(now),
		hash:           simkit.RandString(hashChars, 14) + "_" + fmt.Sprintf("%013d", now.UnixMilli()+1),
		signature:      simkit.RandString(alnum, 10),
		payerReference: vals["payerReference"],
		callbackURL:    vals["callbackURL"],
		amount:         vals["amount"],
		paisa:          paisa,
		invoice:        vals["merchantInvoiceNumber"],
		createdAt:      now,
	}
	s.payments[p.id] = p
	s.mu.Unlock()

	cb := func(st string) string {
		return simkit.AppendQuery(p.callbackURL, "paymentID="+p.id+"&status="+st+"&signature="+p.signature)
	}
	return http.StatusOK, createResponse{
		PaymentID: p.id,
		BkashURL: s.publicURL(r) + "/checkout?paymentId=" + p.id + "&hash=" + p.hash +
			"&mode=" + modeCheckoutURL + "&apiVersion=v1.2.0-beta/",
		CallbackURL:           p.callbackURL,
		SuccessCallbackURL:    cb("success"),
		FailureCallbackURL:    cb("failure"),
		CancelledCallbackURL:  cb("cancel"),
		Amount:                p.amount,
		Intent:                intentSale,
		Currency:              currencyBDT,
		PaymentCreateTime:     FormatTime(now),
		TransactionStatus:     "Initiated",
		MerchantInvoiceNumber: p.invoice,
		StatusCode:            codeSuccess,
		StatusMessage:         statusMessages[codeSuccess],
	}
}

// newPaymentID returns an unused paymentID shaped like bKash's: "TR0011", 7
// letters or digits, then the 13-digit epoch milliseconds (docs/gateways/bkash.md §5.2). s.mu must
// be held.
func (s *Simulator) newPaymentID(now time.Time) string {
	for {
		id := "TR" + modeCheckoutURL + simkit.RandString(alnum, 7) + fmt.Sprintf("%013d", now.UnixMilli())
		if _, taken := s.payments[id]; !taken {
			return id
		}
	}
}

// newTrxID returns an unused trxID: 10 upper-case letters and digits starting
// with a letter, e.g. "CKQ70ZB4TM" (docs/gateways/bkash.md §7.1). s.mu must be held.
func (s *Simulator) newTrxID() string {
	for {
		id := simkit.RandString(upper, 1) + simkit.RandString(upperAlnum, 9)
		if !s.usedTrxIDs[id] {
			s.usedTrxIDs[id] = true
			return id
		}
	}
}

// executeResponse is the execute success answer (docs/gateways/bkash.md §7.1, with the
// Nov 2025 fields payerType, payerAccount and maxRefundableAmount).
type executeResponse struct {
	PaymentID             string `json:"paymentID"`
	TrxID                 string `json:"trxID"`
	TransactionStatus     string `json:"transactionStatus"`
	Amount                string `json:"amount"`
	Currency              string `json:"currency"`
	Intent                string `json:"intent"`
	PaymentExecuteTime    string `json:"paymentExecuteTime"`
	MerchantInvoiceNumber string `json:"merchantInvoiceNumber"`
	PayerType             string `json:"payerType"`
	PayerReference        string `json:"payerReference"`
	CustomerMsisdn        string `json:"customerMsisdn"`
	PayerAccount          string `json:"payerAccount"`
	MaxRefundableAmount   string `json:"maxRefundableAmount"`
	StatusCode            string `json:"statusCode"`
	StatusMessage         string `json:"statusMessage"`
}

// execute handles POST …/execute {paymentID}. Under the simulator's mutex it
// moves an approved payment to Completed with a new trxID, or to Declined for
// the failure wallets (2023, 2037) and duplicates (2029). A second execute
// gets 2117 (docs/gateways/bkash.md §7.3, §10.1); a payment the customer has not approved gets 2056.
func (s *Simulator) execute(r *http.Request, body []byte) (int, any) {
	id, code, v, ok := s.authorizeWith(r, body, "paymentID")
	if !ok {
		return code, v
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.payments[id]
	switch {
	case p == nil:
		return http.StatusOK, status(codeInvalidPaymentID)
	case p.executed:
		return http.StatusOK, status(codeExecutedBefore)
	case p.state != stateApproved:
		return http.StatusOK, status(codeInvalidState)
	}
	p.executed, p.executedAt = true, now
	fail := ""
	switch {
	case p.wallet == WalletInsufficientBalance:
		fail = codeInsufficient
	case p.wallet == WalletDebitBlock:
		fail = codeDebitBlocked
	case s.duplicate(p, now):
		fail = codeDuplicate
	}
	if fail != "" {
		p.state, p.failCode = stateDeclined, fail
		return http.StatusOK, status(fail)
	}
	p.state, p.trxID = stateCompleted, s.newTrxID()
	s.byTrxID[p.trxID] = p
	return http.StatusOK, executeResponse{
		PaymentID:             p.id,
		TrxID:                 p.trxID,
		TransactionStatus:     "Completed",
		Amount:                p.amount,
		Currency:              currencyBDT,
		Intent:                intentSale,
		PaymentExecuteTime:    FormatTime(now),
		MerchantInvoiceNumber: p.invoice,
		PayerType:             "Customer",
		PayerReference:        p.payerReference,
		CustomerMsisdn:        p.wallet,
		PayerAccount:          p.wallet,
		MaxRefundableAmount:   simkit.FormatPaisa(p.paisa),
		StatusCode:            codeSuccess,
		StatusMessage:         statusMessages[codeSuccess],
	}
}

// duplicate reports whether another payment with p's wallet and amount
// completed within Config.DuplicateWindow before now. s.mu must be held.
func (s *Simulator) duplicate(p *payment, now time.Time) bool {
	if s.cfg.DuplicateWindow <= 0 {
		return false
	}
	for _, o := range s.byTrxID {
		if o != p && o.wallet == p.wallet && o.paisa == p.paisa && now.Sub(o.executedAt) < s.cfg.DuplicateWindow {
			return true
		}
	}
	return false
}
