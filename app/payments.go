package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"regexp"
	"time"
	"unicode/utf8"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// CreatePaymentInput is a merchant's request to be paid for an order, as
// both edges (REST POST /api/v1/pay and GraphQL createPayment) receive it.
type CreatePaymentInput struct {
	OrderID       string
	Amount        string // decimal as sent: "1500", "1500.00"
	Currency      string // ISO 4217, upper case
	CustomerName  string
	CustomerEmail string
	CustomerPhone string
	ReturnURL     string
	CancelURL     string          // "" → return_url
	FailureURL    string          // "" → return_url
	WebhookURL    string          // "" → the client's default
	Metadata      json.RawMessage // a JSON object, or nil
}

// Payments creates payments and shows them: to their merchant (read, list),
// and to the customer on the hosted page.
type Payments struct {
	tx       ports.TxProvider
	clock    ports.Clock
	gateways *Gateways
	pub      publisher
	sms      smsQueue
	ttl      time.Duration     // how long a customer has to pay
	sandbox  bool              // plain-http loopback webhook_url allowed, hosts not checked
	hosts    ports.HostChecker // nil: webhook_url hosts are checked at dial time only
}

// PaymentView is a payment with its attempts, as edges show it.
type PaymentView struct {
	Payment  *domain.Payment
	Attempts []*domain.Attempt
}

// LastAttempt returns the newest attempt, or nil.
func (v PaymentView) LastAttempt() *domain.Attempt {
	if len(v.Attempts) == 0 {
		return nil
	}
	return v.Attempts[len(v.Attempts)-1]
}

// hostCheckTimeout bounds resolving a webhook_url's host at creation.
const hostCheckTimeout = 3 * time.Second

// orderIDPattern is what an order_id may hold (docs/merchant-api.md, POST
// /pay).
var orderIDPattern = regexp.MustCompile(`^[A-Za-z0-9._:/#-]{1,64}$`)

// validate checks a create-payment input (docs/merchant-api.md §7.1) and
// returns the amount, or a *domain.ValidationError naming every bad field.
func (s *Payments) validate(ctx context.Context, in CreatePaymentInput) (domain.Money, error) {
	var v domain.ValidationError
	checkText(&v, map[string]string{"order_id": in.OrderID, "customer_name": in.CustomerName,
		"customer_email": in.CustomerEmail, "customer_phone": in.CustomerPhone, "return_url": in.ReturnURL,
		"webhook_url": in.WebhookURL, "cancel_url": in.CancelURL, "failure_url": in.FailureURL})
	if len(in.Metadata) > 0 && !storableJSON(in.Metadata) {
		v.Add("metadata", "metadata must be valid UTF-8 without NUL characters")
	}
	if len(v.Fields) > 0 {
		return domain.Money{}, v.Err() // the other rules would only repeat it
	}
	if in.OrderID == "" {
		v.Add("order_id", "order_id is required")
	} else if !orderIDPattern.MatchString(in.OrderID) {
		v.Add("order_id", "order_id must be 1-64 characters of letters, digits and ._:/#-")
	}
	var amount domain.Money
	cur, curErr := domain.LookupCurrency(in.Currency)
	switch {
	case in.Currency == "":
		v.Add("currency", "currency is required")
	case curErr != nil:
		v.Add("currency", "currency must be a valid ISO 4217 code")
	case !s.gateways.acceptsCurrency(cur):
		v.Add("currency", fmt.Sprintf("no active gateway accepts %s", cur.Code))
	}
	if in.Amount == "" {
		v.Add("amount", "amount is required")
	} else if curErr == nil {
		m, err := domain.ParseAmount(in.Amount, cur.Code)
		switch {
		case errors.Is(err, domain.ErrTooManyDecimals):
			v.Add("amount", fmt.Sprintf("amount must have at most %d decimals for %s", cur.Decimals, cur.Code))
		case errors.Is(err, domain.ErrZeroAmount), errors.Is(err, domain.ErrNegativeAmount):
			v.Add("amount", "amount must be greater than 0")
		case errors.Is(err, domain.ErrAmountOverflow):
			v.Add("amount", "amount is too large")
		case err != nil:
			v.Add("amount", "amount must be a number")
		case !s.gateways.acceptsAmount(m):
			if lo, hi, ok := s.gateways.amountRange(cur); ok {
				v.Add("amount", fmt.Sprintf("amount must be between %s and %s %s (what the active gateways accept)",
					lo.Decimal(), hi.Decimal(), cur.Code))
			}
		default:
			amount = m
		}
	}
	if in.CustomerEmail != "" {
		if a, err := mail.ParseAddress(in.CustomerEmail); err != nil || a.Address != in.CustomerEmail {
			v.Add("customer_email", "customer_email must be a valid email address")
		}
	}
	if in.CustomerPhone != "" {
		if _, ok := domain.NormalizeMobile(in.CustomerPhone); !ok {
			v.Add("customer_phone", "customer_phone must be a Bangladeshi mobile number (01XXXXXXXXX)")
		}
	}
	if in.ReturnURL == "" {
		v.Add("return_url", "return_url is required")
	} else if !browserURL(in.ReturnURL) {
		v.Add("return_url", "return_url must be an absolute http(s) URL")
	}
	if in.CancelURL != "" && !browserURL(in.CancelURL) {
		v.Add("cancel_url", "cancel_url must be an absolute http(s) URL")
	}
	if in.FailureURL != "" && !browserURL(in.FailureURL) {
		v.Add("failure_url", "failure_url must be an absolute http(s) URL")
	}
	if in.WebhookURL != "" {
		if msg := s.checkWebhookURL(ctx, in.WebhookURL); msg != "" {
			v.Add("webhook_url", msg)
		}
	}
	if len(in.Metadata) > 0 && string(in.Metadata) != "null" {
		var obj map[string]json.RawMessage
		if json.Unmarshal(in.Metadata, &obj) != nil {
			v.Add("metadata", "metadata must be a JSON object")
		} else if len(in.Metadata) > 8192 {
			v.Add("metadata", "metadata must be at most 8 KB")
		}
	}
	if utf8.RuneCountInString(in.CustomerName) > 200 {
		v.Add("customer_name", "customer_name must be at most 200 characters")
	}
	return amount, v.Err()
}

