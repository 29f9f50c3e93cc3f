package postgres

import (
	"context"
	"encoding/json"

	"github.com/uptrace/bun"

	"github.com/paycore/paycore/ports"
)

// RecordHook implements ports.GatewayHookLog on its own connection (for
// verdicts recorded outside a use case's transaction).
func (db *DB) RecordHook(ctx context.Context, r ports.GatewayHookRecord) error {
	return hookLog{db.Bun}.RecordHook(ctx, r)
}

// hookLog records inside whatever bun handle it is given (a transaction's
// connection through Tx).
type hookLog struct{ db bun.IDB }

func (l hookLog) RecordHook(ctx context.Context, r ports.GatewayHookRecord) error {
	h, err := json.Marshal(r.Headers)
	if err != nil {
		return err
	}
	_, err = l.db.NewRaw(`INSERT INTO gateway_webhooks (gateway, event_id, event, payment_id, source_ip, headers, body, verdict, detail, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.Gateway, r.EventID, r.Event, r.PaymentID, r.SourceIP, string(h), r.Body, r.Verdict, r.Detail, r.At).Exec(ctx)
	return mapErr(err)
}

var _ ports.GatewayHookLog = (*DB)(nil)

func (l hookLog) HookAccepted(ctx context.Context, gateway, eventID string) (bool, error) {
	return l.db.NewSelect().TableExpr("gateway_webhooks").
		Where("gateway = ? AND event_id = ? AND verdict = 'accepted'", gateway, eventID).Exists(ctx)
}

// HookAccepted implements ports.GatewayHookLog.
func (db *DB) HookAccepted(ctx context.Context, gateway, eventID string) (bool, error) {
	return hookLog{db.Bun}.HookAccepted(ctx, gateway, eventID)
}
