package redirectgw

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// PaymentStatus is a verify answer's status, read into three values.
type PaymentStatus string

// Payment statuses. Only StatusCompleted counts as paid (docs/gateways/redirectgw.md §4.2).
const (
	// StatusCompleted: COMPLETED (also SUCCESS, SUCCEEDED, PAID).
	StatusCompleted PaymentStatus = "completed"
	// StatusPending: PENDING, PROCESSING, INITIATED, or a status not known
	// to this client (it cannot tell, so it does not guess).
	StatusPending PaymentStatus = "pending"
	// StatusFailed: ERROR, FAILED, FAILURE, CANCELLED, CANCELED, EXPIRED,
	// DECLINED, REFUNDED.
	StatusFailed PaymentStatus = "failed"
)

// parseStatus reads a verify status, case-insensitively.
func parseStatus(s string) PaymentStatus {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "COMPLETED", "SUCCESS", "SUCCEEDED", "PAID":
		return StatusCompleted
	case "ERROR", "FAILED", "FAILURE", "CANCELLED", "CANCELED", "EXPIRED", "DECLINED", "REFUNDED":
		return StatusFailed
	default:
		return StatusPending
	}
}

// VerifyResult is the gateway's verify answer for one transaction_id.
type VerifyResult struct {
	// Status is RawStatus read into three values.
	Status PaymentStatus
	// RawStatus is the status as the gateway wrote it ("COMPLETED").
	RawStatus string
	// TransactionID is the transaction_id the answer echoes, "" if none.
	TransactionID string
	// TrxID is the session id (trx_id of payment_url) the answer echoes,
	// "" if none.
	TrxID string
	// Amount is the reported amount, read exactly from a decimal string or a
	// JSON number, in Currency; the zero Money when the answer has none.
	Amount domain.Money
	// Currency is the reported currency code; "BDT" when the answer has none
	// (checkout takes no currency: BDT is the gateway's only one).
	Currency string
	// AttemptID is attempt_id from the answer's metadata (an object, or a
	// string holding a JSON object, under "metadata" or "meta_data"); "" if
	// none.
	AttemptID string
	// Metadata is the metadata exactly as the gateway sent it, nil if none.
	Metadata json.RawMessage
}

// verifyBody is verify's request.
type verifyBody struct {
	TransactionID string `json:"transaction_id"`
}

// Verify asks the verify endpoint (Config.VerifyURL) about a transaction_id:
// POST {"transaction_id":"…"} with the Bearer key. The reconciliation job
// uses it for attempts left processing (unverified claims, no answer); it is
// safe to repeat.
//
// Errors: ErrNoVerifyEndpoint when none is configured; ErrInvalidRequest for
// a malformed transactionID, before any call; a *ports.GatewayError when the
// gateway answers with an error (for instance an unknown transaction_id); a
// *ConfigError for HTTP 401/403; ErrNoAnswer when it could not be heard; a
// plain error when the answer cannot be read (no status, an unreadable
// amount or currency).
func (c *Client) Verify(ctx context.Context, transactionID string) (VerifyResult, error) {
	if c.cfg.VerifyURL == "" {
		return VerifyResult{}, ErrNoVerifyEndpoint
	}
	if !validTransactionID(transactionID) {
		return VerifyResult{}, fmt.Errorf("redirectgw verify: %w: malformed transaction_id", ErrInvalidRequest)
	}
	f, err := c.post(ctx, OpVerify, c.cfg.VerifyURL, verifyBody{TransactionID: transactionID})
	if err != nil {
		return VerifyResult{}, err
	}
	return decodeVerify(f)
}

