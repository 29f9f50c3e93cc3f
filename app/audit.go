package app

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// auditor writes the operators' audit log (issue 12): who (pr), what
// (action on target, of clientID), before and after (as JSON), when.
type auditor struct {
	log    ports.AuditLog // nil: not recorded
	clock  ports.Clock
	logger *slog.Logger
}

// record writes an audit entry; a failure is logged, not returned (the
// action is done).
func (a auditor) record(ctx context.Context, pr Principal, action, target, clientID string, before, after any) {
	if a.log == nil {
		return
	}
	js := func(v any) []byte {
		if v == nil {
			return nil
		}
		b, err := json.Marshal(v)
		if err != nil {
			return []byte(fmt.Sprintf("%q", fmt.Sprint(v)))
		}
		return b
	}
	role := string(pr.Role)
	if role == "" && pr.Admin {
		role = "admin-token"
	} else if role == "" {
		role = "client"
	}
	e := domain.AuditEntry{ActorID: pr.UserID, ActorEmail: actorName(pr), ActorRole: role, Action: action,
		Target: target, ClientID: clientID, Before: js(before), After: js(after), At: a.clock.Now()}
	if e.ActorID == "" {
		e.ActorID = actorName(pr)
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := a.log.AppendAudit(ctx, e); err != nil {
		a.logger.ErrorContext(ctx, "audit log", "action", action, "target", target, "err", err)
	}
}
