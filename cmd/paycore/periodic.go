package main

import (
	"context"
	"fmt"
	"time"

	"github.com/paycore/paycore/adapters/rest"
	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
)

// maintenance is the periodic job: purge nonces past the signature window,
// idempotency keys past their 24 h, request logs past retention and logged
// gateway webhook calls past theirs.
func (s *server) maintenance(ctx context.Context) error {
	now := s.clock.Now()
	n, err := s.db.PurgeNonces(ctx, now.Add(-2*app.SignatureWindow))
	if err != nil {
		return err
	}
	k, err := s.db.PurgeIdempotencyKeys(ctx, now.Add(-rest.IdempotencyTTL-time.Hour))
	if err != nil {
		return err
	}
	var l int64
	if s.cfg.LogRetention > 0 {
		if l, err = s.db.PurgeRequestLogs(ctx, now.Add(-s.cfg.LogRetention)); err != nil {
			return err
		}
	}
	var h int64
	if s.cfg.HookRetention > 0 {
		if h, err = s.db.PurgeGatewayHooks(ctx, now.Add(-s.cfg.HookRetention)); err != nil {
			return err
		}
	}
	s.log.Info("maintenance", "nonces_purged", n, "idempotency_keys_purged", k, "request_logs_purged", l,
		"gateway_webhooks_purged", h)
	return nil
}

// reconcile runs one reconciliation pass (app.Reconciler.Run).
func (s *server) reconcile(ctx context.Context) error {
	rep, err := s.app.Reconciler.Run(ctx)
	if rep != (app.ReconcileReport{}) {
		s.log.Info("reconciled", "resolved", rep.Resolved, "still_unknown", rep.StillUnknown,
			"attempts_expired", rep.AttemptsExpired, "payments_expired", rep.PaymentsExpired)
	}
	return err
}

// degradedGateways names the gateways that work only in part, for /readyz
// (200 with the detail: the node still serves everything else): bKash
// while its token calls back off after a failed grant or refresh
// (docs/gateways/bkash.md §4.3), as every node sees it in the database.
func (s *server) degradedGateways(ctx context.Context) map[string]string {
	if s.bkash == nil {
		return nil
	}
	h, err := s.bkash.TokenHealth(ctx)
	switch {
	case err != nil:
		return map[string]string{string(domain.GatewayBkash): "token state unreadable: " + err.Error()}
	case h.Degraded:
		return map[string]string{string(domain.GatewayBkash): fmt.Sprintf(
			"token calls failing (%d in a row, last: %s); backing off until %s: payments needing a new token fail",
			h.Failures, h.LastError, h.BackoffUntil.UTC().Format(time.RFC3339))}
	}
	return nil
}
