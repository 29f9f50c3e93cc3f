package graph_test

import (
	"context"
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paycore/paycore/adapters/httpauth"
	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/graph"
	"github.com/paycore/paycore/ports"
	"github.com/paycore/paycore/ports/portstest"
)

// spyStore is portstest.Store, the in-memory store that passes the same
// contract suite as PostgreSQL, behind a thin spy recording what the real
// store does not: the filter of every Queries().List and the clientID of
// every EventLog().ListDeliveries. Payments().Get of panicID panics.
type spyStore struct {
	*portstest.Store
	mu          sync.Mutex
	filters     []ports.PaymentFilter // every Queries().List filter, in order
	listClients []string              // every EventLog().ListDeliveries clientID, in order
	// transactions counts Transact calls and nonces recorded on their own
	// (UseNonce: a transaction of its own in PostgreSQL).
	transactions atomic.Int64
}

// UseNonce records a nonce on its own, counted as a transaction.
func (s *spyStore) UseNonce(ctx context.Context, clientID, nonce string, at time.Time) error {
	s.transactions.Add(1)
	return s.Store.UseNonce(ctx, clientID, nonce, at)
}

// clientCreated is when the fake clients were created.
var clientCreated = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// newSpyStore returns an empty store holding clientA and clientB.
func newSpyStore() *spyStore {
	s := &spyStore{Store: portstest.NewStore()}
	for _, id := range []string{clientA, clientB} {
		s.AddClient(domain.Client{ID: id, Name: "Demo Shop", Status: domain.ClientActive,
			WebhookURL: "https://shop.example/hook", CommissionBPS: 150, Language: "en", CreatedAt: clientCreated})
	}
	return s
}

// Transact runs fn on the store's transaction behind the spy.
func (s *spyStore) Transact(ctx context.Context, fn func(context.Context, ports.Tx) error) error {
	s.transactions.Add(1)
	return s.Store.Transact(ctx, func(ctx context.Context, tx ports.Tx) error {
		return fn(ctx, spyTx{Tx: tx, s: s})
	})
}

// listFilters returns the filters Queries().List was called with.
func (s *spyStore) listFilters() []ports.PaymentFilter {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.filters)
}

// deliveryClients returns the clientIDs EventLog().ListDeliveries was
// called with.
func (s *spyStore) deliveryClients() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.listClients)
}

// jobIDs returns the IDs of the jobs of kind committed transactions
// enqueued, in order.
func (s *spyStore) jobIDs(kind string) []string {
	var out []string
	for _, j := range s.Jobs() {
		if j.Kind == kind {
			out = append(out, j.ID)
		}
	}
	return out
}

// refundJobs returns the refund IDs enqueued.
func (s *spyStore) refundJobs() []string { return s.jobIDs("refund") }

// enqueuedWebhooks returns the delivery IDs enqueued.
func (s *spyStore) enqueuedWebhooks() []string { return s.jobIDs("webhook") }

// seed runs fn in a transaction of the store itself (not the spy's),
// failing the test on an error.
func (s *spyStore) seed(t testing.TB, fn func(ctx context.Context, tx ports.Tx) error) {
	t.Helper()
	if err := s.Store.Transact(t.Context(), fn); err != nil {
		t.Fatal(err)
	}
}

// put stores p, or replaces the stored payment with p (of a newer version).
func (s *spyStore) put(t testing.TB, p *domain.Payment) {
	t.Helper()
	s.seed(t, func(ctx context.Context, tx ports.Tx) error {
		err := tx.Payments().Update(ctx, p.ID, func(x *domain.Payment) error { *x = *p; return nil })
		if errors.Is(err, domain.ErrNotFound) {
			return tx.Payments().Create(ctx, p)
		}
		return err
	})
}

// putAttempt stores a, or replaces the stored attempt with a.
func (s *spyStore) putAttempt(t *testing.T, a *domain.Attempt) {
	t.Helper()
	s.seed(t, func(ctx context.Context, tx ports.Tx) error {
		err := tx.Attempts().Update(ctx, a.ID, func(_ *domain.Payment, x *domain.Attempt) error { *x = *a; return nil })
		if errors.Is(err, domain.ErrNotFound) {
			return tx.Attempts().Create(ctx, a)
		}
		return err
	})
}

// get returns the stored payment with id.
func (s *spyStore) get(t *testing.T, id string) *domain.Payment {
	t.Helper()
	var p *domain.Payment
	s.seed(t, func(ctx context.Context, tx ports.Tx) (err error) {
		p, err = tx.Payments().Get(ctx, id)
		return err
	})
	return p
}

// attemptCount returns how many attempts are stored.
func (s *spyStore) attemptCount(t *testing.T) int {
	t.Helper()
	n := 0
	s.seed(t, func(ctx context.Context, tx ports.Tx) error {
		for _, c := range []string{clientA, clientB} {
			l, err := tx.Queries().List(ctx, ports.PaymentFilter{ClientID: c, Limit: math.MaxInt32})
			if err != nil {
				return err
			}
			for _, p := range l.Payments {
				as, err := tx.Attempts().ListByPayment(ctx, p.ID)
				if err != nil {
					return err
				}
				n += len(as)
			}
		}
		return nil
	})
	return n
}

type spyTx struct {
	ports.Tx
	s *spyStore
}