// browserURL reports whether raw is where a shopper's browser may be sent:
// an absolute http(s) URL with a host.
func browserURL(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && u.IsAbs() && u.Host != "" && (u.Scheme == "https" || u.Scheme == "http")
}

// checkWebhookURL is CheckWebhookURL with this node's mode and checker.
func (s *Payments) checkWebhookURL(ctx context.Context, raw string) string {
	return CheckWebhookURL(ctx, raw, s.sandbox, s.hosts)
}

// CheckWebhookURL returns "" for an acceptable webhook_url — a payment's, or
// a client's default (paycore clients create --webhook-url): HTTPS, or in
// sandbox mode plain http to a loopback host. Outside sandbox mode its host
// must not be, or resolve to, an internal address (loopback, private,
// link-local, metadata …) nor fail to resolve, as hosts (nil: not checked)
// says; a resolver failure lets it pass, as the webhook sender checks the
// address it dials again. Otherwise it returns what is wrong, naming
// webhook_url.
func CheckWebhookURL(ctx context.Context, raw string, sandbox bool, hosts ports.HostChecker) string {
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" {
		return "webhook_url must be an absolute URL"
	}
	if u.Scheme == "https" {
		if sandbox || hosts == nil {
			return ""
		}
		ctx, cancel := context.WithTimeout(ctx, hostCheckTimeout)
		defer cancel()
		switch err := hosts.CheckHost(ctx, u.Hostname()); {
		case errors.Is(err, ports.ErrInternalHost):
			return "webhook_url must not point to an internal address (loopback, private, link-local or metadata)"
		case errors.Is(err, ports.ErrUnknownHost):
			return "webhook_url host does not resolve"
		}
		return ""
	}
	if u.Scheme == "http" && sandbox {
		host := u.Hostname()
		if ip := net.ParseIP(host); host == "localhost" || (ip != nil && ip.IsLoopback()) {
			return ""
		}
	}
	return "webhook_url must use HTTPS"
}

// Create validates in and stores a pending payment for the client's order,
// with its order-placed SMS and payment.pending event, in one transaction.
// Errors: *domain.ValidationError (422; a used order_id is one),
// domain.ErrForbidden for an inactive client, domain.ErrNotFound for an
// unknown one.
//
// A signed request's pending nonce in ctx (WithPendingNonce) is recorded
// first in the same transaction, so a create is one commit; a replayed
// nonce is refused (*AuthError) and a create that fails otherwise still
// records its nonce, on its own.
func (s *Payments) Create(ctx context.Context, clientID string, in CreatePaymentInput) (*domain.Payment, error) {
	p, err := s.create(ctx, clientID, in)
	if n, ok := pendingNonceFrom(ctx); ok {
		var ae *AuthError
		if err == nil || errors.As(err, &ae) {
			n.used.Store(true) // committed with the payment, or refused
		} else if nerr := s.burnNonce(ctx, n); nerr != nil {
			return nil, errors.Join(err, nerr)
		}
	}
	return p, err
}

// burnNonce records the nonce of a create that did not commit.
func (s *Payments) burnNonce(ctx context.Context, n PendingNonce) error {
	err := s.tx.Transact(context.WithoutCancel(ctx), func(ctx context.Context, tx ports.Tx) error {
		return tx.Nonces().Use(ctx, n.ClientID, n.Nonce, n.At)
	})
	n.used.Store(true)
	if err != nil && !errors.Is(err, domain.ErrDuplicate) {
		return fmt.Errorf("record nonce: %w", err)
	}
	return nil
}

