package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
	"github.com/paycore/paycore/webhook"
)

// GatewayHooks takes gateways' signed status updates (POST
// /api/v1/webhook): every call logged, each event applied once.
type GatewayHooks struct {
	tx      ports.TxProvider
	clock   ports.Clock
	log     *slog.Logger
	pub     publisher
	resolve *Reconciler                          // asks the gateway about an open attempt
	hooks   map[domain.Gateway]GatewayHookConfig // per gateway: secret and sources
	record  ports.GatewayHookLog                 // nil: calls refused before a transaction are not logged
	metrics ports.GatewayHookMetrics             // nil: verdicts are not counted
	sample  *hookSampler                         // unauthenticated calls stored per verdict per minute
}

// GatewayHookInput is one call to the incoming webhook.
type GatewayHookInput struct {
	Gateway  string            // X-Gateway header or ?gateway=
	SourceIP netip.Addr        // the peer (or the trusted proxy's client)
	Headers  map[string]string // as received (logged)
	Body     []byte
}

// GatewayHookResult is the verdict on an accepted call.
type GatewayHookResult struct {
	EventID string
	Verdict string // "accepted" or "duplicate"
	Detail  string // what paycore did about it
}

// gatewayEvent is the body a gateway sends to POST /api/v1/webhook
// (docs/merchant-api.md §9).
type gatewayEvent struct {
	ID            string          `json:"id"`
	Event         string          `json:"event"`
	TransactionID string          `json:"transaction_id"`
	OrderID       string          `json:"order_id"`
	Amount        json.RawMessage `json:"amount"`
	Currency      string          `json:"currency"`
	Status        string          `json:"status"`
	GatewayRef    string          `json:"gateway_ref"`
	Timestamp     string          `json:"timestamp"`
}