func (t spyTx) Payments() ports.PaymentRepository { return spyPayments{t.Tx.Payments()} }
func (t spyTx) Queries() ports.PaymentQueries     { return spyQueries{t.Tx.Queries(), t.s} }
func (t spyTx) EventLog() ports.EventRepository   { return spyEventLog{t.Tx.EventLog(), t.s} }

type spyPayments struct{ ports.PaymentRepository }

func (r spyPayments) Get(ctx context.Context, id string) (*domain.Payment, error) {
	if id == panicID {
		panic("boom: secret detail")
	}
	return r.PaymentRepository.Get(ctx, id)
}

type spyQueries struct {
	ports.PaymentQueries
	s *spyStore
}

func (q spyQueries) List(ctx context.Context, f ports.PaymentFilter) (ports.PaymentList, error) {
	q.s.mu.Lock()
	q.s.filters = append(q.s.filters, f)
	q.s.mu.Unlock()
	return q.PaymentQueries.List(ctx, f)
}

type spyEventLog struct {
	ports.EventRepository
	s *spyStore
}

func (l spyEventLog) ListDeliveries(ctx context.Context, clientID, eventID string, limit int) ([]*domain.WebhookDelivery, error) {
	l.s.mu.Lock()
	l.s.listClients = append(l.s.listClients, clientID)
	l.s.mu.Unlock()
	return l.EventRepository.ListDeliveries(ctx, clientID, eventID, limit)
}

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

// memCalls reports the same recorded calls for every gateway.
type memCalls struct{ ports.GatewayCallStore }

func (memCalls) CallStats(context.Context, domain.Gateway, time.Time) (ports.GatewayCallStats, error) {
	return ports.GatewayCallStats{Calls: 200, OK: 180, Refused: 10, NoAnswer: 10, P95: 1234567 * time.Microsecond,
		Buckets: 8, UpBuckets: 7}, nil
}

// graphIdem is portstest's idempotency store as graph.IdempotencyStore
// (as cmd/paycore adapts the PostgreSQL one).
type graphIdem struct{ *portstest.Idempotency }

func (s graphIdem) Begin(ctx context.Context, scope, key string, hash []byte, ttl time.Duration) ([]byte, error) {
	r, err := s.Idempotency.Begin(ctx, scope, key, hash, ttl)
	if r == nil {
		return nil, err
	}
	return r.Body, nil
}

func (s graphIdem) Finish(ctx context.Context, scope, key string, result []byte) error {
	return s.Idempotency.Finish(ctx, scope, key, http.StatusOK, result)
}

const (
	clientA    = "cli_a"
	clientB    = "cli_b"
	demoKey    = "demo_key" // clientA's
	demoSecret = "demo_secret"
	keyB       = "demo_key_b" // clientB's
	secretB    = "demo_secret_b"
	panicID    = "txn_panic"
)

// env is one GraphQL handler over the fakes, served by httptest.
type env struct {
	clock *portstest.Clock // Sessions' clock: move it past the check cache
	idem  *portstest.Idempotency
	store *spyStore
	bus   *memBus
	// keys holds clientA's and clientB's API keys: the key store, the
	// rotator and Sessions' credential store.
	keys   *portstest.Keys
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
	return newEnvTiming(t, ttl, 2*time.Second, 50*time.Millisecond, opts...)
}

// newEnvTiming is newEnvTTL with the websocket init timeout and ping (and
// re-check) interval set.
func newEnvTiming(t testing.TB, ttl, initTimeout, pingInterval time.Duration, opts ...envOption) *env {
	t.Helper()
	tokens, err := httpauth.NewTokens([]byte("0123456789abcdef0123456789abcdef"), ttl)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{clock: portstest.NewClock(time.Now().UTC()),
		idem:  portstest.NewIdempotency(graph.ErrIdempotencyMismatch, graph.ErrIdempotencyInProgress),
		store: newSpyStore(), bus: newMemBus(), tokens: tokens, keys: portstest.NewKeys()}
	e.keys.Add(clientA, demoKey, demoSecret)
	e.keys.Add(clientB, keyB, secretB)
	gw := &fakeGateway{}
	cfg := graph.Config{
		Auth:        app.NewAuthenticator(e.keys, e.store, ports.SystemClock{}),
		Sessions:    app.NewSessions(e.keys, e.clock, sessionTTL),
		Idempotency: graphIdem{e.idem},
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
	e.srv = httptest.NewServer(graph.NewHandlerWithTiming(cfg, initTimeout, pingInterval))
	t.Cleanup(e.srv.Close)
	return e
}

// token issues a bearer token for p.
func (e *env) token(t testing.TB, p app.Principal) string {
	t.Helper()
	tok, _, err := e.tokens.Issue(p)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// seedPayment stores a pending 1500.00 BDT payment of clientID.
func (e *env) seedPayment(t testing.TB, id, clientID string) *domain.Payment {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Second)
	p := domain.PaymentFromDB(domain.Payment{
		ID:        id,
		Order:     domain.Order{ClientID: clientID, OrderID: "order-" + id},
		Amount:    domain.MustMoney(150000, "BDT"),
		Refunded:  domain.MustMoney(0, "BDT"),
		ExpiresAt: now.Add(time.Hour), CreatedAt: now, UpdatedAt: now, Version: 1,
	}, domain.StatusPending)
	e.store.put(t, p)
	return p
}

// bearer returns an Authorization header for tok.
func bearer(tok string) http.Header {
	return http.Header{"Authorization": {"Bearer " + tok}}
}
