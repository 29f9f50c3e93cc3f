package app

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// Gateways knows the active gateways: which there are, their currencies and
// per-payment limits, their health from recorded calls, and which of them
// the operators switched off (the one rule of what a disabled gateway may
// still do: checkEnabled).
type Gateways struct {
	byCode map[domain.Gateway]ports.PaymentGateway
	calls  ports.GatewayCallStore // nil: health without call records
	clock  ports.Clock

	switches ports.GatewaySwitches // nil: every gateway enabled, none can be switched
	audit    auditor
	mu       sync.Mutex
	cache    map[domain.Gateway]ports.GatewaySwitch // the stored switches as last read
	cachedAt time.Time                              // zero: not read yet
}

func newGateways(gws []ports.PaymentGateway, calls ports.GatewayCallStore, clock ports.Clock) *Gateways {
	g := &Gateways{byCode: map[domain.Gateway]ports.PaymentGateway{}, calls: calls, clock: clock}
	for _, gw := range gws {
		if gw == nil {
			panic("app.New: nil gateway")
		}
		g.byCode[gw.Gateway()] = gw
	}
	return g
}

// Active returns the active gateways in a fixed order (bkash, nagad,
// redirectgw, sslcommerz).
func (g *Gateways) Active() []domain.Gateway {
	var out []domain.Gateway
	for _, c := range []domain.Gateway{domain.GatewayBkash, domain.GatewayNagad, domain.GatewayRedirectGW, domain.GatewaySSLCommerz} {
		if _, ok := g.byCode[c]; ok {
			out = append(out, c)
		}
	}
	return out
}

// get returns an active gateway; domain.ErrGatewayUnavailable if c is not
// one.
func (g *Gateways) get(c domain.Gateway) (ports.PaymentGateway, error) {
	gw, ok := g.byCode[c]
	if !ok {
		return nil, fmt.Errorf("%w: %s", domain.ErrGatewayUnavailable, c)
	}
	return gw, nil
}

// acceptsCurrency: bKash and Nagad take BDT only (docs/gateways/bkash.md
// §5.1, docs/gateways/nagad.md §10.4), and so does every gateway paycore has
// (docs/merchant-api.md §6.1).
func (g *Gateways) acceptsCurrency(c domain.Currency) bool {
	return len(g.byCode) > 0 && c.Code == domain.BDT.Code
}

// amountRange is the smallest minimum and largest maximum per-payment
// amount among the active gateways that take currency cur (their limits);
// ok is false if none does.
func (g *Gateways) amountRange(cur domain.Currency) (lo, hi domain.Money, ok bool) {
	for _, c := range g.Active() {
		cmin, cmax := g.limits(c)
		if cmin.Currency().Code != cur.Code {
			continue
		}
		if !ok || cmin.Minor() < lo.Minor() {
			lo = cmin
		}
		if !ok || cmax.Minor() > hi.Minor() {
			hi = cmax
		}
		ok = true
	}
	return lo, hi, ok
}

// acceptsAmount reports whether some active gateway takes m (its currency,
// within its limits): what a new payment must satisfy. Operators' switches
// do not count here: a payment outlives a gateway's short disablement.
func (g *Gateways) acceptsAmount(m domain.Money) bool {
	for _, c := range g.Active() {
		if g.takes(c, m) {
			return true
		}
	}
	return false
}

// GatewayInfo describes an active gateway (GET /api/v1/gateways,
// docs/merchant-api.md §7.8).
type GatewayInfo struct {
	Code       domain.Gateway
	Name       string
	Currencies []string
	MinAmount  domain.Money
	MaxAmount  domain.Money
}

// gatewayInfo: names and per-payment limits. bKash refuses amounts under 1
// taka (docs/gateways/bkash.md §5.3); the upper limit of 50,000 taka is
// paycore's default policy, not a gateway figure.
var gatewayInfo = map[domain.Gateway]GatewayInfo{
	domain.GatewayBkash:      {Code: domain.GatewayBkash, Name: "bKash", Currencies: []string{"BDT"}, MinAmount: domain.MustMoney(100, "BDT"), MaxAmount: domain.MustMoney(50_000_00, "BDT")},
	domain.GatewayNagad:      {Code: domain.GatewayNagad, Name: "Nagad", Currencies: []string{"BDT"}, MinAmount: domain.MustMoney(100, "BDT"), MaxAmount: domain.MustMoney(50_000_00, "BDT")},
	domain.GatewayRedirectGW: {Code: domain.GatewayRedirectGW, Name: "Redirect gateway", Currencies: []string{"BDT"}, MinAmount: domain.MustMoney(100, "BDT"), MaxAmount: domain.MustMoney(50_000_00, "BDT")},
	// SSLCommerz takes 10.00 to 500,000.00 BDT per session
	// (docs/gateways/sslcommerz.md §2).
	domain.GatewaySSLCommerz: {Code: domain.GatewaySSLCommerz, Name: "SSLCommerz", Currencies: []string{"BDT"}, MinAmount: domain.MustMoney(10_00, "BDT"), MaxAmount: domain.MustMoney(500_000_00, "BDT")},
}

