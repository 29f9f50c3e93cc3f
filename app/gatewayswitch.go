package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// The operators' gateway switches (issue 12). The rule, in one place: a
// disabled gateway is not offered (hosted page, Query.gateways, GET
// /api/v1/gateways) and takes no new attempt (Attempts.Start answers
// ErrGatewayDisabled before anything is stored or sent); everything about
// attempts it already has goes on as before (callbacks and returns,
// reconciliation, reviews, refunds: they look the gateway up with get,
// which ignores switches), so money in flight is never stranded. A payment
// may still be created while gateways are disabled: its page offers the
// enabled ones.

// GatewaySwitchTTL bounds how long a node goes on using the switches it
// read: a switch made on one node takes effect on every other node within
// this time (at once on the node that made it). Within it a node may start
// an attempt at a gateway just disabled elsewhere; such an attempt settles
// like any other.
const GatewaySwitchTTL = 2 * time.Second

// ErrGatewayDisabled: an operator disabled the gateway; no new attempt is
// started at it (CodeGatewayDisabled, 409).
var ErrGatewayDisabled = errors.New("the gateway is disabled by the operator")

// maxSwitchReason is the longest reason kept with a switch, in bytes.
const maxSwitchReason = 500

// switchesNow returns the stored switches, read at most GatewaySwitchTTL
// ago (by the clock). If the store cannot be read, the switches read before
// (however old) are used; without any, the error is returned.
func (g *Gateways) switchesNow(ctx context.Context) (map[domain.Gateway]ports.GatewaySwitch, error) {
	if g.switches == nil {
		return nil, nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.clock.Now()
	if !g.cachedAt.IsZero() && now.Sub(g.cachedAt) < GatewaySwitchTTL && now.Sub(g.cachedAt) >= 0 {
		return g.cache, nil
	}
	list, err := g.switches.GatewaySwitches(ctx)
	if err != nil {
		if g.cachedAt.IsZero() {
			return nil, fmt.Errorf("gateway switches: %w", err)
		}
		g.audit.logger.WarnContext(ctx, "gateway switches: using the last read", "read_at", g.cachedAt, "err", err)
		return g.cache, nil
	}
	m := make(map[domain.Gateway]ports.GatewaySwitch, len(list))
	for _, sw := range list {
		m[sw.Gateway] = sw
	}
	g.cache, g.cachedAt = m, now
	return m, nil
}

// switchOf is gateway c's switch in sw: enabled and never switched if it
// has none.
func switchOf(sw map[domain.Gateway]ports.GatewaySwitch, c domain.Gateway) ports.GatewaySwitch {
	if s, ok := sw[c]; ok {
		return s
	}
	return ports.GatewaySwitch{Gateway: c, Enabled: true}
}

// Offered returns the active gateways the operators have not disabled, in
// Active's order. Errors: the switch store's (when it was never read).
func (g *Gateways) Offered(ctx context.Context) ([]domain.Gateway, error) {
	sw, err := g.switchesNow(ctx)
	if err != nil {
		return nil, err
	}
	var out []domain.Gateway
	for _, c := range g.Active() {
		if switchOf(sw, c).Enabled {
			out = append(out, c)
		}
	}
	return out, nil
}

// checkEnabled refuses a new attempt at a disabled gateway:
// ErrGatewayDisabled. Only Attempts.Start asks it.
func (g *Gateways) checkEnabled(ctx context.Context, c domain.Gateway) error {
	sw, err := g.switchesNow(ctx)
	if err != nil {
		return err
	}
	if !switchOf(sw, c).Enabled {
		return fmt.Errorf("%w: %s", ErrGatewayDisabled, c)
	}
	return nil
}

// SetEnabled switches an active gateway on or off (admins only, Authorize's
// ActManageGateway), with an optional reason (at most 500 bytes), and
// writes the change to the audit log ("gateway.enable" or
// "gateway.disable", before and after). It takes effect on this node at
// once and on every other within GatewaySwitchTTL. It returns the gateway's
// switch as stored. Errors: domain.ErrForbidden (not an admin),
// domain.ErrNotFound (not an active gateway), *domain.ValidationError on
// "reason", domain.ErrUnavailable without a switch store, the store's.
func (g *Gateways) SetEnabled(ctx context.Context, pr Principal, c domain.Gateway, enabled bool, reason string) (ports.GatewaySwitch, error) {
	if err := Authorize(pr, ActManageGateway, Resource{}); err != nil {
		return ports.GatewaySwitch{}, err
	}
	if _, ok := g.byCode[c]; !ok {
		return ports.GatewaySwitch{}, fmt.Errorf("%w: gateway %s is not active", domain.ErrNotFound, c)
	}
	reason = strings.TrimSpace(reason)
	if len(reason) > maxSwitchReason {
		var ve domain.ValidationError
		ve.Add("reason", fmt.Sprintf("must be at most %d bytes", maxSwitchReason))
		return ports.GatewaySwitch{}, &ve
	}
	if g.switches == nil {
		return ports.GatewaySwitch{}, fmt.Errorf("%w: gateway switches are not kept on this server", domain.ErrUnavailable)
	}
	sw := ports.GatewaySwitch{Gateway: c, Enabled: enabled, Reason: reason, By: actorName(pr), At: g.clock.Now()}
	prev, err := g.switches.SetGatewaySwitch(ctx, sw)
	if err != nil {
		return ports.GatewaySwitch{}, err
	}
	g.mu.Lock()
	g.cachedAt = g.clock.Now().Add(-GatewaySwitchTTL) // read again on next use
	g.mu.Unlock()
	action := "gateway.disable"
	if enabled {
		action = "gateway.enable"
	}
	view := func(s ports.GatewaySwitch) map[string]any {
		return map[string]any{"enabled": s.Enabled, "reason": s.Reason, "by": s.By}
	}
	g.audit.record(ctx, pr, action, string(c), "", view(prev), view(sw))
	return sw, nil
}
