package graph_test

import (
	"cmp"
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/paycore/paycore/adapters/httpauth"
	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/graph"
	"github.com/paycore/paycore/ports"
	"github.com/paycore/paycore/ports/portstest"
)

// The fakes below stand in for PostgreSQL only as far as these tests reach:
// each embeds its port interface, so a method the tests never call panics.

// memStore is an in-memory ports.TxProvider: no isolation, no rollback.
type memStore struct {
	mu       sync.Mutex
	payments map[string]*domain.Payment
	attempts map[string]*domain.Attempt
	refunds  map[string]*domain.Refund
	filters  []ports.PaymentFilter // every Queries().List filter, in order
	jobs     []string              // refund IDs enqueued

	events      map[string]*domain.Event
	deliveries  map[string]*domain.WebhookDelivery
	hookTries   map[string][]domain.WebhookAttempt // delivery ID → attempts
	listClients []string                           // every EventLog().ListDeliveries clientID, in order
	webhookJobs []string                           // delivery IDs enqueued
}

func newMemStore() *memStore {
	return &memStore{payments: map[string]*domain.Payment{}, attempts: map[string]*domain.Attempt{},
		refunds: map[string]*domain.Refund{}, events: map[string]*domain.Event{},
		deliveries: map[string]*domain.WebhookDelivery{}, hookTries: map[string][]domain.WebhookAttempt{}}
}

// listFilters returns the filters Queries().List was called with.
func (s *memStore) listFilters() []ports.PaymentFilter {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.filters)
}

// refundJobs returns the refund IDs enqueued.
func (s *memStore) refundJobs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.jobs)
}

func (s *memStore) Transact(ctx context.Context, fn func(context.Context, ports.Tx) error) error {
	return fn(ctx, memTx{s: s})
}

// put stores a copy of p (or replaces it).
func (s *memStore) put(p *domain.Payment) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cp := *p
	s.payments[p.ID] = &cp
}

func (s *memStore) putAttempt(a *domain.Attempt) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cp := *a
	s.attempts[a.ID] = &cp
}

// Get returns the stored payment with id.
func (s *memStore) Get(id string) (*domain.Payment, error) {
	return memPayments{s: s}.Get(context.Background(), id)
}

// attemptCount returns how many attempts are stored.
func (s *memStore) attemptCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.attempts)
}

type memTx struct {
	ports.Tx
	s *memStore
}

func (t memTx) Payments() ports.PaymentRepository { return memPayments{s: t.s} }
func (t memTx) Attempts() ports.AttemptRepository { return memAttempts{s: t.s} }
func (t memTx) Clients() ports.ClientRepository   { return memClients{} }
func (t memTx) Events() ports.EventPublisher      { return memPublisher{} }
func (t memTx) Refunds() ports.RefundRepository   { return memRefunds{s: t.s} }
func (t memTx) Queries() ports.PaymentQueries     { return memQueries{s: t.s} }
func (t memTx) Jobs() ports.JobQueue              { return memJobs{s: t.s} }
func (t memTx) EventLog() ports.EventRepository   { return memEventLog{s: t.s} }

// memEventLog keeps events, webhook deliveries and their attempts, and
// records the client of every ListDeliveries.
type memEventLog struct {
	ports.EventRepository
	s *memStore
}

func (l memEventLog) CreateEvent(_ context.Context, e *domain.Event) error {
	l.s.mu.Lock()
	defer l.s.mu.Unlock()
	cp := *e
	l.s.events[e.ID] = &cp
	return nil
}

func (l memEventLog) GetEvent(_ context.Context, id string) (*domain.Event, error) {
	l.s.mu.Lock()
	defer l.s.mu.Unlock()
	e, ok := l.s.events[id]
	if !ok {
		return nil, domain.ErrNotFound
	}
	cp := *e
	return &cp, nil
}

func (l memEventLog) CreateDelivery(_ context.Context, d *domain.WebhookDelivery) error {
	l.s.mu.Lock()
	defer l.s.mu.Unlock()
	cp := *d
	l.s.deliveries[d.ID] = &cp
	return nil
}

func (l memEventLog) UpdateDelivery(ctx context.Context, id string, fn func(*domain.WebhookDelivery) error) error {
	d, err := l.GetDelivery(ctx, id)
	if err != nil {
		return err
	}
	if err := fn(d); err != nil {
		return err
	}
	return l.CreateDelivery(ctx, d)
}