// List returns the active gateways the operators have not disabled, with
// their currencies and limits (what merchants are offered). Errors: the
// switch store's.
func (g *Gateways) List(ctx context.Context) ([]GatewayInfo, error) {
	on, err := g.Offered(ctx)
	if err != nil {
		return nil, err
	}
	var out []GatewayInfo
	for _, c := range on {
		info := gatewayInfo[c]
		info.MinAmount, info.MaxAmount = g.limits(c)
		out = append(out, info)
	}
	return out, nil
}

// limits returns gateway c's per-payment limits: the adapter's own
// (ports.AmountLimits: its gateway's rules and the merchant's configured
// contract, docs/gateways/), else gatewayInfo's defaults.
func (g *Gateways) limits(c domain.Gateway) (minAmount, maxAmount domain.Money) {
	if l, ok := g.byCode[c].(ports.AmountLimits); ok {
		return l.Limits()
	}
	return gatewayInfo[c].MinAmount, gatewayInfo[c].MaxAmount
}

// takes reports whether gateway c takes a payment of amount: its currency,
// within its limits.
func (g *Gateways) takes(c domain.Gateway, amount domain.Money) bool {
	lo, hi := g.limits(c)
	return amount.Currency() == lo.Currency() && amount.Currency() == hi.Currency() &&
		amount.Minor() >= lo.Minor() && amount.Minor() <= hi.Minor()
}

// offering returns the enabled active gateways that take amount, in
// Active's order: the hosted page offers only these. Errors: the switch
// store's.
func (g *Gateways) offering(ctx context.Context, amount domain.Money) ([]domain.Gateway, error) {
	on, err := g.Offered(ctx)
	if err != nil {
		return nil, err
	}
	var out []domain.Gateway
	for _, c := range on {
		if g.takes(c, amount) {
			out = append(out, c)
		}
	}
	return out, nil
}

// checkAmount refuses an attempt at gateway c for an amount it does not
// take: a *domain.ValidationError on "amount" naming c's limits (422
// VALIDATION_FAILED), nil when c takes it.
func (g *Gateways) checkAmount(c domain.Gateway, amount domain.Money) error {
	if g.takes(c, amount) {
		return nil
	}
	lo, hi := g.limits(c)
	var v domain.ValidationError
	v.Add("amount", fmt.Sprintf("%s takes amounts from %s to %s; this payment is %s", gatewayInfo[c].Name, lo, hi, amount))
	return &v
}

// GatewayHealth is a gateway's health over the last 24 h, from recorded
// calls (GET /api/v1/gateways/health).
type GatewayHealth struct {
	Code          domain.Gateway
	Status        string  // "up", "degraded", "down"
	SuccessRate   float64 // answered calls / calls, percent; 100 with no calls (presentation only, not money)
	P95Latency    time.Duration
	UptimePercent float64 // 5-minute buckets with calls in which most were answered, percent
	Calls         int64
	// Switch is the operators' switch: Enabled false when disabled (its
	// Reason, By, At); a gateway never switched is enabled with a zero At.
	Switch ports.GatewaySwitch
}

// HealthWindow is the window Health looks back over.
const HealthWindow = 24 * time.Hour

// Health summarises each active gateway, disabled ones too (with their
// switch). Status: "down" when most calls of the last 15 minutes got no
// answer, "degraded" when any did or the 24 h success rate is under 95 %,
// else "up". Errors: the call store's and the switch store's.
func (g *Gateways) Health(ctx context.Context) ([]GatewayHealth, error) {
	sw, err := g.switchesNow(ctx)
	if err != nil {
		return nil, err
	}
	var out []GatewayHealth
	for _, c := range g.Active() {
		h := GatewayHealth{Code: c, Status: "up", SuccessRate: 100, UptimePercent: 100, Switch: switchOf(sw, c)}
		if g.calls != nil {
			st, err := g.calls.CallStats(ctx, c, g.clock.Now().Add(-HealthWindow))
			if err != nil {
				return nil, err
			}
			h.Calls, h.P95Latency = st.Calls, st.P95
			if st.Calls > 0 {
				h.SuccessRate = float64(st.OK+st.Refused) * 100 / float64(st.Calls)
			}
			if st.Buckets > 0 {
				h.UptimePercent = float64(st.UpBuckets) * 100 / float64(st.Buckets)
			}
			switch {
			case st.LastWindow.Calls > 0 && st.LastWindow.NoAnswer*2 > st.LastWindow.Calls:
				h.Status = "down"
			case st.LastWindow.NoAnswer > 0 || h.SuccessRate < 95:
				h.Status = "degraded"
			}
		}
		out = append(out, h)
	}
	return out, nil
}
