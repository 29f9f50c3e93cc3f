package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"time"

	"github.com/paycore/paycore/adapters/nagad"
	"github.com/paycore/paycore/adapters/nagadsim"
	"github.com/paycore/paycore/adapters/redirectgw"
	"github.com/paycore/paycore/adapters/redirectgwsim"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// The Nagad and redirect gateway adapters implement ports.PaymentGateway.
// The wrappers below add what the core needs beyond it, without touching the
// adapters: Nagad as a ports.CallbackVerifier, ports.Resolver and
// ports.Refunder; the redirect gateway as a ports.ReturnVerifier and
// ports.Resolver; and both mark the outcomes an operator must review
// (ports.ConfirmResult.Review).

// gatewayObserver records one gateway call for health (GET
// /api/v1/gateways/health), as bKash's Observe does.
type gatewayObserver func(g domain.Gateway, op, outcome string, httpStatus int, d time.Duration)

// ==== Nagad

// nagadGateway is the Nagad adapter as the core uses it.
type nagadGateway struct{ *nagad.Client }

var (
	_ ports.PaymentGateway   = nagadGateway{}
	_ ports.CallbackVerifier = nagadGateway{}
	_ ports.Resolver         = nagadGateway{}
	_ ports.Refunder         = nagadGateway{}
)

// newNagadGateway builds Nagad from configuration; in sandbox mode without
// NAGAD_BASE_URL it points at this node's simulator with the simulator's
// credentials. It returns nil when Nagad is not configured.
func newNagadGateway(cfg config, sim *nagadsim.Simulator, log *slog.Logger, clock ports.Clock, observe gatewayObserver) (ports.PaymentGateway, error) {
	nc := cfg.Nagad
	if nc.BaseURL == "" && sim != nil {
		creds := sim.Credentials()
		nc.BaseURL = cfg.BaseURL + "/sandbox/nagad" + nagadsim.APIPrefix
		nc.MerchantID, nc.MerchantNumber = creds.MerchantID, creds.MerchantNumber
		nc.MerchantPrivateKey, nc.PGPublicKey = creds.MerchantPrivateKey, creds.PGPublicKey
	}
	if nc.BaseURL == "" {
		return nil, nil
	}
	c, err := nagad.New(nagad.Config{
		BaseURL: nc.BaseURL, MerchantID: nc.MerchantID, MerchantNumber: nc.MerchantNumber,
		MerchantPrivateKey: nc.MerchantPrivateKey, PGPublicKey: nc.PGPublicKey,
		CallbackURL: cfg.BaseURL + "/callbacks/nagad", ClientIP: nc.ClientIP, ServiceName: nc.ServiceName,
		Clock: clock, Logger: log,
		Observe: func(c nagad.Call) {
			observe(domain.GatewayNagad, c.Op, c.Outcome, c.HTTPStatus, c.Duration)
		},
	})
	if err != nil {
		return nil, fmt.Errorf("nagad: %w", err)
	}
	return nagadGateway{c}, nil
}

// ConfirmsEveryCallback: Nagad's callback carries no status worth acting
// on; verify decides, whatever the callback says.
func (nagadGateway) ConfirmsEveryCallback() bool { return true }

// Confirm verifies the attempt with Nagad (nagad.Client.Confirm) and flags
// a Success that does not match the attempt for review.
func (g nagadGateway) Confirm(ctx context.Context, req ports.ConfirmRequest) (ports.ConfirmResult, error) {
	res, err := g.Client.Confirm(ctx, req)
	if res.Outcome == ports.OutcomeFailed {
		switch res.Code {
		case nagad.CodeAmountMismatch, nagad.CodeOrderMismatch, nagad.CodeMerchantMismatch, nagad.CodePaymentMismatch:
			res.Review = res.Code
		}
	}
	return res, err
}

// Resolve is reconciliation's verify: Confirm on the attempt's own payment
// reference (no callback), polled until Nagad leaves the transient
// statuses.
func (g nagadGateway) Resolve(ctx context.Context, req ports.ConfirmRequest) (ports.ConfirmResult, error) {
	req.Callback = nil
	return g.Confirm(ctx, req)
}