func (l memEventLog) GetDelivery(_ context.Context, id string) (*domain.WebhookDelivery, error) {
	l.s.mu.Lock()
	defer l.s.mu.Unlock()
	d, ok := l.s.deliveries[id]
	if !ok {
		return nil, domain.ErrNotFound
	}
	cp := *d
	return &cp, nil
}

func (l memEventLog) ListDeliveries(_ context.Context, clientID, eventID string, limit int) ([]*domain.WebhookDelivery, error) {
	l.s.mu.Lock()
	defer l.s.mu.Unlock()
	l.s.listClients = append(l.s.listClients, clientID)
	var out []*domain.WebhookDelivery
	for _, d := range l.s.deliveries {
		if (clientID == "" || d.ClientID == clientID) && (eventID == "" || d.EventID == eventID) {
			cp := *d
			out = append(out, &cp)
		}
	}
	slices.SortFunc(out, func(a, b *domain.WebhookDelivery) int {
		return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), cmp.Compare(b.ID, a.ID))
	})
	return out[:min(limit, len(out))], nil
}

func (l memEventLog) ListAttempts(_ context.Context, deliveryID string) ([]domain.WebhookAttempt, error) {
	l.s.mu.Lock()
	defer l.s.mu.Unlock()
	return slices.Clone(l.s.hookTries[deliveryID]), nil
}

// deliveryClients returns the clientIDs EventLog().ListDeliveries was
// called with.
func (s *memStore) deliveryClients() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.listClients)
}

// enqueuedWebhooks returns the delivery IDs enqueued.
func (s *memStore) enqueuedWebhooks() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.webhookJobs)
}

type memRefunds struct {
	ports.RefundRepository
	s *memStore
}

func (r memRefunds) Create(_ context.Context, x *domain.Refund) error {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	cp := *x
	r.s.refunds[x.ID] = &cp
	return nil
}

func (r memRefunds) ListByPayment(_ context.Context, paymentID string) ([]*domain.Refund, error) {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	var out []*domain.Refund
	for _, x := range r.s.refunds {
		if x.PaymentID == paymentID {
			cp := *x
			out = append(out, &cp)
		}
	}
	slices.SortFunc(out, func(a, b *domain.Refund) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// memQueries lists the store's payments like PostgreSQL would: filtered,
// newest first (IDs break ties), one window.
type memQueries struct {
	ports.PaymentQueries
	s *memStore
}

func (q memQueries) List(_ context.Context, f ports.PaymentFilter) ([]*domain.Payment, int, error) {
	q.s.mu.Lock()
	defer q.s.mu.Unlock()
	q.s.filters = append(q.s.filters, f)
	var all []*domain.Payment
	for _, p := range q.s.payments {
		if p.Order.ClientID != f.ClientID || (f.Status != "" && p.Status() != f.Status) ||
			(f.OrderID != "" && p.Order.OrderID != f.OrderID) ||
			(!f.From.IsZero() && p.CreatedAt.Before(f.From)) || (!f.To.IsZero() && !p.CreatedAt.Before(f.To)) {
			continue
		}
		cp := *p
		all = append(all, &cp)
	}
	slices.SortFunc(all, func(a, b *domain.Payment) int {
		return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), cmp.Compare(b.ID, a.ID))
	})
	lo := min(f.Offset, len(all))
	return all[lo:min(lo+f.Limit, len(all))], len(all), nil
}

func (q memQueries) Stats(_ context.Context, clientID string) (ports.PaymentStats, error) {
	q.s.mu.Lock()
	defer q.s.mu.Unlock()
	st := ports.PaymentStats{Paid: map[string]int64{}, Refunded: map[string]int64{}}
	for _, p := range q.s.payments {
		if p.Order.ClientID != clientID {
			continue
		}
		st.Total++
		code := p.Amount.Currency().Code
		switch p.Status() {
		case domain.StatusSuccess, domain.StatusPartiallyRefunded, domain.StatusRefunded, domain.StatusDisputed:
			st.Success++
			st.Paid[code] += p.Amount.Minor()
			st.Refunded[code] += p.Refunded.Minor()
		case domain.StatusFailed, domain.StatusCancelled, domain.StatusExpired:
			st.Failed++
		}
	}
	return st, nil
}

type memJobs struct {
	ports.JobQueue
	s *memStore
}

func (j memJobs) EnqueueWebhook(_ context.Context, deliveryID string) error {
	j.s.mu.Lock()
	defer j.s.mu.Unlock()
	j.s.webhookJobs = append(j.s.webhookJobs, deliveryID)
	return nil
}

