package bkash

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// Codes Confirm sets on its own failures (bKash's own codes are numeric).
const (
	// CodeAmountMismatch: bKash completed the payment but for another amount
	// or currency than the attempt's. Money moved: an operator must look.
	CodeAmountMismatch = "AMOUNT_MISMATCH"
	// CodePaymentMismatch: bKash completed a payment whose paymentID or
	// invoice is not the attempt's. An operator must look.
	CodePaymentMismatch = "PAYMENT_MISMATCH"
	// CodeInitiated: execute got no answer and query says the customer never
	// completed the payment: start again from create (docs/gateways/bkash.md §2.7).
	CodeInitiated = "INITIATED"
	// CodeExecuteAlreadyDone: execute answered 2117, 2062 or 2068 (already
	// executed or completed). That is an answer, so query is not allowed
	// (docs/gateways/bkash.md §2.7, §7.3); money may have moved, so the
	// attempt awaits an operator's review (the review's reason).
	CodeExecuteAlreadyDone = "EXECUTE_ALREADY_DONE"
)

// alreadyExecuted are execute's "already executed/completed" codes
// (docs/gateways/bkash.md §7.3, §10.1): 2117 execute called before, 2062 payment already completed,
// 2068 transaction already completed. They are answers: Confirm does not
// query but leaves the attempt to an operator (CodeExecuteAlreadyDone).
var alreadyExecuted = map[string]bool{"2117": true, "2062": true, "2068": true}

// Confirm settles an attempt after a status=success callback (docs/gateways/bkash.md §2.5: the
// caller never calls it for failure or cancel). It calls execute once:
//   - "0000", transactionStatus "Completed", the attempt's paymentID and
//     invoice, currency BDT and an amount equal as a decimal to req.Amount:
//     OutcomeSucceeded with the trxID;
//   - "0000" but another amount or currency: OutcomeFailed with
//     CodeAmountMismatch (another paymentID or invoice: CodePaymentMismatch),
//     logged at error level for an operator: money moved but does not match;
//   - 2117, 2062, 2068 (already executed): an answer, so no query
//     (docs/gateways/bkash.md §2.7, §7.3); money may have moved:
//     OutcomeUnknown with Review CodeExecuteAlreadyDone and AwaitOperator,
//     the message naming the paymentID, for an operator;
//   - any other statusCode: OutcomeFailed with bKash's statusCode and
//     statusMessage (docs/gateways/bkash.md §2.6), e.g. 2023 "Insufficient Balance";
//   - no answer (timeout, connection error, HTTP 5xx or 401, a body that is
//     not JSON or holds only "message"): query, only here (docs/gateways/bkash.md §2.7):
//     Completed (same checks) is OutcomeSucceeded, Initiated OutcomeFailed
//     with CodeInitiated (the customer starts again), anything else or no
//     answer OutcomeUnknown.
//
// It returns an error only when execute was not sent (ErrInvalidRequest, or
// ErrNoToken: no id_token could be had); Confirm may then be called again.
func (c *Client) Confirm(ctx context.Context, req ports.ConfirmRequest) (ports.ConfirmResult, error) {
	if err := checkAmount(req.Amount); err != nil {
		return ports.ConfirmResult{}, fmt.Errorf("bkash confirm: %w", err)
	}
	if strings.TrimSpace(req.GatewayRef) == "" {
		return ports.ConfirmResult{}, fmt.Errorf("bkash confirm: %w: GatewayRef (paymentID) is required", ErrInvalidRequest)
	}
	log := c.log.With("attempt_id", req.AttemptID, "payment_id", req.GatewayRef)

	a, err := c.api(ctx, opExecute, "/execute", map[string]string{"paymentID": req.GatewayRef}, false)
	var ex ExecuteResponse
	if err == nil {
		if derr := ex.decode(a.fields); derr != nil {
			err = c.undecodable(opExecute, a, derr)
		} else if a.statusCode() == "" {
			err = &callError{op: opExecute, status: a.status, reason: "answer has no statusCode"}
		}
	}
	if err != nil {
		if !errors.Is(err, ErrNoAnswer) {
			return ports.ConfirmResult{}, err
		}
		log.WarnContext(ctx, "bkash execute got no answer; querying the payment (docs/gateways/bkash.md §2.7)", "error", err.Error())
		return c.confirmByQuery(ctx, log, req), nil
	}

	switch code := ex.StatusCode; {
	case code == codeOK:
		if ex.TransactionStatus != StatusCompleted {
			log.ErrorContext(ctx, "bkash execute said 0000 but the payment is not Completed; outcome unknown",
				"transaction_status", ex.TransactionStatus)
			return unknown("bKash did not report the payment completed"), nil
		}
		return c.settle(ctx, log, req, "execute", ex.PaymentID, ex.TrxID, ex.Amount, ex.Currency, ex.MerchantInvoiceNumber), nil
	case alreadyExecuted[code]:
		// An answer, not "no answer": no query (docs/gateways/bkash.md §2.7,
		// §7.3). Money may have moved: an operator settles it.
		msg := c.scrub(ex.StatusMessage)
		log.ErrorContext(ctx, "bkash execute says already executed: operator review needed (no query: execute answered)",
			"status_code", code, "status_message", msg)
		return ports.ConfirmResult{Outcome: ports.OutcomeUnknown, Code: code, Review: CodeExecuteAlreadyDone, AwaitOperator: true,
			Message: fmt.Sprintf("bKash answered execute of paymentID %s with %s %q: it may already be paid. Find the payment in bKash's merchant portal, "+
				"check its trxID with `paycore search --trx`, then confirm or reject this review.", req.GatewayRef, code, msg)}, nil
	default:
		msg := c.scrub(ex.StatusMessage)
		if msg == "" {
			msg = "bKash refused the payment (code " + code + ")"
		}
		log.InfoContext(ctx, "bkash execute refused", "status_code", code, "status_message", msg)
		return ports.ConfirmResult{Outcome: ports.OutcomeFailed, Code: code, Message: msg}, nil
	}
}