// SubmitRefund refunds through Nagad's purchase/cancel, once. ports'
// RefundRequest names the payment (GatewayRef = paymentReferenceId) but not
// the attempt nor the amount paid, so verify supplies them first: the
// orderId (which nagad.OrderID derives from the attempt ID, and leaves
// unchanged when given the orderId itself), the amount paid and the order's
// date (originalRequestDate). A verify that fails sends nothing (an error:
// the job then asks CheckRefund, which finds no new refund and fails it).
func (g nagadGateway) SubmitRefund(ctx context.Context, req ports.RefundRequest) (ports.RefundResult, error) {
	v, err := g.Verify(ctx, req.GatewayRef)
	if err != nil {
		return ports.RefundResult{}, fmt.Errorf("nagad refund: verify the payment first: %w", err)
	}
	if v.OrderID == "" || v.Amount.IsZero() {
		return ports.RefundResult{Outcome: ports.OutcomeFailed, Code: "INVALID_REQUEST",
			Message: "Nagad's record of the payment has no order or amount"}, nil
	}
	res, err := g.Refund(ctx, nagad.RefundRequest{
		PaymentRefID: req.GatewayRef, AttemptID: v.OrderID, OriginalAmount: v.Amount, Amount: req.Amount,
		PaidAt: v.OrderDateTime, ReferenceNo: req.RefundID, Reason: req.Reason,
	})
	var ge *ports.GatewayError
	switch {
	case err == nil:
		ref := res.CancelTrxID
		if ref == "" {
			ref = req.RefundID
		}
		return ports.RefundResult{Outcome: ports.OutcomeSucceeded, RefundRef: ref}, nil
	case errors.Is(err, nagad.ErrNoAnswer):
		return ports.RefundResult{Outcome: ports.OutcomeUnknown}, nil
	case errors.Is(err, nagad.ErrInvalidRequest):
		return ports.RefundResult{Outcome: ports.OutcomeFailed, Code: "INVALID_REQUEST", Message: err.Error()}, nil
	case errors.As(err, &ge):
		return ports.RefundResult{Outcome: ports.OutcomeFailed, Code: ge.Code, Message: ge.Message}, nil
	}
	return ports.RefundResult{}, err
}

// CheckRefund asks what became of a refund whose answer was lost. Nagad has
// no refund status call; verify reports the payment's latest refund
// (cancelIssuerRefNo), as the adapter prescribes after a lost answer. A
// latest refund that is not one of the payment's earlier refunds
// (PriorRefundRefs) is this one: succeeded. No refund beyond the earlier
// ones means Nagad did not refund: failed, nothing moved (the merchant may
// ask again), as bKash's CheckRefund does when refund status knows nothing.
// Limits: verify shows neither the refund's amount nor more than the
// latest refund, so two refunds of one payment in flight at once cannot be
// told apart; paycore runs each payment's refunds one job at a time in
// practice, and a verify error leaves the refund open (asked again).
func (g nagadGateway) CheckRefund(ctx context.Context, req ports.RefundRequest) (ports.RefundResult, error) {
	v, err := g.Verify(ctx, req.GatewayRef)
	if err != nil {
		return ports.RefundResult{}, fmt.Errorf("nagad refund status: %w", err)
	}
	if v.CancelIssuerRefNo == "" || slices.Contains(req.PriorRefundRefs, v.CancelIssuerRefNo) {
		return ports.RefundResult{Outcome: ports.OutcomeFailed, Code: "NOT_REFUNDED",
			Message: "Nagad's verify shows no refund beyond the earlier ones"}, nil
	}
	return ports.RefundResult{Outcome: ports.OutcomeSucceeded, RefundRef: v.CancelIssuerRefNo}, nil
}

// ==== Redirect gateway

// redirectGateway is the redirect gateway adapter as the core uses it.
type redirectGateway struct {
	*redirectgw.Client
	// claimed returns the transaction_id an attempt holds (an unverified
	// claim, or a return whose verify gave no answer): reconciliation's
	// ConfirmRequest carries only the attempt.
	claimed func(ctx context.Context, attemptID string) (string, error)
}

var (
	_ ports.PaymentGateway = redirectGateway{}
	_ ports.ReturnVerifier = redirectGateway{}
	_ ports.Resolver       = redirectGateway{}
)

// newRedirectGateway builds the redirect gateway from configuration; in
// sandbox mode without REDIRECTGW_BASE_URL it points at this node's
// simulator with its credentials and verify endpoint (unless
// REDIRECTGW_VERIFY_URL=none). It returns nil when it is not configured.
func newRedirectGateway(cfg config, sim *redirectgwsim.Simulator, txp ports.TxProvider, log *slog.Logger, clock ports.Clock, observe gatewayObserver) (ports.PaymentGateway, error) {
	rc := cfg.RedirectGW
	if rc.BaseURL == "" && sim != nil {
		creds := sim.Credentials()
		rc.BaseURL = cfg.BaseURL + "/sandbox/redirectgw"
		rc.APIKey, rc.ClientBaseURL = creds.APIKey, creds.ClientBaseURL
		if rc.VerifyURL == "" {
			rc.VerifyURL = rc.BaseURL + redirectgwsim.VerifyPath
		}
		if len(rc.ReturnKey) == 0 {
			rc.ReturnKey = []byte(sandboxReturnKey)
		}
	}
	if rc.BaseURL == "" {
		return nil, nil
	}
	if rc.NoVerify {
		rc.VerifyURL = ""
	}
	c, err := redirectgw.New(redirectgw.Config{
		BaseURL: rc.BaseURL, APIKey: rc.APIKey, ClientBaseURL: rc.ClientBaseURL, CallbackBaseURL: cfg.BaseURL,
		ReturnKey: rc.ReturnKey, ReturnTTL: rc.ReturnTTL, VerifyURL: rc.VerifyURL, TrustSignedReturn: rc.TrustSignedReturn,
		Clock: clock, Logger: log,
		Observe: func(c redirectgw.Call) {
			observe(domain.GatewayRedirectGW, c.Op, c.Outcome, c.HTTPStatus, c.Duration)
		},
	})
	if err != nil {
		return nil, fmt.Errorf("redirectgw: %w", err)
	}
	claimed := func(ctx context.Context, attemptID string) (string, error) {
		var trx string
		err := txp.Transact(ctx, func(ctx context.Context, tx ports.Tx) error {
			a, err := tx.Attempts().Get(ctx, attemptID)
			if err == nil {
				trx = a.TrxID
			}
			return err
		})
		return trx, err
	}
	return redirectGateway{Client: c, claimed: claimed}, nil
}