func (j memJobs) EnqueueRefund(_ context.Context, refundID string) error {
	j.s.mu.Lock()
	defer j.s.mu.Unlock()
	j.s.jobs = append(j.s.jobs, refundID)
	return nil
}

type memPayments struct {
	ports.PaymentRepository
	s *memStore
}

func (r memPayments) Create(_ context.Context, p *domain.Payment) error {
	r.s.put(p)
	return nil
}

func (r memPayments) Update(ctx context.Context, id string, fn func(*domain.Payment) error) error {
	p, err := r.Get(ctx, id)
	if err != nil {
		return err
	}
	if err := fn(p); err != nil {
		return err
	}
	r.s.put(p)
	return nil
}

func (r memPayments) Get(_ context.Context, id string) (*domain.Payment, error) {
	if id == panicID {
		panic("boom: secret detail")
	}
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	p, ok := r.s.payments[id]
	if !ok {
		return nil, domain.ErrNotFound
	}
	cp := *p
	return &cp, nil
}

type memAttempts struct {
	ports.AttemptRepository
	s *memStore
}

func (r memAttempts) Create(_ context.Context, a *domain.Attempt) error {
	r.s.putAttempt(a)
	return nil
}

func (r memAttempts) Update(ctx context.Context, id string, fn func(*domain.Payment, *domain.Attempt) error) error {
	a, err := r.Get(ctx, id)
	if err != nil {
		return err
	}
	p, err := memPayments{s: r.s}.Get(ctx, a.PaymentID)
	if err != nil {
		return err
	}
	if err := fn(p, a); err != nil {
		return err
	}
	r.s.put(p)
	r.s.putAttempt(a)
	return nil
}

func (r memAttempts) Get(_ context.Context, id string) (*domain.Attempt, error) {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	a, ok := r.s.attempts[id]
	if !ok {
		return nil, domain.ErrNotFound
	}
	cp := *a
	return &cp, nil
}

func (r memAttempts) ListByPayment(_ context.Context, paymentID string) ([]*domain.Attempt, error) {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	var out []*domain.Attempt
	for _, a := range r.s.attempts {
		if a.PaymentID == paymentID {
			cp := *a
			out = append(out, &cp)
		}
	}
	// oldest first; IDs break ties so the order is stable
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && (out[j].CreatedAt.Before(out[j-1].CreatedAt) ||
			out[j].CreatedAt.Equal(out[j-1].CreatedAt) && out[j].ID < out[j-1].ID); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out, nil
}

type memClients struct{ ports.ClientRepository }

func (memClients) Get(_ context.Context, id string) (domain.Client, error) {
	return domain.Client{ID: id, Name: "Demo Shop", Status: domain.ClientActive,
		WebhookURL: "https://shop.example/hook", CommissionBPS: 150, Language: "en", CreatedAt: clientCreated}, nil
}

// clientCreated is when every fake client was created.
var clientCreated = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

type memPublisher struct{ ports.EventPublisher }

func (memPublisher) PaymentChanged(context.Context, domain.PaymentChanged) error { return nil }

// memBus is an in-process ports.EventSubscriber.
type memBus struct {
	mu   sync.Mutex
	subs map[string]map[chan domain.PaymentChanged]struct{}
}

func newMemBus() *memBus {
	return &memBus{subs: map[string]map[chan domain.PaymentChanged]struct{}{}}
}

func (b *memBus) Subscribe(ctx context.Context, id string) (<-chan domain.PaymentChanged, func()) {
	ch := make(chan domain.PaymentChanged, 8)
	b.mu.Lock()
	if b.subs[id] == nil {
		b.subs[id] = map[chan domain.PaymentChanged]struct{}{}
	}
	b.subs[id][ch] = struct{}{}
	b.mu.Unlock()
	var once sync.Once
	cancel := func() {
		once.Do(func() {
			b.mu.Lock()
			delete(b.subs[id], ch)
			b.mu.Unlock()
			close(ch)
		})
	}
	stop := context.AfterFunc(ctx, cancel)
	return ch, func() { stop(); cancel() }
}

func (b *memBus) publish(e domain.PaymentChanged) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for ch := range b.subs[e.TransactionID] {
		select {
		case ch <- e:
		default:
		}
	}
}

func (b *memBus) subscribers(id string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.subs[id])
}

// fakeGateway is a bKash that opens every attempt, or refuses with refuse.
type fakeGateway struct{ refuse *ports.GatewayError }

func (fakeGateway) Gateway() domain.Gateway { return domain.GatewayBkash }

