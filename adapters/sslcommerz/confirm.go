package sslcommerz

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strings"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// Transaction statuses (§4–§6).
const (
	StatusValid              = "VALID"
	StatusValidated          = "VALIDATED"
	StatusPending            = "PENDING"
	StatusFailed             = "FAILED"
	StatusCancelled          = "CANCELLED"
	StatusUnattempted        = "UNATTEMPTED"
	StatusExpired            = "EXPIRED"
	StatusInvalidTransaction = "INVALID_TRANSACTION"
)

// Codes of the failures and reviews Confirm reports on its own.
const (
	CodeTranMismatch     = "TRAN_ID_MISMATCH"  // the validated payment is another tran_id
	CodeAmountMismatch   = "AMOUNT_MISMATCH"   // paid another amount than the attempt's
	CodeCurrencyMismatch = "CURRENCY_MISMATCH" // paid in another currency
	CodeRisky            = "RISKY"             // VALID with risk_level 1: hold for an operator (§5)
	CodeAbandoned        = "ABANDONED"         // still unpaid when the attempt's time was up
)

// Transaction is one payment record of the validation API (§5) or the
// transaction query (§6).
type Transaction struct {
	Status, TranID, ValID, BankTranID       string
	Amount, Currency                        string
	CurrencyType, CurrencyAmount, RiskLevel string
	RiskTitle, Error, CardType, TranDate    string
	Raw                                     Fields
}

func transaction(f Fields) Transaction {
	return Transaction{Status: strings.ToUpper(f.Str("status")), TranID: f.Str("tran_id"), ValID: f.Str("val_id"),
		BankTranID: f.Str("bank_tran_id"), Amount: f.Str("amount"), Currency: f.Str("currency"),
		CurrencyType: f.Str("currency_type"), CurrencyAmount: f.Str("currency_amount"),
		RiskLevel: f.Str("risk_level"), RiskTitle: f.Str("risk_title"), Error: f.Str("error"),
		CardType: f.Str("card_type"), TranDate: f.Str("tran_date"), Raw: f}
}

// paid reports a VALID or VALIDATED record: money moved (§5).
func (t Transaction) paid() bool { return t.Status == StatusValid || t.Status == StatusValidated }

// Validate asks the validation API about val_id (§5). It changes nothing
// at SSLCommerz but VALID → VALIDATED, and may be repeated. Errors:
// ErrNoAnswer.
func (c *Client) Validate(ctx context.Context, valID string) (Transaction, error) {
	raw, err := c.call(ctx, OpValidate, ValidationPath, url.Values{"val_id": {valID}, "v": {"1"}}, nil)
	if err != nil {
		return Transaction{}, err
	}
	f, _ := decodeFields(raw)
	return transaction(f), nil
}

// QueryResult is the transaction query's answer (§6).
type QueryResult struct {
	APIConnect string
	Found      int
	Elements   []Transaction
}

// QueryTransaction asks for every try of tran_id (§6). Errors: ErrNoAnswer.
func (c *Client) QueryTransaction(ctx context.Context, tranID string) (QueryResult, error) {
	raw, err := c.call(ctx, OpQuery, QueryPath, url.Values{"tran_id": {tranID}}, nil)
	if err != nil {
		return QueryResult{}, err
	}
	f, _ := decodeFields(raw)
	q := QueryResult{APIConnect: f.Str("APIConnect")}
	_, _ = fmt.Sscan(f.Str("no_of_trans_found"), &q.Found)
	if els, ok := f["element"].([]any); ok {
		for _, e := range els {
			if m, ok := e.(map[string]any); ok {
				q.Elements = append(q.Elements, transaction(Fields(m)))
			}
		}
	}
	return q, nil
}

// QuerySession asks about a session by its sessionkey (§6): one record.
// Errors: ErrNoAnswer.
func (c *Client) QuerySession(ctx context.Context, sessionKey string) (Transaction, error) {
	raw, err := c.call(ctx, OpQuery, QueryPath, url.Values{"sessionkey": {sessionKey}}, nil)
	if err != nil {
		return Transaction{}, err
	}
	f, _ := decodeFields(raw)
	return transaction(f), nil
}

// ConfirmsEveryCallback implements ports.CallbackVerifier: money moves on
// SSLCommerz's page, so every return and IPN, whatever status it claims,
// goes to Confirm (§3, §4).
func (c *Client) ConfirmsEveryCallback() bool { return true }

