package portstest

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// Store is an in-memory ports.TxProvider for use-case tests. Transactions
// run one at a time (so row locks and lock order hold trivially) on a copy
// of the data that replaces it on commit and is dropped on rollback: jobs
// enqueued and changes published inside a failed transaction vanish, as
// they do in PostgreSQL. It passes the same contract suite as the
// PostgreSQL adapter (TestRepositories). It also implements
// ports.GatewayHookLog for records written outside transactions, and
// ports.GatewaySwitches and ports.AuditLog (switches.go) and
// ports.LoginAttempts (logins.go).
type Store struct {
	mu sync.Mutex
	d  *data
}

// Job is one job enqueued by a committed transaction.
type Job struct {
	Kind string // "sms", "refund" or "webhook"
	ID   string // the notification, refund or delivery ID
}

type data struct {
	seq           int
	payments      map[string]domain.Payment
	paySeq        map[string]int
	attempts      map[string]domain.Attempt
	attSeq        map[string]int
	clients       map[string]domain.Client
	notifications map[string]domain.Notification
	refunds       map[string]domain.Refund
	refSeq        map[string]int
	events        map[string]domain.Event
	deliveries    map[string]domain.WebhookDelivery
	delSeq        map[string]int
	tries         []domain.WebhookAttempt
	hooks         []ports.GatewayHookRecord
	reviews       map[string]domain.Review
	revSeq        map[string]int
	jobs          []Job
	changes       []domain.PaymentChanged
	nonces        map[string]bool // client NUL nonce
	switches      map[domain.Gateway]ports.GatewaySwitch
	audit         []domain.AuditEntry
	logins        []loginAttempt
}

// NewStore returns an empty store.
func NewStore() *Store {
	return &Store{d: &data{
		payments: map[string]domain.Payment{}, paySeq: map[string]int{},
		attempts: map[string]domain.Attempt{}, attSeq: map[string]int{},
		clients: map[string]domain.Client{}, notifications: map[string]domain.Notification{},
		refunds: map[string]domain.Refund{}, refSeq: map[string]int{},
		events: map[string]domain.Event{}, deliveries: map[string]domain.WebhookDelivery{}, delSeq: map[string]int{},
		reviews: map[string]domain.Review{}, revSeq: map[string]int{},
		nonces: map[string]bool{}, switches: map[domain.Gateway]ports.GatewaySwitch{},
	}}
}

func (d *data) clone() *data {
	return &data{
		seq:      d.seq,
		payments: maps.Clone(d.payments), paySeq: maps.Clone(d.paySeq),
		attempts: maps.Clone(d.attempts), attSeq: maps.Clone(d.attSeq),
		clients: maps.Clone(d.clients), notifications: maps.Clone(d.notifications),
		refunds: maps.Clone(d.refunds), refSeq: maps.Clone(d.refSeq),
		events: maps.Clone(d.events), deliveries: maps.Clone(d.deliveries), delSeq: maps.Clone(d.delSeq),
		tries: slices.Clone(d.tries), hooks: slices.Clone(d.hooks),
		reviews: maps.Clone(d.reviews), revSeq: maps.Clone(d.revSeq),
		jobs: slices.Clone(d.jobs), changes: slices.Clone(d.changes),
		nonces: maps.Clone(d.nonces), switches: maps.Clone(d.switches), audit: slices.Clone(d.audit),
		logins: slices.Clone(d.logins),
	}
}

func (d *data) next() int { d.seq++; return d.seq }

type inTxKey struct{}