// redirectReview are the adapter's codes an operator must look at: verify
// contradicting the return (money may have moved), and a claim nobody could
// verify.
var redirectReview = []string{redirectgw.CodeAmountMismatch, redirectgw.CodeVerifyMismatch, redirectgw.CodeUnverifiedClaim}

// Confirm checks the signed return and verifies it (redirectgw.Client.Confirm)
// and flags mismatches and unverified claims for review.
func (g redirectGateway) Confirm(ctx context.Context, req ports.ConfirmRequest) (ports.ConfirmResult, error) {
	res, err := g.Client.Confirm(ctx, req)
	if slices.Contains(redirectReview, res.Code) {
		res.Review = res.Code
	}
	return res, err
}

// VerifyReturn checks a browser return's signature and expiry with the
// adapter (HMAC-SHA256, compared with hmac.Equal) and translates its claim
// and errors to ports'.
func (g redirectGateway) VerifyReturn(query map[string][]string, now time.Time) (ports.SignedReturn, error) {
	c, err := g.Client.VerifyReturn(url.Values(query), now)
	switch {
	case errors.Is(err, redirectgw.ErrReturnExpired):
		return ports.SignedReturn{}, fmt.Errorf("%w: %w", ports.ErrReturnExpired, err)
	case err != nil:
		return ports.SignedReturn{}, fmt.Errorf("%w: %w", ports.ErrBadReturn, err)
	}
	return ports.SignedReturn{Kind: ports.ReturnKind(c.Kind), AttemptID: c.AttemptID, Amount: c.Amount,
		ExpiresAt: c.ExpiresAt, TransactionID: c.TransactionID}, nil
}

// Resolve asks the verify endpoint again about the transaction_id an
// unresolved attempt holds, with Confirm's checks minus the signed return
// (already checked when the attempt was claimed): completed for this
// transaction, attempt and session, in the attempt's amount and currency.
// Without a verify endpoint there is nothing to ask: the claim waits for an
// operator (paycore review).
func (g redirectGateway) Resolve(ctx context.Context, req ports.ConfirmRequest) (ports.ConfirmResult, error) {
	trx, err := g.claimed(ctx, req.AttemptID)
	if err != nil {
		return ports.ConfirmResult{}, err
	}
	if trx == "" {
		return ports.ConfirmResult{Outcome: ports.OutcomeUnknown}, nil
	}
	if !g.HasVerify() {
		return ports.ConfirmResult{Outcome: ports.OutcomeUnknown, TrxID: trx, Code: redirectgw.CodeUnverifiedClaim}, nil
	}
	v, err := g.Verify(ctx, trx)
	var ge *ports.GatewayError
	switch {
	case errors.As(err, &ge) && !errors.Is(err, redirectgw.ErrConfig):
		return flagged(redirectgw.CodeVerifyMismatch, fmt.Sprintf("The gateway does not confirm transaction %s: %s", trx, ge.Message)), nil
	case err != nil:
		return ports.ConfirmResult{Outcome: ports.OutcomeUnknown, TrxID: trx, Code: redirectgw.CodeVerifyNoAnswer}, nil
	case v.TransactionID != "" && v.TransactionID != trx,
		v.AttemptID != "" && v.AttemptID != req.AttemptID,
		v.TrxID != "" && req.GatewayRef != "" && v.TrxID != req.GatewayRef,
		v.Status == redirectgw.StatusFailed:
		return flagged(redirectgw.CodeVerifyMismatch, fmt.Sprintf("The gateway's verify does not match transaction %s (%s)", trx, v.RawStatus)), nil
	case v.Status == redirectgw.StatusPending:
		return ports.ConfirmResult{Outcome: ports.OutcomeUnknown, TrxID: trx, Code: redirectgw.CodeVerifyPending}, nil
	case !v.Amount.Equal(req.Amount):
		return flagged(redirectgw.CodeAmountMismatch, fmt.Sprintf("The gateway reports %s for transaction %s; the attempt is for %s", v.Amount, trx, req.Amount)), nil
	}
	return ports.ConfirmResult{Outcome: ports.OutcomeSucceeded, TrxID: trx}, nil
}

// flagged is a failed outcome an operator must review.
func flagged(code, msg string) ports.ConfirmResult {
	return ports.ConfirmResult{Outcome: ports.OutcomeFailed, Code: code, Review: code, Message: msg + "; flagged for review."}
}
