package postgres

import (
	"context"
	"encoding/json"
	"strings"
	"time"

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

// RecordHook stores r. Text PostgreSQL cannot hold (NUL, invalid UTF-8,
// both of which anyone may send) is replaced, so a hostile call is logged
// rather than failing with an error.
func (l hookLog) RecordHook(ctx context.Context, r ports.GatewayHookRecord) error {
	headers := make(map[string]string, len(r.Headers))
	for k, v := range r.Headers {
		headers[storableText(k)] = storableText(v)
	}
	h, err := json.Marshal(headers)
	if err != nil {
		return err
	}
	_, err = l.db.NewRaw(`INSERT INTO gateway_webhooks (gateway, event_id, event, payment_id, source_ip, headers, body, verdict, detail, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		storableText(r.Gateway), storableText(r.EventID), storableText(r.Event), storableText(r.PaymentID),
		storableText(r.SourceIP), string(h), storableText(r.Body), r.Verdict, storableText(r.Detail), r.At).Exec(ctx)
	return mapErr(err)
}

// storableText is s as a PostgreSQL text value can hold it: invalid UTF-8
// becomes U+FFFD and NUL becomes U+2400 (␀).
func storableText(s string) string {
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\u2400")
}

// PurgeGatewayHooks deletes logged gateway webhook calls received before
// cutoff (retention) and returns how many. An event id accepted before
// cutoff would be accepted again, so the retention must outlast any
// gateway's redelivery (and a replay needs a fresh signature anyway).
func (db *DB) PurgeGatewayHooks(ctx context.Context, cutoff time.Time) (int64, error) {
	res, err := db.Bun.NewDelete().TableExpr("gateway_webhooks").Where("created_at < ?", cutoff).Exec(ctx)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
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