// Transact implements ports.TxProvider. A Transact nested inside another
// panics: use cases never nest transactions.
func (s *Store) Transact(ctx context.Context, fn func(ctx context.Context, tx ports.Tx) error) error {
	if ctx.Value(inTxKey{}) != nil {
		panic("portstest.Store: Transact called inside a transaction")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	work := s.d.clone()
	if err := fn(context.WithValue(ctx, inTxKey{}, true), &txn{d: work}); err != nil {
		return err
	}
	s.d = work
	return nil
}

// read runs fn on the committed data.
func (s *Store) read(fn func(d *data)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn(s.d)
}

// AddClient stores (or replaces) a client.
func (s *Store) AddClient(c domain.Client) {
	s.read(func(d *data) { d.clients[c.ID] = c })
}

// Jobs returns the jobs committed transactions enqueued, in order.
func (s *Store) Jobs() []Job {
	var out []Job
	s.read(func(d *data) { out = slices.Clone(d.jobs) })
	return out
}

// Changes returns the payment changes committed transactions published, in
// order.
func (s *Store) Changes() []domain.PaymentChanged {
	var out []domain.PaymentChanged
	s.read(func(d *data) { out = slices.Clone(d.changes) })
	return out
}

var _ ports.Announcer = (*Store)(nil)

// Announce records e as a change published after its commit
// (ports.Announcer): Changes lists it in order with the others.
func (s *Store) Announce(e domain.PaymentChanged) {
	s.read(func(d *data) { d.changes = append(d.changes, e) })
}

// Hooks returns every gateway webhook recorded, in order.
func (s *Store) Hooks() []ports.GatewayHookRecord {
	var out []ports.GatewayHookRecord
	s.read(func(d *data) { out = slices.Clone(d.hooks) })
	return out
}

// RecordHook implements ports.GatewayHookLog outside a transaction.
func (s *Store) RecordHook(ctx context.Context, r ports.GatewayHookRecord) error {
	var err error
	s.read(func(d *data) { err = hookLog{d}.RecordHook(ctx, r) })
	return err
}

// HookAccepted implements ports.GatewayHookLog outside a transaction.
func (s *Store) HookAccepted(ctx context.Context, gateway, eventID string) (bool, error) {
	var ok bool
	s.read(func(d *data) { ok, _ = hookLog{d}.HookAccepted(ctx, gateway, eventID) })
	return ok, nil
}

var (
	_ ports.TxProvider     = (*Store)(nil)
	_ ports.GatewayHookLog = (*Store)(nil)
)

type txn struct{ d *data }

func (t *txn) Payments() ports.PaymentRepository           { return payments{t.d} }
func (t *txn) Attempts() ports.AttemptRepository           { return attempts{t.d} }
func (t *txn) Clients() ports.ClientRepository             { return clients{t.d} }
func (t *txn) Notifications() ports.NotificationRepository { return notifications{t.d} }
func (t *txn) Refunds() ports.RefundRepository             { return refunds{t.d} }
func (t *txn) Queries() ports.PaymentQueries               { return queries{t.d} }
func (t *txn) EventLog() ports.EventRepository             { return eventLog{t.d} }
func (t *txn) GatewayHooks() ports.GatewayHookLog          { return hookLog{t.d} }
func (t *txn) Reviews() ports.ReviewRepository             { return reviews{t.d} }
func (t *txn) Jobs() ports.JobQueue                        { return jobs{t.d} }
func (t *txn) Events() ports.EventPublisher                { return jobs{t.d} }
func (t *txn) Nonces() ports.NonceRepository               { return txNonces{t.d} }

// txNonces records nonces in the transaction's copy of the data.
type txNonces struct{ d *data }

var _ ports.NonceStore = (*Store)(nil)

// UseNonce implements ports.NonceStore on the nonces its transactions'
// Nonces() record, as PostgreSQL keeps one table for both: a nonce a
// create recorded in its transaction is taken for the authenticator too.
func (s *Store) UseNonce(ctx context.Context, clientID, nonce string, at time.Time) error {
	return s.Transact(ctx, func(ctx context.Context, tx ports.Tx) error {
		return tx.Nonces().Use(ctx, clientID, nonce, at)
	})
}

func (n txNonces) Use(_ context.Context, clientID, nonce string, _ time.Time) error {
	k := clientID + "\x00" + nonce
	if n.d.nonces[k] {
		return domain.ErrDuplicate
	}
	n.d.nonces[k] = true
	return nil
}

// ==== payments

type payments struct{ d *data }

func (r payments) Create(_ context.Context, p *domain.Payment) error {
	if _, ok := r.d.payments[p.ID]; ok {
		return fmt.Errorf("%w: payments_pkey", domain.ErrDuplicate)
	}
	if _, ok := r.d.clients[p.Order.ClientID]; !ok {
		return fmt.Errorf("portstest: payment %s: no client %s", p.ID, p.Order.ClientID)
	}
	for _, x := range r.d.payments {
		if x.Order.ClientID == p.Order.ClientID && x.Order.OrderID == p.Order.OrderID {
			return fmt.Errorf("%w: payments_client_id_order_id_key", domain.ErrDuplicate)
		}
	}
	r.d.payments[p.ID] = *p
	r.d.paySeq[p.ID] = r.d.next()
	return nil
}

func (r payments) Get(_ context.Context, id string) (*domain.Payment, error) {
	p, ok := r.d.payments[id]
	if !ok {
		return nil, domain.ErrNotFound
	}
	return &p, nil
}

func (r payments) Update(ctx context.Context, id string, fn func(*domain.Payment) error) error {
	p, err := r.Get(ctx, id)
	if err != nil {
		return err
	}
	v := p.Version
	if err := fn(p); err != nil {
		return err
	}
	if p.Version != v {
		r.d.payments[id] = *p
	}
	return nil
}

// ==== attempts

type attempts struct{ d *data }

func (r attempts) Create(_ context.Context, a *domain.Attempt) error {
	if _, ok := r.d.attempts[a.ID]; ok {
		return fmt.Errorf("%w: attempts_pkey", domain.ErrDuplicate)
	}
	if _, ok := r.d.payments[a.PaymentID]; !ok {
		return fmt.Errorf("portstest: attempt %s: no payment %s", a.ID, a.PaymentID)
	}
	if err := r.unique(a); err != nil {
		return err
	}
	r.d.attempts[a.ID] = *a
	r.d.attSeq[a.ID] = r.d.next()
	return nil
}

// unique enforces what PostgreSQL's unique indexes do: one attempt per
// gateway reference and per gateway transaction.
func (r attempts) unique(a *domain.Attempt) error {
	for id, x := range r.d.attempts {
		if id == a.ID || x.Gateway != a.Gateway {
			continue
		}
		if a.GatewayRef != "" && x.GatewayRef == a.GatewayRef {
			return fmt.Errorf("%w: attempts_gateway_ref_key", domain.ErrDuplicate)
		}
		if a.TrxID != "" && x.TrxID == a.TrxID {
			return fmt.Errorf("%w: attempts_trx_id_key", domain.ErrDuplicate)
		}
	}
	return nil
}

func (r attempts) Get(_ context.Context, id string) (*domain.Attempt, error) {
	a, ok := r.d.attempts[id]
	if !ok {
		return nil, domain.ErrNotFound
	}
	return &a, nil
}

func (r attempts) find(match func(domain.Attempt) bool) (*domain.Attempt, error) {
	for _, a := range r.d.attempts {
		if match(a) {
			return &a, nil
		}
	}
	return nil, domain.ErrNotFound
}

func (r attempts) GetByGatewayRef(_ context.Context, g domain.Gateway, ref string) (*domain.Attempt, error) {
	if ref == "" {
		return nil, domain.ErrNotFound
	}
	return r.find(func(a domain.Attempt) bool { return a.Gateway == g && a.GatewayRef == ref })
}

func (r attempts) GetByTrxID(_ context.Context, g domain.Gateway, trxID string) (*domain.Attempt, error) {
	if trxID == "" {
		return nil, domain.ErrNotFound
	}
	return r.find(func(a domain.Attempt) bool { return a.Gateway == g && a.TrxID == trxID })
}

func (r attempts) sorted(match func(domain.Attempt) bool, order func(a, b domain.Attempt) int) []*domain.Attempt {
	var out []*domain.Attempt
	for _, a := range r.d.attempts {
		if match(a) {
			out = append(out, &a)
		}
	}
	slices.SortFunc(out, func(a, b *domain.Attempt) int {
		return cmp.Or(order(*a, *b), cmp.Compare(r.d.attSeq[a.ID], r.d.attSeq[b.ID]))
	})
	return out
}

func (r attempts) ListByPayment(_ context.Context, paymentID string) ([]*domain.Attempt, error) {
	return r.sorted(func(a domain.Attempt) bool { return a.PaymentID == paymentID },
		func(a, b domain.Attempt) int { return a.CreatedAt.Compare(b.CreatedAt) }), nil
}

func (r attempts) Stale(_ context.Context, st domain.AttemptStatus, before time.Time, limit int) ([]*domain.Attempt, error) {
	out := r.sorted(func(a domain.Attempt) bool {
		if a.Status() != st {
			return false
		}
		if st == domain.AttemptUnresolved {
			return a.NextCheckAt.IsZero() || !a.NextCheckAt.After(before)
		}
		return a.UpdatedAt.Before(before)
	}, func(a, b domain.Attempt) int { return a.UpdatedAt.Compare(b.UpdatedAt) })
	return out[:min(limit, len(out))], nil
}

func (r attempts) Update(ctx context.Context, attemptID string, fn func(*domain.Payment, *domain.Attempt) error) error {
	a, err := r.Get(ctx, attemptID)
	if err != nil {
		return err
	}
	return payments(r).Update(ctx, a.PaymentID, func(p *domain.Payment) error {
		a, err := r.Get(ctx, attemptID) // as the PostgreSQL adapter: read after the payment's lock
		if err != nil {
			return err
		}
		before := *a
		if err := fn(p, a); err != nil {
			return err
		}
		if *a == before {
			return nil
		}
		if err := r.unique(a); err != nil {
			return err
		}
		r.d.attempts[a.ID] = *a
		return nil
	})
}

// ==== refunds

type refunds struct{ d *data }

func (r refunds) Create(_ context.Context, x *domain.Refund) error {
	if _, ok := r.d.refunds[x.ID]; ok {
		return fmt.Errorf("%w: refunds_pkey", domain.ErrDuplicate)
	}
	if _, ok := r.d.payments[x.PaymentID]; !ok {
		return fmt.Errorf("portstest: refund %s: no payment %s", x.ID, x.PaymentID)
	}
	r.d.refunds[x.ID] = *x
	r.d.refSeq[x.ID] = r.d.next()
	return nil
}

func (r refunds) Get(_ context.Context, id string) (*domain.Refund, error) {
	x, ok := r.d.refunds[id]
	if !ok {
		return nil, domain.ErrNotFound
	}
	return &x, nil
}

func (r refunds) ListByPayment(_ context.Context, paymentID string) ([]*domain.Refund, error) {
	var out []*domain.Refund
	for _, x := range r.d.refunds {
		if x.PaymentID == paymentID {
			out = append(out, &x)
		}
	}
	slices.SortFunc(out, func(a, b *domain.Refund) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(r.d.refSeq[a.ID], r.d.refSeq[b.ID]))
	})
	return out, nil
}