// decodeVerify reads a verify answer.
func decodeVerify(f fields) (VerifyResult, error) {
	r := VerifyResult{
		RawStatus:     f.str("status"),
		TransactionID: f.str("transaction_id"),
		TrxID:         f.str("trx_id"),
		Currency:      strings.TrimSpace(f.str("currency")),
	}
	if r.RawStatus == "" {
		return VerifyResult{}, errors.New("redirectgw verify: answer has no status")
	}
	r.Status = parseStatus(r.RawStatus)
	if r.Currency == "" {
		r.Currency = domain.BDT.Code
	}
	if raw, ok := f["amount"]; ok && !bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		m, err := domain.ParseAmountJSON(raw, strings.ToUpper(r.Currency))
		if err != nil {
			return VerifyResult{}, fmt.Errorf("redirectgw verify: unreadable amount %s %s: %w", snippet(string(raw)), r.Currency, err)
		}
		r.Amount = m
	}
	for _, key := range []string{"metadata", "meta_data"} {
		raw, ok := f[key]
		if !ok || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
			continue
		}
		r.Metadata = raw
		obj := raw
		var s string
		if json.Unmarshal(raw, &s) == nil {
			obj = json.RawMessage(s) // a string holding JSON, as meta_data was sent
		}
		var m fields
		if json.Unmarshal(obj, &m) == nil && m != nil {
			r.AttemptID = m.str("attempt_id")
		}
		break
	}
	return r, nil
}