// Confirm settles an attempt from a browser return or IPN whose verify_sign
// was checked (AuthenticateCallback). Its fields are claims:
//   - with a val_id, the validation API decides (§5): VALID or VALIDATED
//     (validated before: the same payment, settled once by paycore) is
//     judged against the attempt (judge); INVALID_TRANSACTION or any other
//     status falls back to the transaction query;
//   - without one (fail, cancel, an IPN of a failed try), the transaction
//     query by tran_id decides (§6): see decide.
//
// No answer is OutcomeUnknown: reconciliation asks again.
func (c *Client) Confirm(ctx context.Context, req ports.ConfirmRequest) (ports.ConfirmResult, error) {
	log := c.log.With("tran_id", req.AttemptID)
	if valID := strings.TrimSpace(req.Callback["val_id"]); valID != "" {
		t, err := c.Validate(ctx, valID)
		if err != nil {
			log.WarnContext(ctx, "sslcommerz validation unheard; outcome unknown", "err", err)
			return unknown("SSLCommerz could not be heard; the payment is checked again later"), nil
		}
		if t.paid() {
			return c.judge(ctx, log, req, t), nil
		}
		log.WarnContext(ctx, "sslcommerz validation does not confirm the claimed val_id; asking by tran_id",
			"val_id", clip(valID), "status", clip(t.Status))
	}
	return c.decide(ctx, log, req, claimedStatus(req.Callback), false), nil
}

// Resolve implements ports.Resolver: the transaction query by tran_id for an
// attempt whose confirm got no answer (§6). A risky payment already held for
// review (req.ClaimedTrxID is its bank_tran_id) stays unknown without a new
// review.
func (c *Client) Resolve(ctx context.Context, req ports.ConfirmRequest) (ports.ConfirmResult, error) {
	return c.decide(ctx, c.log.With("tran_id", req.AttemptID), req, "", false), nil
}

// CheckAbandoned implements ports.AbandonChecker: asked before an attempt
// whose customer never came back (and whose IPN never arrived) expires.
// Paid settles it as a return would; a try still PENDING, or none at all,
// was left unfinished: OutcomeFailed with CodeAbandoned, so it expires (a
// later IPN of a payment opens a review, §6). No answer stays unknown.
func (c *Client) CheckAbandoned(ctx context.Context, req ports.ConfirmRequest) (ports.ConfirmResult, error) {
	return c.decide(ctx, c.log.With("tran_id", req.AttemptID), req, "", true), nil
}

// claimedStatus is the status a signed return or IPN claims, upper case.
func claimedStatus(cb map[string]string) string {
	return strings.ToUpper(strings.TrimSpace(cb["status"]))
}

// decide settles an attempt by the transaction query (§6): a VALID or
// VALIDATED try of this tran_id is judged; otherwise a PENDING try (the
// customer may still pay) is unknown — or, for an abandoned attempt,
// CodeAbandoned; a query that found only failed, cancelled, unattempted or
// expired tries fails the attempt with that status (the signed claim's
// status, when it names a not-paid status, words it); no record at all is
// unknown, or abandoned.
func (c *Client) decide(ctx context.Context, log *slog.Logger, req ports.ConfirmRequest, claim string, abandoned bool) ports.ConfirmResult {
	q, err := c.QueryTransaction(ctx, req.AttemptID)
	if err != nil {
		log.WarnContext(ctx, "sslcommerz transaction query unheard; outcome unknown", "err", err)
		return unknown("SSLCommerz could not be heard; the payment is checked again later")
	}
	var pending bool
	var last *Transaction
	for i := range q.Elements {
		t := q.Elements[i]
		if t.TranID != "" && t.TranID != req.AttemptID {
			continue
		}
		switch {
		case t.paid():
			return c.judge(ctx, log, req, t)
		case t.Status == StatusPending:
			pending = true
		case t.Status == StatusInvalidTransaction || t.Status == "INVALID" || t.Status == "":
		default:
			last = &q.Elements[i]
		}
	}
	switch {
	case pending && abandoned, last == nil && abandoned:
		log.InfoContext(ctx, "sslcommerz payment left unfinished by a customer who never came back")
		return ports.ConfirmResult{Outcome: ports.OutcomeFailed, Code: CodeAbandoned,
			Message: "The SSLCommerz payment was not completed in time. No money was taken."}
	case pending:
		return unknown("The SSLCommerz payment is not finished yet")
	case last == nil:
		log.WarnContext(ctx, "sslcommerz knows no try of this tran_id yet; outcome unknown", "api_connect", q.APIConnect)
		return unknown("SSLCommerz has no record of the payment yet")
	}
	st := last.Status
	if claim != "" && claim != StatusValid && claim != StatusValidated {
		st = claim
	}
	log.InfoContext(ctx, "sslcommerz payment did not go through", "status", st)
	return ports.ConfirmResult{Outcome: ports.OutcomeFailed, Code: st, Message: failureMessage(st, last.Error)}
}