func (r refunds) Update(ctx context.Context, refundID string, fn func(*domain.Payment, *domain.Refund) error) error {
	x, err := r.Get(ctx, refundID)
	if err != nil {
		return err
	}
	return payments(r).Update(ctx, x.PaymentID, func(p *domain.Payment) error {
		x, err := r.Get(ctx, refundID)
		if err != nil {
			return err
		}
		if err := fn(p, x); err != nil {
			return err
		}
		r.d.refunds[x.ID] = *x
		return nil
	})
}

// ==== clients, notifications

type clients struct{ d *data }

func (r clients) Get(_ context.Context, id string) (domain.Client, error) {
	c, ok := r.d.clients[id]
	if !ok {
		return domain.Client{}, domain.ErrNotFound
	}
	return c, nil
}

type notifications struct{ d *data }

func (r notifications) Create(_ context.Context, n *domain.Notification) error {
	if _, ok := r.d.notifications[n.ID]; ok {
		return fmt.Errorf("%w: notifications_pkey", domain.ErrDuplicate)
	}
	r.d.notifications[n.ID] = *n
	return nil
}

func (r notifications) Get(_ context.Context, id string) (*domain.Notification, error) {
	n, ok := r.d.notifications[id]
	if !ok {
		return nil, domain.ErrNotFound
	}
	return &n, nil
}

func (r notifications) Update(ctx context.Context, id string, fn func(*domain.Notification) error) error {
	n, err := r.Get(ctx, id)
	if err != nil {
		return err
	}
	if err := fn(n); err != nil {
		return err
	}
	r.d.notifications[id] = *n
	return nil
}

// UpdateSeen runs fn on the stored notification: the store's transactions
// never overlap, so it has what a retry under lock would read.
func (r notifications) UpdateSeen(ctx context.Context, seen *domain.Notification, fn func(*domain.Notification) error) error {
	return r.Update(ctx, seen.ID, fn)
}

// ==== queries