func (s *Payments) create(ctx context.Context, clientID string, in CreatePaymentInput) (*domain.Payment, error) {
	amount, err := s.validate(ctx, in)
	if err != nil {
		return nil, err
	}
	var p *domain.Payment
	err = s.tx.Transact(ctx, func(ctx context.Context, tx ports.Tx) error {
		if err := recordNonceTx(ctx, tx); err != nil {
			return err
		}
		c, err := tx.Clients().Get(ctx, clientID)
		if err != nil {
			return err
		}
		if !c.Active() {
			return domain.ErrForbidden
		}
		webhook := in.WebhookURL
		if webhook == "" {
			webhook = c.WebhookURL
		}
		var meta json.RawMessage
		if len(in.Metadata) > 0 && string(in.Metadata) != "null" {
			meta = in.Metadata
		}
		p, err = domain.NewPayment(domain.Order{
			ClientID: clientID, OrderID: in.OrderID, CustomerName: in.CustomerName,
			CustomerEmail: in.CustomerEmail, CustomerPhone: in.CustomerPhone,
			ReturnURL: in.ReturnURL, CancelURL: in.CancelURL, FailureURL: in.FailureURL,
			WebhookURL: webhook, Metadata: meta,
		}, amount, s.clock.Now(), s.ttl)
		if err != nil {
			return err
		}
		if err := tx.Payments().Create(ctx, p); err != nil {
			if errors.Is(err, domain.ErrDuplicate) {
				var v domain.ValidationError
				v.Add("order_id", "order_id has already been used")
				return &v
			}
			return err
		}
		if err := s.sms.queueFor(ctx, tx, c, p, TemplateOrderPlaced, domain.Money{}); err != nil {
			return err
		}
		// With its live notification: no paymentUpdated subscriber can wait
		// for a payment that did not exist, but the dashboards' paymentEvents
		// feed shows every new payment (docs/scaling.md weighs what the
		// notify costs a create's commit).
		return s.pub.publish(ctx, tx, p, domain.EventPaymentPending)
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// Get returns a payment and its attempts if the principal may see it;
// domain.ErrNotFound otherwise (another client's payment is not found).
func (s *Payments) Get(ctx context.Context, pr Principal, transactionID string) (PaymentView, error) {
	v, err := s.loadView(ctx, transactionID)
	if err != nil {
		return PaymentView{}, err
	}
	if !pr.CanSee(v.Payment) {
		return PaymentView{}, domain.ErrNotFound
	}
	return v, nil
}

// View reads a payment and its attempts for an edge that checks itself
// whether its principal may see it (Principal.CanSee): GraphQL's
// paymentUpdated reads once per change for all its subscribers.
func (s *Payments) View(ctx context.Context, transactionID string) (PaymentView, error) {
	return s.loadView(ctx, transactionID)
}

func (s *Payments) loadView(ctx context.Context, transactionID string) (PaymentView, error) {
	var v PaymentView
	err := s.tx.Transact(ctx, func(ctx context.Context, tx ports.Tx) error {
		p, err := tx.Payments().Get(ctx, transactionID)
		if err != nil {
			return err
		}
		atts, err := tx.Attempts().ListByPayment(ctx, p.ID)
		if err != nil {
			return err
		}
		v = PaymentView{Payment: p, Attempts: atts}
		return nil
	})
	return v, err
}

// CheckoutView is what the hosted payment page shows a customer.
type CheckoutView struct {
	PaymentView
	MerchantName string
	Language     string // the merchant's language ("en", "bn"): the page's default
	// Gateways are the active gateways that take the payment's amount (their
	// limits); the page offers only these.
	Gateways []domain.Gateway
}

// HostedPage returns the hosted page's view of a payment. Anyone holding the
// transaction ID may see it (it is the payment link); domain.ErrNotFound if
// there is no such payment, ErrMerchantSuspended while its client is
// suspended.
func (s *Payments) HostedPage(ctx context.Context, transactionID string) (CheckoutView, error) {
	var out CheckoutView
	err := s.tx.Transact(ctx, func(ctx context.Context, tx ports.Tx) error {
		p, err := tx.Payments().Get(ctx, transactionID)
		if err != nil {
			return err
		}
		atts, err := tx.Attempts().ListByPayment(ctx, p.ID)
		if err != nil {
			return err
		}
		c, err := tx.Clients().Get(ctx, p.Order.ClientID)
		if err != nil {
			return err
		}
		if !c.Active() {
			return ErrMerchantSuspended
		}
		out = CheckoutView{PaymentView: PaymentView{Payment: p, Attempts: atts}, MerchantName: c.Name, Language: c.Language}
		return nil
	})
	if err != nil {
		return out, err
	}
	// Outside the transaction: the operators' switches (cached) are read
	// from their own store.
	out.Gateways, err = s.gateways.offering(ctx, out.Payment.Amount)
	return out, err
}
