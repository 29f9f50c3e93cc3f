// Package app holds paycore's use cases, one type per area, each in the file
// named after it:
//
//	payments.go      Payments: create a payment, read and list them, the hosted page's view
//	attempts.go      Attempts: start an attempt at a gateway, settle its callback or signed return
//	settle.go        settler: apply a gateway's answer to an attempt and its payment (shared)
//	reconcile.go     Reconciler: ask gateways about open attempts, expire abandoned ones
//	refunds.go       Refunds: request a refund, take it to the gateway once, settle it
//	reviews.go       Reviews: the operator's queue of attempts a gateway answer could not settle
//	events.go        publisher: event log, live updates and webhook jobs with every change (shared)
//	webhooks.go      Webhooks: deliver merchant webhooks, list and redeliver them
//	notifications.go Notifications: customer SMS, queued with the change and sent by a job
//	accounts.go      Accounts: a merchant's profile, dashboard and API keys
//	gateways.go      Gateways: the active gateways, their limits and health
//	gatewayswitch.go the operators' gateway switches: what a disabled gateway may still do
//	gatewayhooks.go  GatewayHooks: gateways' signed status updates (POST /api/v1/webhook)
//	hooksample.go    how many unauthenticated gateway-webhook calls are kept (shared)
//	gatewayclaims.go GatewayHooks.HandleClaim: verified gateway notifications (bKash IPN)
//	auth.go          Authenticator: HMAC-signed merchant requests
//	users.go         Users: dashboard users, logins, rotating refresh-token sessions
//	loginlimits.go   login limits counted in a store every node shares
//	authz.go         Authorize: the one rule set of who may do what to whose records
//	console.go       Console: the console's search, timeline, clients, reviews, audit log, SMS balance
//	audit.go         auditor: the operators' audit log entries (shared)
//	sessions.go      Sessions: is an authenticated principal still valid (key, client)
//	errors.go        the one classification of errors both edges use
//
// Each use case runs its database work through ports.TxProvider, one
// transaction per step; gateway calls happen between transactions, never
// inside one. State changes go through domain methods inside the
// repositories' update closures, which lock rows in the one order payment →
// attempt → review, payment → refund (docs/architecture.md §3). The package
// imports domain and ports only; New is the one place the use cases are
// wired.
package app