// confirmByQuery resolves an execute that got no answer with one query
// (docs/gateways/bkash.md §2.7).
func (c *Client) confirmByQuery(ctx context.Context, log *slog.Logger, req ports.ConfirmRequest) ports.ConfirmResult {
	q, err := c.Query(ctx, req.GatewayRef)
	if err != nil {
		log.WarnContext(ctx, "bkash query could not settle the payment; outcome unknown", "error", err.Error())
		return unknown("bKash could not be heard; the payment is checked again later")
	}
	switch q.TransactionStatus {
	case StatusCompleted:
		return c.settle(ctx, log, req, "query", q.PaymentID, q.TrxID, q.Amount, q.Currency, q.MerchantInvoice)
	case StatusInitiated:
		log.InfoContext(ctx, "bkash query says Initiated after execute got no answer; customer starts again")
		return ports.ConfirmResult{Outcome: ports.OutcomeFailed, Code: CodeInitiated,
			Message: "The bKash payment was not completed. Please start the payment again."}
	}
	log.WarnContext(ctx, "bkash query did not settle the payment; outcome unknown", "transaction_status", q.TransactionStatus)
	return unknown("bKash reports the payment " + q.TransactionStatus)
}

func unknown(msg string) ports.ConfirmResult {
	return ports.ConfirmResult{Outcome: ports.OutcomeUnknown, Message: msg}
}

