package portstest

import (
	"context"
	"slices"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

var (
	_ ports.GatewaySwitches = (*Store)(nil)
	_ ports.AuditLog        = (*Store)(nil)
)

// GatewaySwitches implements ports.GatewaySwitches.
func (s *Store) GatewaySwitches(ctx context.Context) ([]ports.GatewaySwitch, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []ports.GatewaySwitch
	s.read(func(d *data) {
		for _, sw := range d.switches {
			out = append(out, sw)
		}
	})
	return out, nil
}

// SetGatewaySwitch implements ports.GatewaySwitches.
func (s *Store) SetGatewaySwitch(ctx context.Context, sw ports.GatewaySwitch) (ports.GatewaySwitch, error) {
	if err := ctx.Err(); err != nil {
		return ports.GatewaySwitch{}, err
	}
	prev := ports.GatewaySwitch{Gateway: sw.Gateway, Enabled: true}
	s.read(func(d *data) {
		if old, ok := d.switches[sw.Gateway]; ok {
			prev = old
		}
		d.switches[sw.Gateway] = sw
	})
	return prev, nil
}

// AppendAudit implements ports.AuditLog: IDs count up from 1.
func (s *Store) AppendAudit(ctx context.Context, e domain.AuditEntry) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.read(func(d *data) {
		e.ID = int64(len(d.audit) + 1)
		d.audit = append(d.audit, e)
	})
	return nil
}

// ListAudit implements ports.AuditLog: newest first, as PostgreSQL's.
func (s *Store) ListAudit(ctx context.Context, f ports.AuditFilter) ([]domain.AuditEntry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	limit := max(1, min(f.Limit, 200))
	var out []domain.AuditEntry
	s.read(func(d *data) {
		for _, e := range slices.Backward(d.audit) {
			if (f.ActorID != "" && e.ActorID != f.ActorID) || (f.ClientID != "" && e.ClientID != f.ClientID) ||
				(f.Action != "" && e.Action != f.Action) || (f.Before > 0 && e.ID >= f.Before) {
				continue
			}
			if len(out) == limit {
				break
			}
			out = append(out, e)
		}
	})
	return out, nil
}