func (g fakeGateway) Create(_ context.Context, req ports.CreateRequest) (ports.CreateResult, error) {
	if g.refuse != nil {
		return ports.CreateResult{}, g.refuse
	}
	return ports.CreateResult{GatewayRef: "ref-" + req.AttemptID, RedirectURL: "https://wallet.example/pay/" + req.AttemptID}, nil
}

func (fakeGateway) Confirm(context.Context, ports.ConfirmRequest) (ports.ConfirmResult, error) {
	return ports.ConfirmResult{Outcome: ports.OutcomeUnknown}, nil
}

// memKeys holds one API key, demoKey/demoSecret of clientA.
type memKeys struct{}

func (memKeys) LookupKey(_ context.Context, key string) (ports.APIKey, error) {
	if key != demoKey {
		return ports.APIKey{}, domain.ErrNotFound
	}
	return ports.APIKey{Key: key, ClientID: clientA, Secret: []byte(demoSecret), ClientActive: true}, nil
}

// memRotator is the key store behind regenerateApiKeys and clientProfile.
type memRotator struct {
	mu      sync.Mutex
	current map[string]string // client → newest key
	secrets map[string]string // key → secret
}

func (k *memRotator) RotateKey(_ context.Context, clientID, newKey string, newSecret []byte, _ time.Time) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.current[clientID], k.secrets[newKey] = newKey, string(newSecret)
	return nil
}

func (k *memRotator) CurrentKey(_ context.Context, clientID string) (string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	key, ok := k.current[clientID]
	if !ok {
		return "", domain.ErrNotFound
	}
	return key, nil
}

// memCalls reports the same recorded calls for every gateway.
type memCalls struct{ ports.GatewayCallStore }

func (memCalls) CallStats(context.Context, domain.Gateway, time.Time) (ports.GatewayCallStats, error) {
	return ports.GatewayCallStats{Calls: 200, OK: 180, Refused: 10, NoAnswer: 10, P95: 1234567 * time.Microsecond,
		Buckets: 8, UpBuckets: 7}, nil
}

// memCreds is the ports.CredentialStore behind Sessions: every key and
// client is valid until a test revokes or suspends it.
type memCreds struct {
	mu        sync.Mutex
	revoked   map[string]time.Time // key → revoked at
	suspended map[string]bool      // client → suspended
	rates     map[string]int       // client → requests per minute
	checks    int                  // calls, to see the cache work
}

func newMemCreds() *memCreds {
	return &memCreds{revoked: map[string]time.Time{}, suspended: map[string]bool{}, rates: map[string]int{}}
}

func (c *memCreds) KeyValid(_ context.Context, key string) (bool, *time.Time, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.checks++
	if key != demoKey {
		return false, nil, domain.ErrNotFound
	}
	var rev *time.Time
	if at, ok := c.revoked[key]; ok {
		rev = &at
	}
	return !c.suspended[clientA], rev, nil
}

func (c *memCreds) ClientActive(_ context.Context, clientID string) (bool, int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.checks++
	return !c.suspended[clientID], c.rates[clientID], nil
}

// revoke revokes key at at; suspend suspends a client.
func (c *memCreds) revoke(key string, at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.revoked[key] = at
}

func (c *memCreds) suspend(clientID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.suspended[clientID] = true
}

// memIdem is an in-memory IdempotencyStore with REST's semantics.
type memIdem struct {
	mu   sync.Mutex
	rows map[string]*idemRow // scope/key
}

type idemRow struct {
	hash   []byte
	result []byte // nil while running
}

func (m *memIdem) Begin(_ context.Context, scope, key string, hash []byte, _ time.Duration) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.rows[scope+"/"+key]
	switch {
	case !ok:
		m.rows[scope+"/"+key] = &idemRow{hash: hash}
		return nil, nil
	case string(r.hash) != string(hash):
		return nil, graph.ErrIdempotencyMismatch
	case r.result == nil:
		return nil, graph.ErrIdempotencyInProgress
	}
	return r.result, nil
}

func (m *memIdem) Finish(_ context.Context, scope, key string, result []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.rows[scope+"/"+key].result = result
	return nil
}

func (m *memIdem) Abandon(_ context.Context, scope, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.rows, scope+"/"+key)
	return nil
}

type memNonces struct {
	mu   sync.Mutex
	seen map[string]bool
}

func (n *memNonces) UseNonce(_ context.Context, clientID, nonce string, _ time.Time) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.seen[clientID+"/"+nonce] {
		return domain.ErrDuplicate
	}
	n.seen[clientID+"/"+nonce] = true
	return nil
}

