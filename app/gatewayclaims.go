package app

import (
	"context"
	"errors"
	"fmt"
	"net/netip"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// GatewayClaimInput is one verified gateway notification (bKash IPN) and
// what to log of its call.
type GatewayClaimInput struct {
	Claim    ports.GatewayClaim
	SourceIP netip.Addr
	Headers  map[string]string
	Body     []byte
}

// Verdicts of HandleClaim, beside "accepted" and "duplicate".
const (
	claimIgnored  = "ignored"  // nothing to do, or nothing a claim may do
	claimMismatch = "mismatch" // the claim contradicts paycore's books: logged for an operator
)

// HandleClaim takes a gateway's verified server-to-server notification
// (bKash's IPN, docs/gateways/bkash.md §12). The notification is a claim,
// never an answer: money moves at bKash only at execute, which paycore
// sends, so a claim settles nothing by itself. Applied once per EventID and
// logged with every other gateway call; by the attempt its AttemptRef
// names (bKash echoes the attempt ID as merchantInvoiceNumber):
//
//   - unresolved (execute got no answer): the gateway is asked through the
//     Reconciler, exactly as reconciliation would (bKash query is allowed
//     there, §2.7), and its answer applied — the IPN only brings the check
//     forward;
//   - succeeded with the same trxID and amount: nothing to do;
//   - created or redirected (paycore never executed), confirming (execute in
//     flight: its answer settles it), cancelled: ignored — a claim may not
//     mark paid what paycore did not execute, and query is not allowed
//     there;
//   - succeeded with another trxID or amount, or failed or expired while the
//     claim says Completed: verdict "mismatch", logged as an error for an
//     operator, nothing changed;
//   - unknown attempt or another gateway's: ignored (bKash notifies every
//     payment to the merchant's wallet, also ones not made through paycore).
//
// Only storage errors are returned.
func (s *GatewayHooks) HandleClaim(ctx context.Context, in GatewayClaimInput) (GatewayHookResult, error) {
	c := in.Claim
	rec := ports.GatewayHookRecord{Gateway: string(c.Gateway), SourceIP: in.SourceIP.String(), Headers: in.Headers,
		Body: string(in.Body), At: s.clock.Now(), EventID: c.EventID, Event: "notification"}
	res := GatewayHookResult{EventID: c.EventID}
	done := func(verdict, detail string) (GatewayHookResult, error) {
		rec.Verdict, rec.Detail = verdict, detail
		res.Verdict, res.Detail = verdict, detail
		return res, s.recordHook(ctx, rec)
	}
	if c.EventID == "" || c.AttemptRef == "" {
		return done(claimIgnored, "notification names no event or attempt")
	}
	var resolve string
	err := s.tx.Transact(ctx, func(ctx context.Context, tx ports.Tx) error {
		resolve = ""
		return tx.Attempts().Update(ctx, c.AttemptRef, func(p *domain.Payment, a *domain.Attempt) error {
			if seen, err := tx.GatewayHooks().HookAccepted(ctx, rec.Gateway, c.EventID); err != nil {
				return err
			} else if seen {
				return domain.ErrDuplicate
			}
			rec.PaymentID = p.ID
			verdict, detail := s.judgeClaim(a, c)
			if verdict == "accepted" {
				resolve = a.ID
			}
			rec.Verdict, rec.Detail = verdict, detail
			return tx.GatewayHooks().RecordHook(ctx, rec)
		})
	})
	switch {
	case errors.Is(err, domain.ErrDuplicate):
		return done("duplicate", "notification already applied")
	case errors.Is(err, domain.ErrNotFound):
		return done(claimIgnored, "no attempt "+c.AttemptRef+": not a paycore payment")
	case err != nil:
		return GatewayHookResult{}, err
	}
	res.Verdict, res.Detail = rec.Verdict, rec.Detail
	if rec.Verdict == claimMismatch {
		s.log.Error("gateway notification contradicts paycore: operator attention", "gateway", rec.Gateway,
			"attempt", c.AttemptRef, "trx_id", c.TrxID, "detail", rec.Detail)
	}
	if resolve != "" {
		if settled, err := s.resolve.Resolve(ctx, resolve); err != nil {
			s.log.Warn("gateway notification: resolve attempt", "attempt", resolve, "err", err)
		} else if settled {
			res.Detail = "confirmed with the gateway and applied"
		}
	}
	return res, nil
}

// judgeClaim decides what a claim may do to attempt a (HandleClaim's
// list): "accepted" means ask the gateway.
func (s *GatewayHooks) judgeClaim(a *domain.Attempt, c ports.GatewayClaim) (verdict, detail string) {
	completed := c.Status == "" || c.Status == "Completed"
	if a.Gateway != c.Gateway {
		return claimIgnored, fmt.Sprintf("attempt %s is at %s", a.ID, a.Gateway)
	}
	switch a.Status() {
	case domain.AttemptUnresolved:
		return "accepted", "execute got no answer: confirming with the gateway's status API"
	case domain.AttemptSucceeded:
		if (c.TrxID == "" || c.TrxID == a.TrxID) && (c.Amount.IsZero() || c.Amount.Equal(a.Amount)) {
			return claimIgnored, "no change: attempt already succeeded"
		}
		return claimMismatch, fmt.Sprintf("attempt succeeded with trxID %s, %s; notification says %s, %s",
			a.TrxID, a.Amount, c.TrxID, c.Amount)
	case domain.AttemptFailed, domain.AttemptExpired:
		if completed {
			return claimMismatch, fmt.Sprintf("attempt is %s; notification says %s trxID %s, %s", a.Status(), c.Status, c.TrxID, c.Amount)
		}
		return claimIgnored, "no change: attempt is " + string(a.Status())
	case domain.AttemptConfirming:
		return claimIgnored, "no change: a confirm is in flight; its answer settles the attempt"
	}
	return claimIgnored, "no change: attempt is " + string(a.Status()) + "; paycore has not executed it, and a notification does not settle it"
}
