package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// ListInput selects a page of a client's payments. Page starts at 1; Limit
// is 1..100 (0 → 20).
type ListInput struct {
	Status   string
	OrderID  string
	From, To time.Time
	Page     int
	Limit    int
}

// PaymentPage is one page of payments and how many match in all.
type PaymentPage struct {
	Payments    []*domain.Payment
	Page, Limit int
	Total       int
}

// ListPayments returns a page of the principal's own payments, newest
// first. Errors: *domain.ValidationError for a bad status, page or limit.
func (s *Service) ListPayments(ctx context.Context, pr Principal, in ListInput) (PaymentPage, error) {
	var v domain.ValidationError
	if pr.TransactionID != "" {
		return PaymentPage{}, domain.ErrForbidden
	}
	if in.Page == 0 {
		in.Page = 1
	}
	if in.Limit == 0 {
		in.Limit = 20
	}
	if in.Page < 1 {
		v.Add("page", "page must be 1 or more")
	}
	if in.Limit < 1 || in.Limit > 100 {
		v.Add("limit", "limit must be between 1 and 100")
	}
	var st domain.PaymentStatus
	if in.Status != "" {
		var err error
		if st, err = domain.ParsePaymentStatus(in.Status); err != nil {
			v.Add("status", "status must be one of pending, processing, success, failed, cancelled, expired, partially_refunded, refunded, disputed")
		}
	}
	if !in.From.IsZero() && !in.To.IsZero() && in.To.Before(in.From) {
		v.Add("to_date", "to_date must not be before from_date")
	}
	if err := v.Err(); err != nil {
		return PaymentPage{}, err
	}
	out := PaymentPage{Page: in.Page, Limit: in.Limit}
	err := s.tx.Transact(ctx, func(ctx context.Context, tx ports.Tx) error {
		var err error
		out.Payments, out.Total, err = tx.Queries().List(ctx, ports.PaymentFilter{
			ClientID: pr.ClientID, Status: st, OrderID: in.OrderID, From: in.From, To: in.To,
			Offset: (in.Page - 1) * in.Limit, Limit: in.Limit,
		})
		return err
	})
	return out, err
}

// Profile is a client's account summary (GET /api/v1/client/profile).
type Profile struct {
	Client domain.Client
	APIKey string // current key; the secret is never shown again
}

// ClientProfile returns the principal's own client.
func (s *Service) ClientProfile(ctx context.Context, pr Principal) (Profile, error) {
	if pr.TransactionID != "" {
		return Profile{}, domain.ErrForbidden
	}
	var out Profile
	err := s.tx.Transact(ctx, func(ctx context.Context, tx ports.Tx) error {
		c, err := tx.Clients().Get(ctx, pr.ClientID)
		out.Client = c
		return err
	})
	if err == nil && s.keys != nil {
		out.APIKey, err = s.keys.CurrentKey(ctx, pr.ClientID)
		if errors.Is(err, domain.ErrNotFound) {
			err = nil
		}
	}
	return out, err
}

// Dashboard is a client's totals (merchant API document §4.8).
type Dashboard struct {
	TotalTransactions int64
	TotalSuccess      int64        // paid: success, partially_refunded, refunded, disputed
	TotalFailed       int64        // failed, cancelled, expired
	TotalAmount       domain.Money // sum of paid payments
	TotalRefunded     domain.Money
	Commission        domain.Money // TotalAmount × the client's commission_bps / 10000, half up
}

// ClientDashboard returns the principal's totals in BDT (the only currency
// the gateways accept).
func (s *Service) ClientDashboard(ctx context.Context, pr Principal) (Dashboard, error) {
	if pr.TransactionID != "" {
		return Dashboard{}, domain.ErrForbidden
	}
	var out Dashboard
	err := s.tx.Transact(ctx, func(ctx context.Context, tx ports.Tx) error {
		c, err := tx.Clients().Get(ctx, pr.ClientID)
		if err != nil {
			return err
		}
		st, err := tx.Queries().Stats(ctx, pr.ClientID)
		if err != nil {
			return err
		}
		code := domain.BDT.Code
		out.TotalTransactions, out.TotalSuccess, out.TotalFailed = st.Total, st.Success, st.Failed
		if out.TotalAmount, err = domain.NewMoney(st.Paid[code], code); err != nil {
			return err
		}
		if out.TotalRefunded, err = domain.NewMoney(st.Refunded[code], code); err != nil {
			return err
		}
		out.Commission = c.Commission(out.TotalAmount)
		return nil
	})
	return out, err
}