const (
	clientA    = "cli_a"
	clientB    = "cli_b"
	demoKey    = "demo_key"
	demoSecret = "demo_secret"
	panicID    = "txn_panic"
)

// env is one GraphQL handler over the fakes, served by httptest.
type env struct {
	clock  *portstest.Clock // Sessions' clock: move it past the check cache
	creds  *memCreds
	idem   *memIdem
	store  *memStore
	bus    *memBus
	keys   *memRotator
	tokens *httpauth.Tokens
	srv    *httptest.Server
}

type envOption func(*graph.Config, *fakeGateway)

// withProduction serves as outside sandbox mode: HTTPS required,
// X-Forwarded-Proto trusted from loopback.
func withProduction() envOption {
	return func(c *graph.Config, _ *fakeGateway) {
		c.Sandbox = false
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	}
}

// withConfig adjusts the handler's configuration.
func withConfig(f func(*graph.Config)) envOption {
	return func(c *graph.Config, _ *fakeGateway) { f(c) }
}

func withComplexityLimit(n int) envOption {
	return func(c *graph.Config, _ *fakeGateway) { c.ComplexityLimit = n }
}

func withOrigins(p ...string) envOption {
	return func(c *graph.Config, _ *fakeGateway) { c.OriginPatterns = p }
}

func withGatewayRefusal(e *ports.GatewayError) envOption {
	return func(_ *graph.Config, g *fakeGateway) { g.refuse = e }
}

// sessionTTL is how long Sessions caches a check in tests (on env.clock).
const sessionTTL = 5 * time.Second

// tokenTTL is the lifetime of tokens issued in tests.
const tokenTTL = time.Hour

func newEnv(t *testing.T, opts ...envOption) *env {
	t.Helper()
	return newEnvTTL(t, tokenTTL, opts...)
}

func newEnvTTL(t *testing.T, ttl time.Duration, opts ...envOption) *env {
	t.Helper()
	tokens, err := httpauth.NewTokens([]byte("0123456789abcdef0123456789abcdef"), ttl)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{clock: portstest.NewClock(time.Now().UTC()), creds: newMemCreds(),
		idem:  &memIdem{rows: map[string]*idemRow{}},
		store: newMemStore(), bus: newMemBus(), tokens: tokens,
		keys: &memRotator{current: map[string]string{clientA: demoKey}, secrets: map[string]string{}}}
	gw := &fakeGateway{}
	cfg := graph.Config{
		Auth:        app.NewAuthenticator(memKeys{}, &memNonces{seen: map[string]bool{}}, ports.SystemClock{}),
		Sessions:    app.NewSessions(e.creds, e.clock, sessionTTL),
		Idempotency: e.idem,
		Sandbox:     true, // httptest serves plain HTTP; withProduction turns it off
		Tokens:      tokens,
		Events:      e.bus,
		PaymentURL:  func(id string) string { return "https://pay.example/pay/" + id },
	}
	for _, o := range opts {
		o(&cfg, gw)
	}
	cfg.App = app.New(app.Config{}, app.Deps{Tx: e.store, Clock: ports.SystemClock{}, Gateways: []ports.PaymentGateway{gw},
		Keys: e.keys, Calls: memCalls{}})
	e.srv = httptest.NewServer(graph.NewHandlerWithTiming(cfg, 2*time.Second, 50*time.Millisecond))
	t.Cleanup(e.srv.Close)
	return e
}

// token issues a bearer token for p.
func (e *env) token(t *testing.T, p app.Principal) string {
	t.Helper()
	tok, _, err := e.tokens.Issue(p)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// seedPayment stores a pending 1500.00 BDT payment of clientID.
func (e *env) seedPayment(t *testing.T, id, clientID string) *domain.Payment {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Second)
	p := domain.PaymentFromDB(domain.Payment{
		ID:        id,
		Order:     domain.Order{ClientID: clientID, OrderID: "order-" + id},
		Amount:    domain.MustMoney(150000, "BDT"),
		Refunded:  domain.MustMoney(0, "BDT"),
		ExpiresAt: now.Add(time.Hour), CreatedAt: now, UpdatedAt: now, Version: 1,
	}, domain.StatusPending)
	e.store.put(p)
	return p
}

// bearer returns an Authorization header for tok.
func bearer(tok string) http.Header {
	return http.Header{"Authorization": {"Bearer " + tok}}
}