// settle checks a Completed answer against the attempt (docs/gateways/bkash.md §7.5).
func (c *Client) settle(ctx context.Context, log *slog.Logger, req ports.ConfirmRequest, src, paymentID, trxID string, amount domain.Money, currency, invoice string) ports.ConfirmResult {
	switch {
	case paymentID != req.GatewayRef || (invoice != "" && req.AttemptID != "" && invoice != req.AttemptID):
		log.ErrorContext(ctx, "bkash completed a payment that is not this attempt's: operator review needed",
			"source", src, "answer_payment_id", paymentID, "answer_invoice", invoice, "trx_id", trxID)
		return ports.ConfirmResult{Outcome: ports.OutcomeFailed, Code: CodePaymentMismatch, Review: CodePaymentMismatch,
			Message: fmt.Sprintf("bKash completed payment %q (invoice %q), not this attempt's; an operator will review it", paymentID, invoice)}
	case currency != domain.BDT.Code || !amount.Equal(req.Amount):
		got := amount.Decimal()
		if amount == (domain.Money{}) {
			got = "no amount"
		}
		log.ErrorContext(ctx, "bkash completed the payment for another amount: money moved but does not match; operator review needed",
			"source", src, "trx_id", trxID, "amount", got, "currency", currency, "expected", req.Amount.String())
		return ports.ConfirmResult{Outcome: ports.OutcomeFailed, Code: CodeAmountMismatch, Review: CodeAmountMismatch, TrxID: trxID,
			Message: fmt.Sprintf("bKash reports %s %s paid but %s was due; an operator will review the payment", got, currency, req.Amount.String())}
	case trxID == "":
		log.ErrorContext(ctx, "bkash reports the payment Completed without a trxID; outcome unknown", "source", src)
		return unknown("bKash reported the payment completed without a transaction id")
	}
	log.InfoContext(ctx, "bkash payment completed", "source", src, "trx_id", trxID)
	return ports.ConfirmResult{Outcome: ports.OutcomeSucceeded, TrxID: trxID}
}

// Query asks /payment/status about a payment (docs/gateways/bkash.md §2.7). paycore calls it
// only from Confirm's no-answer path and when reconciling attempts whose
// execute got no answer, never on the success path (docs/gateways/bkash.md §2.7). A 401 is
// answered by one grant and one more try (query changes nothing).
//
// Errors: a *ports.GatewayError when bKash answers a statusCode other than
// "0000" (2002 invalid payment ID…); ErrNoAnswer when it cannot be heard.
func (c *Client) Query(ctx context.Context, paymentID string) (QueryResult, error) {
	if strings.TrimSpace(paymentID) == "" {
		return QueryResult{}, fmt.Errorf("bkash query: %w: paymentID is required", ErrInvalidRequest)
	}
	a, err := c.api(ctx, opQuery, "/payment/status", map[string]string{"paymentID": paymentID}, true)
	if err != nil {
		return QueryResult{}, err
	}
	var q QueryResult
	if err := q.decode(a.fields); err != nil {
		return QueryResult{}, c.undecodable(opQuery, a, err)
	}
	if err := c.check(opQuery, a, q.TransactionStatus != ""); err != nil {
		return QueryResult{}, err
	}
	return q, nil
}

// Search looks a transaction up by bKash trxID (/general/searchTransaction,
// docs/gateways/bkash.md §3.2). A 401 is answered by one grant and one more try.
//
// Errors: a *ports.GatewayError when bKash answers a statusCode other than
// "0000" (2033 transaction not found…); ErrNoAnswer when it cannot be heard.
func (c *Client) Search(ctx context.Context, trxID string) (SearchResult, error) {
	if strings.TrimSpace(trxID) == "" {
		return SearchResult{}, fmt.Errorf("bkash search: %w: trxID is required", ErrInvalidRequest)
	}
	a, err := c.api(ctx, opSearch, "/general/searchTransaction", map[string]string{"trxID": trxID}, true)
	if err != nil {
		return SearchResult{}, err
	}
	var s SearchResult
	if err := s.decode(a.fields); err != nil {
		return SearchResult{}, c.undecodable(opSearch, a, err)
	}
	if err := c.check(opSearch, a, s.TransactionStatus != ""); err != nil {
		return SearchResult{}, err
	}
	return s, nil
}

var _ ports.Resolver = (*Client)(nil)

// Resolve implements ports.Resolver for reconciliation: it continues the
// no-answer path of an execute (docs/gateways/bkash.md §2.7), so it queries, exactly as Confirm
// does after a timeout: Completed (matching amount) → succeeded, Initiated
// → failed (start again), anything else or no answer → unknown. paycore
// calls it only for attempts whose execute got no answer.
func (c *Client) Resolve(ctx context.Context, req ports.ConfirmRequest) (ports.ConfirmResult, error) {
	log := c.log.With("attempt_id", req.AttemptID, "payment_id", req.GatewayRef)
	return c.confirmByQuery(ctx, log, req), nil
}
