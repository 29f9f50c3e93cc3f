package redirectgw

import (
	"context"
	"errors"
	"fmt"

	"github.com/paycore/paycore/ports"
)

// Resolve implements ports.Resolver: reconciliation asks the verify
// endpoint again about the transaction_id an unresolved attempt holds
// (req.ClaimedTrxID: an unverified claim, or a return whose verify gave no
// answer), with Confirm's checks minus the signed return, which was checked
// when the attempt claimed the transaction. req.Callback is not used.
//
//   - no req.ClaimedTrxID: OutcomeUnknown, nothing asked (there is nothing
//     to ask about);
//   - no verify endpoint (Config.VerifyURL empty): OutcomeUnknown with
//     CodeUnverifiedClaim and TrxID, nothing asked: the claim waits for an
//     operator (paycore review; its review was opened by Confirm);
//   - COMPLETED for this transaction, attempt (metadata attempt_id, when
//     echoed) and session (trx_id, when echoed and req.GatewayRef is set),
//     in req.Amount's amount and currency: OutcomeSucceeded with TrxID =
//     req.ClaimedTrxID;
//   - an error answer (the gateway does not know the transaction), another
//     transaction, attempt or session, or a failed status: OutcomeFailed
//     with CodeVerifyMismatch and Review = CodeVerifyMismatch;
//   - COMPLETED for another amount or currency: OutcomeFailed with
//     CodeAmountMismatch and Review = CodeAmountMismatch;
//   - pending: OutcomeUnknown with CodeVerifyPending;
//   - no answer, a refused key, or an unreadable answer (or a malformed
//     transaction_id): OutcomeUnknown with CodeVerifyNoAnswer.
//
// Every OutcomeUnknown after the first case carries TrxID =
// req.ClaimedTrxID. Resolve makes at most one call and returns no error.
func (c *Client) Resolve(ctx context.Context, req ports.ConfirmRequest) (ports.ConfirmResult, error) {
	trx := req.ClaimedTrxID
	if trx == "" {
		return ports.ConfirmResult{Outcome: ports.OutcomeUnknown}, nil
	}
	if !c.HasVerify() {
		return ports.ConfirmResult{Outcome: ports.OutcomeUnknown, TrxID: trx, Code: CodeUnverifiedClaim}, nil
	}
	log := c.log.With("attempt_id", req.AttemptID, "transaction_id", safeID(trx))
	v, err := c.Verify(ctx, trx)
	var ge *ports.GatewayError
	var res ports.ConfirmResult
	switch {
	case errors.As(err, &ge) && !errors.Is(err, ErrConfig):
		res = mismatch(CodeVerifyMismatch, fmt.Sprintf("The gateway does not confirm transaction %s: %s", trx, ge.Message))
	case err != nil:
		log.WarnContext(ctx, "redirect gateway verify gave no usable answer; asked again later", "error", err.Error())
		return ports.ConfirmResult{Outcome: ports.OutcomeUnknown, TrxID: trx, Code: CodeVerifyNoAnswer}, nil
	case v.TransactionID != "" && v.TransactionID != trx,
		v.AttemptID != "" && v.AttemptID != req.AttemptID,
		v.TrxID != "" && req.GatewayRef != "" && v.TrxID != req.GatewayRef,
		v.Status == StatusFailed:
		res = mismatch(CodeVerifyMismatch, fmt.Sprintf("The gateway's verify does not match transaction %s (%s)", trx, v.RawStatus))
	case v.Status == StatusPending:
		return ports.ConfirmResult{Outcome: ports.OutcomeUnknown, TrxID: trx, Code: CodeVerifyPending}, nil
	case !v.Amount.Equal(req.Amount):
		res = mismatch(CodeAmountMismatch, fmt.Sprintf("The gateway reports %s for transaction %s; the attempt is for %s", v.Amount, trx, req.Amount))
	default:
		return ports.ConfirmResult{Outcome: ports.OutcomeSucceeded, TrxID: trx}, nil
	}
	log.ErrorContext(ctx, "redirect gateway verify does not confirm the claimed transaction", "code", res.Code, "detail", res.Message)
	return res, nil
}

// CheckAbandoned implements ports.AbandonChecker. The redirect gateway
// moves money on its own page, but verify needs the transaction_id that only
// the browser's return carries (docs/gateways/redirectgw.md §4.4): an
// attempt whose customer never came back cannot be asked about. paycore
// does not guess either way: the answer is a failure with CodeReturnLost
// and a review, so the attempt fails (the payment stays payable) and an
// operator looks for a payment of the attempt's amount in the gateway's
// dashboard. An attempt that does hold a claimed transaction is verified
// as Resolve does.
func (c *Client) CheckAbandoned(ctx context.Context, req ports.ConfirmRequest) (ports.ConfirmResult, error) {
	if req.ClaimedTrxID != "" {
		return c.Resolve(ctx, req)
	}
	return ports.ConfirmResult{Outcome: ports.OutcomeFailed, Code: CodeReturnLost, Review: CodeReturnLost,
		Message: fmt.Sprintf("The customer never came back from the redirect gateway for attempt %s (%s), and the gateway "+
			"cannot be asked without its transaction_id: look for this payment in the gateway's dashboard; refund it there "+
			"if it was taken, then reject this review.", req.AttemptID, req.Amount)}, nil
}
