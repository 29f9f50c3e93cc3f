package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// Console is the operators' and merchants' console (issue 12): search,
// one payment's timeline, clients, refunds on a customer's behalf, the
// review queue, job counts and the audit log. Every call is authorized by
// Authorize; every change by a dashboard user or an operator is written to
// the audit log (who, what, before and after, when).
type Console struct {
	q        ports.AdminQueries
	create   ports.ClientCreator
	audit    ports.AuditLog // nil: not recorded
	clock    ports.Clock
	log      *slog.Logger
	refunds  *Refunds
	reviews  *Reviews
	accounts *Accounts
	webhooks *Webhooks
	sandbox  bool
	sms      ports.SMSSender         // nil: no SMS provider
	onChange []func(clientID string) // OnClientChange
}

// OnClientChange registers f to hear of each client the console changes on
// this node (UpdateClient: status, commission, rate limit, webhook URL;
// RegenerateKeys), by client ID, right after the change is stored. Per-node
// caches — the API key cache (Authenticator.ForgetClient), the creates'
// client cache — drop the client then, so a suspension takes effect on this
// node at once; other nodes see it within DefaultKeyCacheTTL
// (docs/architecture.md §4, the create). Register before the node serves.
func (c *Console) OnClientChange(f func(clientID string)) { c.onChange = append(c.onChange, f) }

func (c *Console) changed(clientID string) {
	for _, f := range c.onChange {
		f(clientID)
	}
}

// Search is a payment search as the console sends it.
type Search struct {
	ports.PaymentSearch
	MinAmount, MaxAmount string // decimal, "" → no bound
}

// SearchPayments lists the payments pr may see that match s, newest first,
// s.Limit+1 at most (so the caller knows whether more follow).
func (c *Console) SearchPayments(ctx context.Context, pr Principal, s Search) ([]ports.PaymentRow, error) {
	client, err := ScopeClient(pr, s.ClientID)
	if err != nil {
		return nil, err
	}
	q := s.PaymentSearch
	q.ClientID = client
	var ve domain.ValidationError
	for _, b := range []struct {
		field, v string
		dst      *int64
	}{{"min_amount", s.MinAmount, &q.MinAmount}, {"max_amount", s.MaxAmount, &q.MaxAmount}} {
		if b.v == "" {
			continue
		}
		m, err := domain.ParseAmount(b.v, "BDT")
		if err != nil {
			ve.Add(b.field, "must be a decimal amount")
			continue
		}
		*b.dst = m.Minor()
	}
	if err := ve.Err(); err != nil {
		return nil, err
	}
	q.Limit = max(1, min(q.Limit, 100)) + 1
	return c.q.SearchPayments(ctx, q)
}

// PaymentDetail is one payment with everything that happened to it.
type PaymentDetail struct {
	Payment  ports.PaymentRow
	Timeline []ports.TimelineEntry
}

// Payment returns one payment pr may read with its timeline.
func (c *Console) Payment(ctx context.Context, pr Principal, id string) (PaymentDetail, error) {
	row, err := c.readable(ctx, pr, id)
	if err != nil {
		return PaymentDetail{}, err
	}
	tl, err := c.q.Timeline(ctx, id)
	return PaymentDetail{Payment: row, Timeline: tl}, err
}

// PaymentRow returns one payment pr may read (the live feed's re-read).
func (c *Console) PaymentRow(ctx context.Context, pr Principal, id string) (ports.PaymentRow, error) {
	return c.readable(ctx, pr, id)
}

func (c *Console) readable(ctx context.Context, pr Principal, id string) (ports.PaymentRow, error) {
	row, err := c.q.PaymentRow(ctx, id)
	if err != nil {
		return row, err
	}
	return row, Authorize(pr, ActRead, Resource{ClientID: row.ClientID, PaymentID: row.ID})
}

// Clients lists the clients pr may see: every one for operators, its own
// for a merchant.
func (c *Console) Clients(ctx context.Context, pr Principal) ([]ports.ClientRow, error) {
	client, err := ScopeClient(pr, "")
	if err != nil {
		return nil, err
	}
	return c.q.Clients(ctx, client)
}

// NewClientInput is the console's "create client".
type NewClientInput struct {
	Name, WebhookURL, Language string
	CommissionBPS              int
}

// CreatedClient is a new client with its secrets, shown once.
type CreatedClient struct {
	Client                           ports.ClientRow
	APIKey, APISecret, WebhookSecret string
}