// Confirm settles an attempt from the browser's return to SuccessPath;
// req.Callback holds that return's query parameters (transaction_id, att,
// amt, cur, exp, ret, mac).
//
// First the return must verify (CheckReturn, at the Clock's now) as a
// success return signed for req.AttemptID and req.Amount; otherwise the
// result is OutcomeFailed with CodeBadReturn and nothing is asked of the
// gateway (a forged, tampered, replayed-for-another-attempt or expired
// return).
//
// Then, with a verify endpoint (Config.VerifyURL), Verify is called once with
// the transaction_id:
//   - COMPLETED, for this transaction_id, this attempt (metadata attempt_id,
//     when echoed), this session (trx_id, when echoed and req.GatewayRef is
//     set), and an amount and currency equal to req.Amount: OutcomeSucceeded
//     with TrxID = transaction_id;
//   - COMPLETED for another amount or currency: OutcomeFailed with
//     CodeAmountMismatch;
//   - another transaction, attempt or session, a failed status, or an error
//     answer (the gateway does not know the transaction_id): OutcomeFailed
//     with CodeVerifyMismatch;
//   - pending: OutcomeUnknown with CodeVerifyPending;
//   - no answer, a refused key, or an unreadable answer: OutcomeUnknown with
//     CodeVerifyNoAnswer.
//
// Mismatches (CodeAmountMismatch, CodeVerifyMismatch) are logged at error
// level and carry Review = their Code: paycore opens an operator review
// (money may have moved).
//
// Without a verify endpoint the return is an unverified claim: OutcomeUnknown
// with CodeUnverifiedClaim and Review = CodeUnverifiedClaim (an operator
// confirms or rejects it: paycore review), unless Config.TrustSignedReturn is on, in which
// case it is OutcomeSucceeded (weaker: see Config.TrustSignedReturn).
//
// Every OutcomeUnknown carries TrxID = the claimed transaction_id, for the
// reconciliation job to Verify later. Confirm returns an error only for an
// empty req.AttemptID. It does not make the return single-use: the caller
// settles an attempt once (see CheckReturn).
func (c *Client) Confirm(ctx context.Context, req ports.ConfirmRequest) (ports.ConfirmResult, error) {
	if strings.TrimSpace(req.AttemptID) == "" {
		return ports.ConfirmResult{}, fmt.Errorf("redirectgw confirm: %w: AttemptID is required", ErrInvalidRequest)
	}
	log := c.log.With("attempt_id", req.AttemptID)
	q := make(url.Values, len(req.Callback))
	for k, v := range req.Callback {
		q.Set(k, v)
	}
	claim, err := c.CheckReturn(q, c.clock.Now())
	switch {
	case err != nil:
	case claim.Kind != ReturnSuccess:
		err = fmt.Errorf("%w: a %s return, not a success return", ErrBadReturn, claim.Kind)
	case claim.AttemptID != req.AttemptID:
		err = fmt.Errorf("%w: signed for another attempt", ErrBadReturn)
	case !claim.Amount.Equal(req.Amount):
		err = fmt.Errorf("%w: signed for %s, the attempt is for %s", ErrBadReturn, claim.Amount, req.Amount)
	}
	if err != nil {
		log.WarnContext(ctx, "redirect gateway return refused", "error", err.Error(),
			"transaction_id", safeID(req.Callback[ParamTransactionID]))
		return ports.ConfirmResult{Outcome: ports.OutcomeFailed, Code: CodeBadReturn,
			Message: "The payment return could not be verified."}, nil
	}
	log = log.With("transaction_id", claim.TransactionID)

	if c.cfg.VerifyURL == "" {
		if c.cfg.TrustSignedReturn {
			log.InfoContext(ctx, "redirect gateway payment accepted on its signed return alone (TrustSignedReturn)")
			return ports.ConfirmResult{Outcome: ports.OutcomeSucceeded, TrxID: claim.TransactionID}, nil
		}
		log.WarnContext(ctx, "redirect gateway return is an unverified claim: confirm it in the gateway's dashboard")
		return ports.ConfirmResult{Outcome: ports.OutcomeUnknown, TrxID: claim.TransactionID, Code: CodeUnverifiedClaim,
			Review: CodeUnverifiedClaim, Message: "The gateway reported payment " + claim.TransactionID + "; it is awaiting manual confirmation."}, nil
	}

	v, err := c.Verify(ctx, claim.TransactionID)
	if err != nil {
		var ge *ports.GatewayError
		if errors.As(err, &ge) && !errors.Is(err, ErrConfig) {
			log.ErrorContext(ctx, "redirect gateway verify does not know the returned transaction", "code", ge.Code, "message", ge.Message)
			return mismatch(CodeVerifyMismatch, fmt.Sprintf("The gateway does not confirm transaction %s: %s", claim.TransactionID, ge.Message)), nil
		}
		log.WarnContext(ctx, "redirect gateway verify gave no usable answer", "error", err.Error())
		return ports.ConfirmResult{Outcome: ports.OutcomeUnknown, TrxID: claim.TransactionID, Code: CodeVerifyNoAnswer,
			Message: "The payment could not be verified yet."}, nil
	}
	log = log.With("status", v.RawStatus)
	var msg string
	switch {
	case v.TransactionID != "" && v.TransactionID != claim.TransactionID:
		msg = fmt.Sprintf("The gateway answered for transaction %s, not %s", safeID(v.TransactionID), claim.TransactionID)
	case v.AttemptID != "" && v.AttemptID != req.AttemptID:
		msg = fmt.Sprintf("Transaction %s belongs to another attempt", claim.TransactionID)
	case v.TrxID != "" && req.GatewayRef != "" && v.TrxID != req.GatewayRef:
		msg = fmt.Sprintf("Transaction %s belongs to another checkout session", claim.TransactionID)
	case v.Status == StatusFailed:
		msg = fmt.Sprintf("The gateway reports transaction %s as %s", claim.TransactionID, v.RawStatus)
	}
	if msg != "" {
		log.ErrorContext(ctx, "redirect gateway verify does not match the return", "detail", msg)
		return mismatch(CodeVerifyMismatch, msg), nil
	}
	if v.Status == StatusPending {
		log.InfoContext(ctx, "redirect gateway payment still pending")
		return ports.ConfirmResult{Outcome: ports.OutcomeUnknown, TrxID: claim.TransactionID, Code: CodeVerifyPending,
			Message: "The payment is still pending at the gateway."}, nil
	}
	if !v.Amount.Equal(req.Amount) {
		got := "no amount"
		if v.Amount != (domain.Money{}) {
			got = v.Amount.String()
		}
		msg = fmt.Sprintf("The gateway reports %s for transaction %s; the attempt is for %s", got, claim.TransactionID, req.Amount)
		log.ErrorContext(ctx, "redirect gateway verify reports another amount", "detail", msg)
		return mismatch(CodeAmountMismatch, msg), nil
	}
	if v.AttemptID == "" {
		log.WarnContext(ctx, "redirect gateway verify echoes no attempt_id; bound by the signed return and the amount only")
	}
	return ports.ConfirmResult{Outcome: ports.OutcomeSucceeded, TrxID: claim.TransactionID}, nil
}

// mismatch is an OutcomeFailed an operator must review (Review = code).
func mismatch(code, msg string) ports.ConfirmResult {
	return ports.ConfirmResult{Outcome: ports.OutcomeFailed, Code: code, Review: code, Message: msg + "; flagged for review."}
}

// safeID returns s for a log line or message if it is a well-formed
// transaction_id, else a placeholder: query text from a browser is not
// echoed raw.
func safeID(s string) string {
	if s == "" || validTransactionID(s) {
		return s
	}
	return "(malformed)"
}
