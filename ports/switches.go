package ports

import (
	"context"
	"time"

	"github.com/paycore/paycore/domain"
)

// GatewaySwitch is an operator's choice to offer a configured gateway or
// not (issue 12): a disabled gateway takes no new attempt, while callbacks,
// reconciliation and refunds of its existing attempts go on.
type GatewaySwitch struct {
	Gateway domain.Gateway
	Enabled bool
	Reason  string    // why, as the operator wrote it; "" if none
	By      string    // who switched it (a user's email, "admin-token")
	At      time.Time // when; zero for a gateway never switched
}

// GatewaySwitches keeps the operators' gateway switches, shared by every
// node (PostgreSQL: table gateway_switches). A gateway without a stored
// switch is enabled.
type GatewaySwitches interface {
	// GatewaySwitches returns every stored switch, in no particular order.
	GatewaySwitches(ctx context.Context) ([]GatewaySwitch, error)
	// SetGatewaySwitch stores s as its gateway's switch, replacing any, and
	// returns the switch it replaced (Enabled true and a zero At when none
	// was stored), atomically: of two concurrent calls, one sees the
	// other's switch as prev.
	SetGatewaySwitch(ctx context.Context, s GatewaySwitch) (prev GatewaySwitch, err error)
}