import (
	"io"
	"log/slog"
	"net/netip"
	"time"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// Config tunes the use cases.
type Config struct {
	// PaymentTTL is how long a customer has to pay a new payment; 0 → 24 h.
	PaymentTTL time.Duration
	// ConfirmWait is how long a repeated callback waits for the outcome of a
	// confirm already in flight, and the deadline of the confirm itself,
	// which runs detached from the customer's request; 0 → 40 s (bKash's
	// 30 s timeout + slack).
	ConfirmWait time.Duration
	// Sandbox relaxes rules meant for production (plain-http webhook_url on
	// loopback).
	Sandbox bool
	// MaxRefunds is the most refunds one payment may have; 0 → 10 (bKash:
	// up to 10 partial refunds, docs/gateways/bkash.md §9.4).
	MaxRefunds int
	// KeyGrace is how long a regenerated client's old API key keeps working;
	// 0 → it stops at once.
	KeyGrace time.Duration
	// GatewayHooks secures each gateway's calls to POST /api/v1/webhook.
	GatewayHooks map[domain.Gateway]GatewayHookConfig
	// HookSamplesPerMinute is how many unauthenticated calls to POST
	// /api/v1/webhook (unknown gateway, source not allowed, bad signature)
	// are stored per verdict per minute on each node; the rest are only
	// counted. 0 → DefaultHookSamplesPerMinute; negative → none.
	HookSamplesPerMinute int
	// BcryptCost hashes dashboard passwords; 0 → bcrypt's default (tests
	// use the minimum).
	BcryptCost int
	// AttemptTTL is how long an attempt may wait for its customer to come
	// back from the gateway before reconciliation expires it (without asking
	// the gateway); 0 → 30 min.
	AttemptTTL time.Duration
	// ClientCacheTTL is how long Payments.Create trusts a client it read
	// (status, default webhook_url, language): a suspension stops creates
	// at most this long after it. 0 → DefaultKeyCacheTTL (the key cache's
	// bound); negative → read on every create.
	ClientCacheTTL time.Duration
}

// GatewayHookConfig secures one gateway's status updates to
// POST /api/v1/webhook: its signing secret (same scheme as paycore's own
// webhooks: X-Webhook-Signature "t=…,v1=…" over "<t>.<body>") and, if set,
// the source networks it may call from.
type GatewayHookConfig struct {
	Secret  []byte
	Sources []netip.Prefix // empty: any source
}

func (c Config) withDefaults() Config {
	if c.PaymentTTL == 0 {
		c.PaymentTTL = 24 * time.Hour
	}
	if c.ConfirmWait == 0 {
		c.ConfirmWait = 40 * time.Second
	}
	if c.AttemptTTL == 0 {
		c.AttemptTTL = 30 * time.Minute
	}
	if c.HookSamplesPerMinute == 0 {
		c.HookSamplesPerMinute = DefaultHookSamplesPerMinute
	}
	if c.MaxRefunds == 0 {
		c.MaxRefunds = 10
	}
	return c
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
	// Hosts vets webhook_url hosts at creation outside sandbox mode; nil:
	// only the webhook sender's dial-time check.
	Hosts ports.HostChecker
	// HookMetrics counts incoming gateway webhook calls by verdict; nil:
	// not counted.
	HookMetrics ports.GatewayHookMetrics
	// Users, Refresh and Audit keep dashboard users, their sessions and
	// the operators' audit log (issue 12); nil Users: no dashboard logins
	// (App.Users nil), nil Audit: actions are not recorded.
	Users   ports.UserStore
	Refresh ports.RefreshStore
	Audit   ports.AuditLog
	// Admin and Clients serve the console (App.Console nil without Admin).
	Admin   ports.AdminQueries
	Clients ports.ClientCreator
	// Logins counts dashboard login attempts for every node (login limits
	// across nodes); nil: each node counts in its memory.
	Logins ports.LoginAttempts
	// Switches keeps the operators' gateway switches (app/gatewayswitch.go);
	// nil: every gateway is enabled and none can be switched.
	Switches ports.GatewaySwitches
	// Announce tells the dashboards' live feed of each new payment after
	// its create committed; nil: new payments are not announced.
	Announce ports.Announcer
}

// App is every use case, wired. Build it with New; each field is safe for
// concurrent use.
type App struct {
	Payments      *Payments
	Attempts      *Attempts
	Reconciler    *Reconciler
	Refunds       *Refunds
	Reviews       *Reviews
	Webhooks      *Webhooks
	Notifications *Notifications
	Accounts      *Accounts
	Gateways      *Gateways
	GatewayHooks  *GatewayHooks
	Users         *Users   // nil without Deps.Users
	Console       *Console // nil without Deps.Admin
}

// New wires the use cases: the one place that decides which use case gets
// which port. It panics on a nil Tx, Clock or gateway (a wiring bug).
func New(cfg Config, d Deps) *App {
	if d.Tx == nil || d.Clock == nil {
		panic("app.New: nil dependency")
	}
	if d.Log == nil {
		d.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	cfg = cfg.withDefaults()
	gws := newGateways(d.Gateways, d.Calls, d.Clock)
	gws.switches, gws.audit = d.Switches, auditor{log: d.Audit, clock: d.Clock, logger: d.Log}
	pub := publisher{clock: d.Clock}
	sms := smsQueue{clock: d.Clock, enabled: d.SMS != nil}
	st := &settler{tx: d.Tx, clock: d.Clock, log: d.Log, gateways: gws, pub: pub, sms: sms, confirmTimeout: cfg.ConfirmWait}
	rec := &Reconciler{tx: d.Tx, clock: d.Clock, log: d.Log, settle: st, pub: pub, sms: sms,
		confirmWait: cfg.ConfirmWait, attemptTTL: cfg.AttemptTTL}
	a := &App{
		Payments: &Payments{tx: d.Tx, clock: d.Clock, gateways: gws, pub: pub, sms: sms,
			ttl: cfg.PaymentTTL, sandbox: cfg.Sandbox, hosts: d.Hosts, announce: d.Announce,
			clients: newClientCache(d.Tx, d.Clock, cfg.ClientCacheTTL)},
		Attempts: &Attempts{tx: d.Tx, clock: d.Clock, log: d.Log, gateways: gws, settle: st, pub: pub,
			confirmWait: cfg.ConfirmWait},
		Reconciler: rec,
		Refunds: &Refunds{tx: d.Tx, clock: d.Clock, log: d.Log, gateways: gws, pub: pub, sms: sms,
			maxRefunds: cfg.MaxRefunds},
		Reviews: &Reviews{tx: d.Tx, clock: d.Clock, log: d.Log, settle: st},
		Webhooks: &Webhooks{tx: d.Tx, clock: d.Clock, sender: d.Webhooks, secrets: d.Secrets,
			secretCache: newTTLCache[string, []byte](DefaultKeyCacheTTL)},
		Notifications: &Notifications{tx: d.Tx, clock: d.Clock, sender: d.SMS},
		Accounts:      &Accounts{tx: d.Tx, clock: d.Clock, keys: d.Keys, keyGrace: cfg.KeyGrace},
		Gateways:      gws,
		GatewayHooks: &GatewayHooks{tx: d.Tx, clock: d.Clock, log: d.Log, pub: pub, resolve: rec,
			hooks: cfg.GatewayHooks, record: d.Hooks, metrics: d.HookMetrics,
			sample: &hookSampler{perMinute: cfg.HookSamplesPerMinute}},
	}
	if d.Admin != nil {
		a.Console = &Console{q: d.Admin, create: d.Clients, audit: d.Audit, clock: d.Clock, log: d.Log,
			refunds: a.Refunds, reviews: a.Reviews, accounts: a.Accounts, webhooks: a.Webhooks, sandbox: cfg.Sandbox, sms: d.SMS}
		a.Console.OnClientChange(a.Payments.clients.forget)
	}
	if d.Users != nil && d.Refresh != nil {
		a.Users = NewUsers(d.Users, d.Refresh, d.Clock, cfg.BcryptCost)
		if d.Logins != nil {
			a.Users.CountLoginsIn(d.Logins)
		}
	}
	return a
}

// Principal is who calls a use case: a client (merchant server, HMAC or
// dashboard token) or a customer's browser holding a token scoped to one
// transaction.
type Principal struct {
	ClientID      string // the client acting, or the owner of TransactionID
	TransactionID string // set for a token scoped to one payment
	RatePerMinute int    // the client's API request limit; 0 = the default
	Admin         bool   // an operator: may read every client's records
	// APIKey is the key an HMAC-signed request was authenticated with ("" for
	// a bearer token); Sessions.Check re-checks it for a live connection.
	APIKey string
	// UserID, Email and Role are set for a dashboard user's access token
	// (issue 12): an admin or support user is an operator (Admin true, no
	// ClientID), a merchant user acts for its ClientID. Sessions.Check
	// re-checks that the user is still enabled.
	UserID string
	Email  string
	Role   domain.Role
}

// CanSee reports whether the principal may read or act on payment p.
func (pr Principal) CanSee(p *domain.Payment) bool {
	if pr.ClientID == "" || pr.ClientID != p.Order.ClientID {
		return false
	}
	return pr.TransactionID == "" || pr.TransactionID == p.ID
}