// CreateClient adds a merchant (admins).
func (c *Console) CreateClient(ctx context.Context, pr Principal, in NewClientInput) (CreatedClient, error) {
	if err := Authorize(pr, ActManageClient, Resource{}); err != nil {
		return CreatedClient{}, err
	}
	var ve domain.ValidationError
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" || len(in.Name) > 200 {
		ve.Add("name", "is required, at most 200 characters")
	}
	if in.Language == "" {
		in.Language = "en"
	}
	if in.Language != "en" && in.Language != "bn" {
		ve.Add("language", "must be en or bn")
	}
	if in.CommissionBPS < 0 || in.CommissionBPS > 10000 {
		ve.Add("commission_bps", "must be between 0 and 10000")
	}
	if in.WebhookURL != "" && !c.validHookURL(in.WebhookURL) {
		ve.Add("webhook_url", "must be an absolute https URL")
	}
	if err := ve.Err(); err != nil {
		return CreatedClient{}, err
	}
	creds := NewCredentials()
	whsec := "whsec_" + domain.RandomString(32, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
	nc := ports.NewClient{ID: domain.NewID(domain.PrefixClient), Name: in.Name, WebhookURL: in.WebhookURL,
		Language: in.Language, CommissionBPS: in.CommissionBPS, APIKey: creds.APIKey, APISecret: creds.Secret,
		WebhookKey: whsec, CreatedAt: c.clock.Now()}
	if err := c.create.CreateConsoleClient(ctx, nc); err != nil {
		return CreatedClient{}, err
	}
	rows, err := c.q.Clients(ctx, nc.ID)
	if err != nil || len(rows) == 0 {
		return CreatedClient{}, errors.Join(err, domain.ErrNotFound)
	}
	c.record(ctx, pr, "client.create", nc.ID, nc.ID, nil, rows[0])
	return CreatedClient{Client: rows[0], APIKey: creds.APIKey, APISecret: creds.Secret, WebhookSecret: whsec}, nil
}

func (c *Console) validHookURL(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && u.Host != "" && (u.Scheme == "https" || (c.sandbox && u.Scheme == "http"))
}

// UpdateClient changes a client's status, commission, rate limit or
// webhook URL (admins).
func (c *Console) UpdateClient(ctx context.Context, pr Principal, id string, p ports.ClientPatch) (ports.ClientRow, error) {
	if err := Authorize(pr, ActManageClient, Resource{ClientID: id}); err != nil {
		return ports.ClientRow{}, err
	}
	var ve domain.ValidationError
	if p.Status != nil && *p.Status != string(domain.ClientActive) && *p.Status != string(domain.ClientSuspended) {
		ve.Add("status", "must be active or suspended")
	}
	if p.CommissionBPS != nil && (*p.CommissionBPS < 0 || *p.CommissionBPS > 10000) {
		ve.Add("commission_bps", "must be between 0 and 10000")
	}
	if p.RatePerMinute != nil && (*p.RatePerMinute < 0 || *p.RatePerMinute > 1_000_000) {
		ve.Add("rate_limit", "must be between 0 (the default) and 1000000")
	}
	if p.WebhookURL != nil && *p.WebhookURL != "" && !c.validHookURL(*p.WebhookURL) {
		ve.Add("webhook_url", "must be an absolute https URL")
	}
	if err := ve.Err(); err != nil {
		return ports.ClientRow{}, err
	}
	before, after, err := c.q.PatchClient(ctx, id, p)
	if err != nil {
		return ports.ClientRow{}, err
	}
	c.changed(id)
	c.record(ctx, pr, "client.update", id, id, before, after)
	return after, nil
}

// RegenerateKeys issues a new key pair for a client: admins for any, a
// merchant user for its own.
func (c *Console) RegenerateKeys(ctx context.Context, pr Principal, clientID string) (Credentials, error) {
	if clientID == "" {
		clientID = pr.ClientID
	}
	if err := Authorize(pr, ActRotateKeys, Resource{ClientID: clientID}); err != nil {
		return Credentials{}, err
	}
	creds, err := c.accounts.RegenerateKeys(ctx, Principal{ClientID: clientID}, clientID)
	if err != nil {
		return Credentials{}, err
	}
	c.changed(clientID)
	c.record(ctx, pr, "client.keys.regenerate", clientID, clientID, nil, map[string]string{"api_key": creds.APIKey})
	return creds, nil
}

// Refund asks for a refund on the customer's behalf; reason is required.
func (c *Console) Refund(ctx context.Context, pr Principal, in RefundInput) (*domain.Refund, error) {
	row, err := c.q.PaymentRow(ctx, in.TransactionID)
	if err != nil {
		return nil, err
	}
	if err := Authorize(pr, ActRefund, Resource{ClientID: row.ClientID, PaymentID: row.ID}); err != nil {
		return nil, err
	}
	if strings.TrimSpace(in.Reason) == "" {
		var ve domain.ValidationError
		ve.Add("reason", "is required")
		return nil, &ve
	}
	r, err := c.refunds.Request(ctx, Principal{ClientID: row.ClientID}, in)
	if err != nil {
		return nil, err
	}
	c.record(ctx, pr, "payment.refund", row.ID, row.ClientID, map[string]any{"status": row.Status, "refunded": row.Refunded},
		map[string]any{"refund_id": r.ID, "amount": r.Amount.Decimal(), "reason": r.Reason})
	return r, nil
}