// judge checks a paid record against the attempt (§5): tran_id, currency
// and amount exactly (the attempt's own amount, never the posted one), then
// risk_level. A mismatch is OutcomeFailed with Review; a risky payment is
// OutcomeUnknown holding its bank_tran_id, with Review CodeRisky, so an
// operator confirms or rejects it.
func (c *Client) judge(ctx context.Context, log *slog.Logger, req ports.ConfirmRequest, t Transaction) ports.ConfirmResult {
	log = log.With("val_id", t.ValID, "bank_tran_id", t.BankTranID, "status", t.Status)
	mismatch := func(code, what string) ports.ConfirmResult {
		log.ErrorContext(ctx, "sslcommerz reports a payment that does not match the attempt: operator review",
			"code", code, "answer_tran_id", clip(t.TranID), "answer_amount", clip(t.Amount), "answer_currency", clip(t.Currency),
			"currency_type", clip(t.CurrencyType), "currency_amount", clip(t.CurrencyAmount), "expected", req.Amount.String())
		return ports.ConfirmResult{Outcome: ports.OutcomeFailed, Code: code, Review: code, TrxID: t.BankTranID,
			Message: "SSLCommerz's record of this payment does not match it (" + what + "); an operator will review it"}
	}
	cur, amt := t.Currency, t.Amount
	if t.CurrencyType != "" {
		cur, amt = t.CurrencyType, t.CurrencyAmount
	}
	switch {
	case t.TranID != req.AttemptID:
		return mismatch(CodeTranMismatch, fmt.Sprintf("transaction %q", clip(t.TranID)))
	case !strings.EqualFold(cur, req.Amount.Currency().Code) || !strings.EqualFold(t.Currency, domain.BDT.Code):
		return mismatch(CodeCurrencyMismatch, fmt.Sprintf("currency %q", clip(cur)))
	case !sameAmount(amt, req.Amount) || !sameAmount(t.Amount, req.Amount):
		return mismatch(CodeAmountMismatch, fmt.Sprintf("%s paid, %s due", clip(t.Amount), req.Amount.Decimal()))
	case t.BankTranID == "":
		log.ErrorContext(ctx, "sslcommerz reports a payment without bank_tran_id; outcome unknown")
		return unknown("SSLCommerz reported the payment without its transaction id")
	case t.RiskLevel == "1" && req.ClaimedTrxID == t.BankTranID:
		return ports.ConfirmResult{Outcome: ports.OutcomeUnknown, TrxID: t.BankTranID,
			Message: "The payment is held for review by an operator"}
	case t.RiskLevel == "1":
		log.WarnContext(ctx, "sslcommerz marks the payment risky: held for operator review", "risk_title", clip(t.RiskTitle))
		return ports.ConfirmResult{Outcome: ports.OutcomeUnknown, TrxID: t.BankTranID, Review: CodeRisky,
			Message: fmt.Sprintf("SSLCommerz marks transaction %s risky (%s): verify the customer, then confirm or reject it.",
				t.BankTranID, clip(t.RiskTitle))}
	}
	log.InfoContext(ctx, "sslcommerz payment validated")
	return ports.ConfirmResult{Outcome: ports.OutcomeSucceeded, TrxID: t.BankTranID}
}

// sameAmount compares a decimal text with m exactly ("150" = "150.00").
func sameAmount(s string, m domain.Money) bool {
	got, err := domain.ParseAmount(strings.TrimSpace(s), m.Currency().Code)
	return err == nil && got.Equal(m)
}

func failureMessage(status, gwErr string) string {
	switch status {
	case StatusCancelled:
		return "You cancelled the payment. No money was taken."
	case StatusExpired:
		return "The SSLCommerz payment timed out. No money was taken."
	case StatusUnattempted:
		return "No payment method was chosen. No money was taken."
	}
	if gwErr != "" {
		return "The payment failed: " + clip(gwErr)
	}
	return "The payment failed. No money was taken."
}

func unknown(msg string) ports.ConfirmResult {
	return ports.ConfirmResult{Outcome: ports.OutcomeUnknown, Message: msg}
}