// Credentials is a freshly issued API key pair; Secret is shown once.
type Credentials struct {
	APIKey string
	Secret string
}

// NewCredentials returns a random API key ("pk_" + 24 characters) and secret
// ("sk_" + 40 characters), from crypto/rand.
func NewCredentials() Credentials {
	const alnum = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	return Credentials{APIKey: "pk_" + domain.RandomString(24, alnum), Secret: "sk_" + domain.RandomString(40, alnum)}
}

// RegenerateKeys issues a new API key pair for the principal's own client;
// the old key stops working after Config.KeyGrace (at once by default).
// clientID, when given (the document's request body), must be the caller's
// own: domain.ErrForbidden otherwise.
func (s *Service) RegenerateKeys(ctx context.Context, pr Principal, clientID string) (Credentials, error) {
	if pr.TransactionID != "" || (clientID != "" && clientID != pr.ClientID) {
		return Credentials{}, domain.ErrForbidden
	}
	if s.keys == nil {
		return Credentials{}, errors.New("regenerate keys: no key store")
	}
	c := NewCredentials()
	if err := s.keys.RotateKey(ctx, pr.ClientID, c.APIKey, []byte(c.Secret), s.clock.Now().Add(s.cfg.KeyGrace)); err != nil {
		return Credentials{}, fmt.Errorf("regenerate keys: %w", err)
	}
	return c, nil
}

// GatewayInfo describes an active gateway (GET /api/v1/gateways).
type GatewayInfo struct {
	Code       domain.Gateway
	Name       string
	Currencies []string
	MinAmount  domain.Money
	MaxAmount  domain.Money
}

// gatewayInfo: names and per-payment limits. bKash refuses amounts under 1
// taka (bKash spec §2, HSL sample); the upper limit of 50,000 taka is
// paycore's default policy, not a gateway figure.
var gatewayInfo = map[domain.Gateway]GatewayInfo{
	domain.GatewayBkash:      {Code: domain.GatewayBkash, Name: "bKash", Currencies: []string{"BDT"}, MinAmount: domain.MustMoney(100, "BDT"), MaxAmount: domain.MustMoney(50_000_00, "BDT")},
	domain.GatewayNagad:      {Code: domain.GatewayNagad, Name: "Nagad", Currencies: []string{"BDT"}, MinAmount: domain.MustMoney(100, "BDT"), MaxAmount: domain.MustMoney(50_000_00, "BDT")},
	domain.GatewayRedirectGW: {Code: domain.GatewayRedirectGW, Name: "Redirect gateway", Currencies: []string{"BDT"}, MinAmount: domain.MustMoney(100, "BDT"), MaxAmount: domain.MustMoney(50_000_00, "BDT")},
}

// GatewayList returns the active gateways with their currencies and limits.
func (s *Service) GatewayList() []GatewayInfo {
	var out []GatewayInfo
	for _, g := range s.Gateways() {
		out = append(out, gatewayInfo[g])
	}
	return out
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
}

// HealthWindow is the window GatewayHealth looks back over.
const HealthWindow = 24 * time.Hour

// GatewaysHealth summarises each active gateway. Status: "down" when most
// calls of the last 15 minutes got no answer, "degraded" when any did or the
// 24 h success rate is under 95 %, else "up".
func (s *Service) GatewaysHealth(ctx context.Context) ([]GatewayHealth, error) {
	var out []GatewayHealth
	for _, g := range s.Gateways() {
		h := GatewayHealth{Code: g, Status: "up", SuccessRate: 100, UptimePercent: 100}
		if s.calls != nil {
			st, err := s.calls.CallStats(ctx, g, s.clock.Now().Add(-HealthWindow))
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
