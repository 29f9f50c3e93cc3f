// Package app holds paycore's use cases: create a payment, start an attempt
// at a gateway, settle the gateway's callback, send notifications. Each use
// case runs in one database transaction through ports.TxProvider; gateway
// calls happen between transactions, never inside one. It imports domain and
// ports only.
package app

import (
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// Config tunes the use cases.
type Config struct {
	// PaymentTTL is how long a customer has to pay a new payment; 0 → 24 h.
	PaymentTTL time.Duration
	// ConfirmWait is how long a repeated callback waits for the outcome of a
	// confirm already in flight; 0 → 40 s (bKash's 30 s timeout + slack).
	ConfirmWait time.Duration
	// Sandbox relaxes rules meant for production (plain-http webhook_url on
	// loopback).
	Sandbox bool
	// MaxRefunds is the most refunds one payment may have; 0 → 10 (bKash:
	// up to 10 partial refunds).
	MaxRefunds int
	// KeyGrace is how long a regenerated client's old API key keeps working;
	// 0 → it stops at once.
	KeyGrace time.Duration
	// GatewayHooks secures each gateway's calls to POST /api/v1/webhook.
	GatewayHooks map[domain.Gateway]GatewayHookConfig
	// AttemptTTL is how long an attempt may wait for its customer to come
	// back from the gateway before reconciliation expires it (without asking
	// the gateway); 0 → 30 min.
	AttemptTTL time.Duration
}

// Deps are what the use cases need from the outside. Tx and Clock are
// required; the rest may be nil where a deployment lacks them.
type Deps struct {
	Tx       ports.TxProvider
	Clock    ports.Clock
	Log      *slog.Logger
	SMS      ports.SMSSender        // nil: no SMS is sent
	Gateways []ports.PaymentGateway // the active gateways
	Keys     ports.KeyRotator       // API key regeneration
	Calls    ports.GatewayCallStore // gateway health
	Webhooks ports.WebhookSender    // merchant webhooks
	Secrets  ports.WebhookSecrets   // webhook signing secrets
	Hooks    ports.GatewayHookLog   // incoming gateway webhooks, logged outside transactions
}

// Service runs the use cases. Build it with New; it is safe for concurrent use.
type Service struct {
	cfg      Config
	tx       ports.TxProvider
	clock    ports.Clock
	log      *slog.Logger
	gateways map[domain.Gateway]ports.PaymentGateway
	sms      ports.SMSSender
	keys     ports.KeyRotator
	calls    ports.GatewayCallStore
	webhooks ports.WebhookSender
	secrets  ports.WebhookSecrets
	hooks    ports.GatewayHookLog
}

// New wires the use cases. It panics on a nil Tx, Clock or gateway (a
// wiring bug).
func New(cfg Config, d Deps) *Service {
	if d.Tx == nil || d.Clock == nil {
		panic("app.New: nil dependency")
	}
	if d.Log == nil {
		d.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.PaymentTTL == 0 {
		cfg.PaymentTTL = 24 * time.Hour
	}
	if cfg.ConfirmWait == 0 {
		cfg.ConfirmWait = 40 * time.Second
	}
	if cfg.AttemptTTL == 0 {
		cfg.AttemptTTL = 30 * time.Minute
	}
	if cfg.MaxRefunds == 0 {
		cfg.MaxRefunds = 10
	}
	s := &Service{cfg: cfg, tx: d.Tx, clock: d.Clock, log: d.Log, sms: d.SMS, keys: d.Keys, calls: d.Calls,
		webhooks: d.Webhooks, secrets: d.Secrets, hooks: d.Hooks,
		gateways: map[domain.Gateway]ports.PaymentGateway{}}
	for _, g := range d.Gateways {
		if g == nil {
			panic("app.New: nil gateway")
		}
		s.gateways[g.Gateway()] = g
	}
	return s
}

// Gateways returns the active gateways in a fixed order (bkash, nagad,
// redirectgw).
func (s *Service) Gateways() []domain.Gateway {
	var out []domain.Gateway
	for _, g := range []domain.Gateway{domain.GatewayBkash, domain.GatewayNagad, domain.GatewayRedirectGW} {
		if _, ok := s.gateways[g]; ok {
			out = append(out, g)
		}
	}
	return out
}

func (s *Service) gateway(g domain.Gateway) (ports.PaymentGateway, error) {
	gw, ok := s.gateways[g]
	if !ok {
		return nil, fmt.Errorf("%w: %s", domain.ErrGatewayUnavailable, g)
	}
	return gw, nil
}

// Principal is who calls a use case: a client (merchant server, HMAC or
// dashboard token) or a customer's browser holding a token scoped to one
// transaction.
type Principal struct {
	ClientID      string // the client acting, or the owner of TransactionID
	TransactionID string // set for a token scoped to one payment
	RatePerMinute int    // the client's API request limit; 0 = the default
	Admin         bool   // an operator: may read every client's records
}

// CanSee reports whether the principal may read or act on payment p.
func (pr Principal) CanSee(p *domain.Payment) bool {
	if pr.ClientID == "" || pr.ClientID != p.Order.ClientID {
		return false
	}
	return pr.TransactionID == "" || pr.TransactionID == p.ID
}

func changed(p *domain.Payment) domain.PaymentChanged {
	return domain.PaymentChanged{
		TransactionID: p.ID, Status: p.Status(), Version: p.Version, Gateway: p.Gateway,
		TrxID: p.TrxID, Refunded: p.Refunded.Minor(), UpdatedAt: p.UpdatedAt,
	}
}