// Handle takes a gateway's status update (docs/merchant-api.md, POST
// /webhook: validate signature, verify source, log all attempts). Every call is
// counted by verdict (ports.GatewayHookMetrics). A call whose gateway is
// known and whose signature checks out is logged with its raw body,
// headers, source and verdict, accepted or not; unauthenticated ones
// (unknown gateway, source not allowed, bad signature) are only sampled:
// at most Config.HookSamplesPerMinute per verdict per minute, body cut to
// SampledBodyBytes. The event id comes from the signed body only (an
// unsigned X-Webhook-Id header is not trusted). An event id is accepted
// once (replays answer "duplicate"). A
// payment.disputed moves a paid payment to disputed; other events change
// nothing by themselves: where the gateway has a status API and our
// attempt's outcome is open (bKash: execute got no answer), the gateway is
// asked and its answer applied, exactly as reconciliation does.
//
// Errors: domain.ErrNotFound (unknown gateway or transaction),
// domain.ErrForbidden (source not allowed), domain.ErrUnauthenticated (bad
// or stale signature), *domain.ValidationError (unreadable event or an
// event that does not fit the payment).
func (s *GatewayHooks) Handle(ctx context.Context, in GatewayHookInput) (GatewayHookResult, error) {
	rec := ports.GatewayHookRecord{Gateway: in.Gateway, SourceIP: in.SourceIP.String(), Headers: in.Headers,
		Body: string(in.Body), At: s.clock.Now()}
	refuse := func(verdict, detail string, err error) (GatewayHookResult, error) {
		rec.Verdict, rec.Detail = verdict, detail
		s.count(verdict)
		if sampledVerdicts[verdict] {
			if !s.sample.admit(verdict, rec.At) {
				return GatewayHookResult{}, err
			}
			rec = sampled(rec)
		}
		if lerr := s.recordHook(ctx, rec); lerr != nil {
			return GatewayHookResult{}, errors.Join(err, lerr)
		}
		return GatewayHookResult{}, err
	}
	// Best effort, for the log only: what the body claims to be.
	var claimed gatewayEvent
	if json.Unmarshal(in.Body, &claimed) == nil {
		rec.EventID, rec.Event, rec.PaymentID = claimed.ID, claimed.Event, claimed.TransactionID
	}
	g, gerr := domain.ParseGateway(in.Gateway)
	hc, configured := s.hooks[g]
	if gerr != nil || !configured || len(hc.Secret) == 0 {
		return refuse("unknown_gateway", "unknown or unconfigured gateway", fmt.Errorf("%w: gateway %q", domain.ErrNotFound, in.Gateway))
	}
	if len(hc.Sources) > 0 && !inPrefixes(in.SourceIP, hc.Sources) {
		return refuse("forbidden_source", "source "+in.SourceIP.String()+" not allowed", domain.ErrForbidden)
	}
	if err := webhook.Verify(in.Body, in.Headers[webhook.SignatureHeader], [][]byte{hc.Secret}, SignatureWindow, s.clock.Now()); err != nil {
		return refuse("bad_signature", err.Error(), &AuthError{Reason: "Invalid signature"})
	}
	var ev gatewayEvent
	if err := json.Unmarshal(in.Body, &ev); err != nil {
		var v domain.ValidationError
		v.Add("body", "body must be a JSON event")
		return refuse("invalid", "malformed JSON", &v)
	}
	rec.EventID, rec.Event, rec.PaymentID = ev.ID, ev.Event, ev.TransactionID
	var v domain.ValidationError
	if ev.ID == "" {
		// Only the signed body names the event: an unsigned header could
		// make one event look like many (or many like one).
		v.Add("id", "event id is required in the signed body (X-Webhook-Id is not signed)")
	}
	if ev.TransactionID == "" {
		v.Add("transaction_id", "transaction_id is required")
	}
	if ev.ID != "" && !storableText(ev.ID) {
		v.Add("id", "id must be valid UTF-8 without NUL characters")
	}
	if ev.TransactionID != "" && !storableText(ev.TransactionID) {
		v.Add("transaction_id", "transaction_id must be valid UTF-8 without NUL characters")
	}
	switch domain.EventType(ev.Event) {
	case domain.EventPaymentSuccess, domain.EventPaymentFailed, domain.EventPaymentPending,
		domain.EventPaymentRefunded, domain.EventPaymentDisputed:
	default:
		v.Add("event", "event must be payment.success, payment.failed, payment.pending, payment.refunded or payment.disputed")
	}
	if err := v.Err(); err != nil {
		return refuse("invalid", "missing or unknown fields", err)
	}

	res := GatewayHookResult{EventID: ev.ID, Verdict: "accepted"}
	var resolve string // an attempt to ask the gateway about, after commit
	err := s.tx.Transact(ctx, func(ctx context.Context, tx ports.Tx) error {
		resolve = ""
		return tx.Payments().Update(ctx, ev.TransactionID, func(p *domain.Payment) error {
			// Under the payment's row lock: a replay waits for the first to
			// commit and then sees it.
			if seen, err := tx.GatewayHooks().HookAccepted(ctx, in.Gateway, ev.ID); err != nil {
				return err
			} else if seen {
				return domain.ErrDuplicate
			}
			if p.Gateway != "" && p.Gateway != g {
				var v domain.ValidationError
				v.Add("transaction_id", fmt.Sprintf("transaction was settled by %s, not %s", p.Gateway, g))
				return &v
			}
			rec.Verdict = "accepted"
			switch domain.EventType(ev.Event) {
			case domain.EventPaymentDisputed:
				if err := p.Dispute(s.clock.Now()); err != nil {
					var v domain.ValidationError
					v.Add("event", fmt.Sprintf("payment is %s; only paid payments can be disputed", p.Status()))
					return &v
				}
				if err := s.pub.publish(ctx, tx, p, domain.EventPaymentDisputed); err != nil {
					return err
				}
				res.Detail = "payment disputed"
				refunds, err := tx.Refunds().ListByPayment(ctx, p.ID)
				if err != nil {
					return err
				}
				for _, r := range refunds {
					if !r.Open() {
						continue
					}
					// The money may go back twice (refund and chargeback):
					// an operator decides (docs/merchant-api.md §9).
					res.Detail = "payment disputed while refund " + r.ID + " is open: flagged for review"
					if err := flagPayment(ctx, tx, s.log, p, domain.ReviewDisputeWithRefund,
						fmt.Sprintf("Payment %s was disputed while refund %s (%s) is %s at the gateway.", p.ID, r.ID, r.Amount, r.Status()),
						s.clock.Now()); err != nil {
						return err
					}
					break
				}
			default:
				res.Detail = "no change: payment is " + string(p.Status())
				if p.Status() == domain.StatusProcessing {
					atts, err := tx.Attempts().ListByPayment(ctx, p.ID)
					if err != nil {
						return err
					}
					for _, a := range atts {
						if a.Gateway == g && (a.Status() == domain.AttemptUnresolved || a.Status() == domain.AttemptConfirming) {
							resolve = a.ID
						}
					}
					if resolve != "" {
						res.Detail = "confirming with the gateway's status API"
					}
				}
			}
			rec.Detail = res.Detail
			return tx.GatewayHooks().RecordHook(ctx, rec)
		})
	})
	switch {
	case errors.Is(err, domain.ErrDuplicate):
		rec.Verdict, rec.Detail = "duplicate", "event id already accepted"
		s.count(rec.Verdict)
		return GatewayHookResult{EventID: ev.ID, Verdict: "duplicate", Detail: rec.Detail}, s.recordHook(ctx, rec)
	case errors.Is(err, domain.ErrNotFound):
		return refuse("unknown_transaction", "no such transaction", err)
	case err != nil:
		var ve *domain.ValidationError
		if errors.As(err, &ve) {
			return refuse("rejected", "event does not fit the payment", err)
		}
		return GatewayHookResult{}, err
	}
	s.count("accepted")
	if resolve != "" {
		if settled, err := s.resolve.Resolve(ctx, resolve); err != nil {
			s.log.Warn("gateway webhook: resolve attempt", "attempt", resolve, "err", err)
		} else if settled {
			res.Detail = "confirmed with the gateway and applied"
		}
	}
	return res, nil
}

// Throttled counts a call refused by the edge's per-source rate limit
// before it was read (verdict "rate_limited"; nothing is stored).
func (s *GatewayHooks) Throttled() { s.count("rate_limited") }

func (s *GatewayHooks) count(verdict string) {
	if s.metrics != nil {
		s.metrics.HookVerdict(verdict)
	}
}

// sampled is r cut down for storage: body and claimed fields truncated.
func sampled(r ports.GatewayHookRecord) ports.GatewayHookRecord {
	r.Body = truncate(r.Body, SampledBodyBytes)
	r.Gateway = truncate(r.Gateway, sampledFieldBytes)
	r.EventID = truncate(r.EventID, sampledFieldBytes)
	r.Event = truncate(r.Event, sampledFieldBytes)
	r.PaymentID = truncate(r.PaymentID, sampledFieldBytes)
	h := make(map[string]string, len(r.Headers))
	for k, v := range r.Headers {
		h[k] = truncate(v, sampledFieldBytes)
	}
	r.Headers = h
	r.Detail += " (sampled)"
	return r
}

func (s *GatewayHooks) recordHook(ctx context.Context, r ports.GatewayHookRecord) error {
	if s.record == nil {
		return nil
	}
	return s.record.RecordHook(context.WithoutCancel(ctx), r)
}

func inPrefixes(a netip.Addr, ps []netip.Prefix) bool {
	a = a.Unmap()
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