// Reviews lists the review queue (operators).
func (c *Console) Reviews(ctx context.Context, pr Principal, st domain.ReviewStatus, limit int) ([]ReviewView, error) {
	if err := Authorize(pr, ActOperate, Resource{}); err != nil {
		return nil, err
	}
	return c.reviews.List(ctx, st, limit)
}

// DecideReview confirms or rejects a review with a note (admin, support).
func (c *Console) DecideReview(ctx context.Context, pr Principal, attemptID string, confirm bool, note, trxID string) (AttemptResult, error) {
	if err := Authorize(pr, ActDecideReview, Resource{}); err != nil {
		return AttemptResult{}, err
	}
	d := ReviewDecision{AttemptID: attemptID, By: actorName(pr), Note: note, TrxID: trxID}
	var res AttemptResult
	var err error
	action := "review.reject"
	if confirm {
		action = "review.confirm"
		res, err = c.reviews.Confirm(ctx, d)
	} else {
		res, err = c.reviews.Reject(ctx, d)
	}
	if err != nil {
		return res, err
	}
	client := ""
	after := map[string]any{"note": note}
	if res.Payment != nil {
		client = res.Payment.Order.ClientID
		after["payment_status"] = res.Payment.Status()
	}
	if res.Attempt != nil {
		after["attempt_status"] = res.Attempt.Status()
	}
	c.record(ctx, pr, action, attemptID, client, map[string]any{"status": "open"}, after)
	return res, nil
}

// Redeliver sends an event's webhook again and records it.
func (c *Console) Redeliver(ctx context.Context, pr Principal, eventID string) (*domain.WebhookDelivery, error) {
	d, err := c.webhooks.Redeliver(ctx, pr, eventID)
	if err != nil {
		return nil, err
	}
	c.record(ctx, pr, "webhook.redeliver", eventID, d.ClientID, nil, map[string]any{"delivery_id": d.ID, "url": d.URL})
	return d, nil
}

// JobCounts is River's jobs by kind and state (operators).
func (c *Console) JobCounts(ctx context.Context, pr Principal) ([]ports.JobCount, error) {
	if err := Authorize(pr, ActOperate, Resource{}); err != nil {
		return nil, err
	}
	return c.q.JobCounts(ctx)
}

// AuditLog reads the audit log (operators).
func (c *Console) AuditLog(ctx context.Context, pr Principal, f ports.AuditFilter) ([]domain.AuditEntry, error) {
	if err := Authorize(pr, ActOperate, Resource{}); err != nil {
		return nil, err
	}
	if c.audit == nil {
		return nil, nil
	}
	return c.audit.ListAudit(ctx, f)
}

// SMSBalance is the SMS provider's remaining credit.
type SMSBalance struct {
	Provider string       // "bulksmsbd", "greenweb", "log", …; "" without a provider
	Balance  domain.Money // BDT; meaningful only when Reported
	Reported bool         // false: the provider reports no balance (log, Twilio)
}

// SMSBalance asks the SMS provider for its remaining credit through
// ports.SMSBalance (what paycore sms-balance reads): operators (admin,
// support) only. Errors: domain.ErrForbidden, domain.ErrUnavailable
// wrapping the provider's refusal or an answer that is not an amount.
func (c *Console) SMSBalance(ctx context.Context, pr Principal) (SMSBalance, error) {
	if err := Authorize(pr, ActOperate, Resource{}); err != nil {
		return SMSBalance{}, err
	}
	if c.sms == nil {
		return SMSBalance{}, nil
	}
	out := SMSBalance{Provider: c.sms.Provider()}
	bc, ok := c.sms.(ports.SMSBalance)
	if !ok {
		return out, nil
	}
	bal, err := bc.Balance(ctx)
	if err != nil {
		return out, fmt.Errorf("%w: SMS balance from %s: %w", domain.ErrUnavailable, out.Provider, err)
	}
	m, err := domain.ParseAmount(strings.TrimSpace(bal), "BDT")
	if err != nil {
		return out, fmt.Errorf("%w: SMS balance from %s: %q is not an amount", domain.ErrUnavailable, out.Provider, bal)
	}
	out.Balance, out.Reported = m, true
	return out, nil
}

// actorName names pr in reviews and the audit log.
func actorName(pr Principal) string {
	switch {
	case pr.Email != "":
		return pr.Email
	case pr.Admin:
		return "admin-token"
	case pr.APIKey != "":
		return "api-key:" + pr.ClientID
	}
	return "client:" + pr.ClientID
}

// record writes an audit entry (audit.go).
func (c *Console) record(ctx context.Context, pr Principal, action, target, clientID string, before, after any) {
	auditor{log: c.audit, clock: c.clock, logger: c.log}.record(ctx, pr, action, target, clientID, before, after)
}
