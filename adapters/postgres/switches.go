package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// The operators' gateway switches (table gateway_switches).

var _ ports.GatewaySwitches = (*DB)(nil)

type switchRow struct {
	Gateway   string    `bun:"gateway"`
	Enabled   bool      `bun:"enabled"`
	Reason    string    `bun:"reason"`
	ChangedBy string    `bun:"changed_by"`
	ChangedAt time.Time `bun:"changed_at"`
}

func (r switchRow) toPort() ports.GatewaySwitch {
	return ports.GatewaySwitch{Gateway: domain.Gateway(r.Gateway), Enabled: r.Enabled, Reason: r.Reason,
		By: r.ChangedBy, At: r.ChangedAt.UTC()}
}

// GatewaySwitches implements ports.GatewaySwitches.
func (db *DB) GatewaySwitches(ctx context.Context) ([]ports.GatewaySwitch, error) {
	var rows []switchRow
	if err := db.Bun.NewRaw(`SELECT gateway, enabled, reason, changed_by, changed_at FROM gateway_switches`).Scan(ctx, &rows); err != nil {
		return nil, mapErr(err)
	}
	out := make([]ports.GatewaySwitch, len(rows))
	for i, r := range rows {
		out[i] = r.toPort()
	}
	return out, nil
}

// SetGatewaySwitch implements ports.GatewaySwitches. A gateway's first
// switch inserts its row; later ones update it, returning the row's values
// from before through a subquery that locks it (a concurrent switch waits,
// and is then seen as prev). Rows are never deleted, so an insert that
// conflicts always finds the row to update.
func (db *DB) SetGatewaySwitch(ctx context.Context, s ports.GatewaySwitch) (ports.GatewaySwitch, error) {
	var ins []string
	err := db.Bun.NewRaw(`INSERT INTO gateway_switches (gateway, enabled, reason, changed_by, changed_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (gateway) DO NOTHING RETURNING gateway`, string(s.Gateway), s.Enabled, s.Reason, s.By, s.At).Scan(ctx, &ins)
	if err != nil {
		return ports.GatewaySwitch{}, mapErr(err)
	}
	if len(ins) == 1 {
		return ports.GatewaySwitch{Gateway: s.Gateway, Enabled: true}, nil
	}
	var rows []switchRow
	err = db.Bun.NewRaw(`UPDATE gateway_switches g SET enabled = ?, reason = ?, changed_by = ?, changed_at = ?
		FROM (SELECT gateway, enabled, reason, changed_by, changed_at FROM gateway_switches WHERE gateway = ? FOR UPDATE) old
		WHERE g.gateway = old.gateway
		RETURNING old.gateway, old.enabled, old.reason, old.changed_by, old.changed_at`,
		s.Enabled, s.Reason, s.By, s.At, string(s.Gateway)).Scan(ctx, &rows)
	if err != nil {
		return ports.GatewaySwitch{}, mapErr(err)
	}
	if len(rows) != 1 {
		return ports.GatewaySwitch{}, fmt.Errorf("gateway switch %s: %d rows updated", s.Gateway, len(rows))
	}
	return rows[0].toPort(), nil
}
