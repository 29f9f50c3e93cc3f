package postgres_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/paycore/paycore/adapters/jobs"
	"github.com/paycore/paycore/adapters/postgres"
	"github.com/paycore/paycore/adapters/postgres/pgtest"
	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
	"github.com/paycore/paycore/ports/portstest"
)

// roundTrips counts what the pool sends: single statements and batches
// (one round trip each), with the batches' statements, and prepares (a
// round trip of their own). River's insert notification (PGNotifyMany,
// sent with at most one insert per queue per interval) is kept apart:
// whether a step sends it depends on the time since the last one.
type roundTrips struct {
	mu       sync.Mutex
	queries  []string
	batches  [][]string
	prepares int
	notifies int
}

func (r *roundTrips) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	r.mu.Lock()
	defer r.mu.Unlock()
	if strings.Contains(d.SQL, "name: PGNotifyMany") {
		r.notifies++
	} else {
		r.queries = append(r.queries, d.SQL)
	}
	return ctx
}

func (r *roundTrips) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (r *roundTrips) TraceBatchStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceBatchStartData) context.Context {
	r.mu.Lock()
	defer r.mu.Unlock()
	var sqls []string
	for _, q := range d.Batch.QueuedQueries {
		sqls = append(sqls, q.SQL)
	}
	r.batches = append(r.batches, sqls)
	return ctx
}

func (r *roundTrips) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}
func (r *roundTrips) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData)     {}

func (r *roundTrips) TracePrepareStart(ctx context.Context, _ *pgx.Conn, _ pgx.TracePrepareStartData) context.Context {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.prepares++
	return ctx
}

func (r *roundTrips) TracePrepareEnd(context.Context, *pgx.Conn, pgx.TracePrepareEndData) {}

func (r *roundTrips) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.queries, r.batches, r.prepares, r.notifies = nil, nil, 0, 0
}

func (r *roundTrips) seen() ([]string, [][]string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.queries...), append([][]string(nil), r.batches...)
}

// trips returns the round trips since reset: statements and batches (BEGIN
// and COMMIT included), prepares, and River's notifications.
func (r *roundTrips) trips() (queries, prepares, notifies int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.queries) + len(r.batches), r.prepares, r.notifies
}

type nopSMS struct{}

func (nopSMS) Provider() string { return "test" }
func (nopSMS) Send(context.Context, ports.SMS) (string, error) {
	return "ref", nil
}

// createEnv is the app over a traced pool: REST's signed create (pending
// nonce), the SMS and the webhook job.
type createEnv struct {
	db    *postgres.DB
	trace *roundTrips
	clock *portstest.Clock
	auth  *app.Authenticator
	app   *app.App
}

const createClient = "cli_rt"

func newCreateEnv(t *testing.T) *createEnv {
	t.Helper()
	ctx := t.Context()
	_, dsn := pgtest.New(t)
	e := &createEnv{trace: &roundTrips{}, clock: portstest.NewClock(time.Now().UTC())}
	db, err := postgres.Open(ctx, dsn, pgtest.Box(), 4, postgres.WithTracer(e.trace))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	e.db = db
	if err := db.CreateClient(ctx, postgres.NewClientParams{
		Client: domain.Client{ID: createClient, Name: "Shop", Status: domain.ClientActive, Language: "en",
			WebhookURL: "https://shop.test/hook"},
		APIKey: "pk_rt", APISecret: []byte("secret"), WebhookSecret: []byte("w"),
	}); err != nil {
		t.Fatal(err)
	}
	runner, err := jobs.New(db.Pool, jobs.Config{})
	if err != nil {
		t.Fatal(err)
	}
	e.app = app.New(app.Config{}, app.Deps{Tx: postgres.NewTxProvider(db, runner.Queue), Clock: e.clock, SMS: nopSMS{},
		Gateways: []ports.PaymentGateway{&lockGateway{}}})
	e.auth = app.NewAuthenticator(db, db, e.clock)
	return e
}

var nonceSeq int

// create runs a signed create of orderID: the nonce pending in ctx, as
// REST's POST /api/v1/pay does.
func (e *createEnv) create(t *testing.T, orderID string, nonce string) (*domain.Payment, error) {
	t.Helper()
	if nonce == "" {
		nonceSeq++
		nonce = "n-" + strconv.Itoa(nonceSeq)
	}
	r := app.SignedRequest{APIKey: "pk_rt", Timestamp: strconv.FormatInt(e.clock.Now().Unix(), 10), Nonce: nonce,
		Method: "POST", Path: "/api/v1/pay", Body: []byte("{}")}
	r.Signature = app.Sign([]byte("secret"), r)
	pr, n, err := e.auth.AuthenticateDeferred(t.Context(), r)
	if err != nil {
		t.Fatal(err)
	}
	return e.app.Payments.Create(app.WithPendingNonce(t.Context(), n), pr.ClientID, app.CreatePaymentInput{
		OrderID: orderID, Amount: "150.00", Currency: "BDT", CustomerPhone: "01712345678",
		ReturnURL: "https://shop.test/done"})
}

func (e *createEnv) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := e.db.Pool.QueryRow(t.Context(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// One create is one round trip and one commit: the nonce, payment, SMS
// notification and job, event, webhook delivery and job go out as one
// pipelined batch without BEGIN or COMMIT (one implicit transaction), and
// nothing else is sent — no client read (cached), no pg_notify.
func TestCreateIsOneBatch(t *testing.T) {
	e := newCreateEnv(t)
	if _, err := e.create(t, "ORD-warm", ""); err != nil { // reads the client, prepares the inserts
		t.Fatal(err)
	}
	e.trace.reset()
	p, err := e.create(t, "ORD-1", "")
	if err != nil {
		t.Fatal(err)
	}
	queries, batches := e.trace.seen()
	if len(queries) != 0 || len(batches) != 1 {
		t.Fatalf("round trips: %d statements %q and %d batches, want one batch", len(queries), queries, len(batches))
	}
	var tables []string
	for _, sql := range batches[0] {
		low := strings.ToLower(sql)
		if strings.HasPrefix(low, "begin") || strings.HasPrefix(low, "commit") || strings.Contains(low, "pg_notify") {
			t.Fatalf("batch sends %q", sql)
		}
		tables = append(tables, strings.Fields(sql)[2])
	}
	want := "api_nonces payments notifications river_job events webhook_deliveries river_job"
	if strings.Join(tables, " ") != want {
		t.Fatalf("batch writes %v, want %s", tables, want)
	}
	if n := e.count(t, "SELECT count(*) FROM river_job WHERE kind IN ('sms_send', 'webhook_deliver') AND queue IN ('sms', 'webhooks')"); n != 4 {
		t.Fatalf("jobs of two creates: %d", n)
	}
	if n := e.count(t, "SELECT count(*) FROM events WHERE payment_id = $1", p.ID); n != 1 {
		t.Fatalf("events: %d", n)
	}

	// A taken order_id: the batch fails at the payment, nothing of it
	// stays, the answer is the order_id validation error and the nonce is
	// still burned (on its own).
	_, err = e.create(t, "ORD-1", "n-dup-order")
	var v *domain.ValidationError
	if !errors.As(err, &v) || v.Fields["order_id"] == nil {
		t.Fatalf("duplicate order_id: %v", err)
	}
	if n := e.count(t, "SELECT count(*) FROM payments"); n != 2 {
		t.Fatalf("payments after the duplicate: %d", n)
	}
	if n := e.count(t, "SELECT count(*) FROM api_nonces WHERE nonce = 'n-dup-order'"); n != 1 {
		t.Fatalf("the duplicate's nonce is not burned: %d", n)
	}
	// The batch is one transaction: a write failing after others undoes
	// them (here the nonce written before the taken order_id).
	dup, err := domain.NewPayment(domain.Order{ClientID: createClient, OrderID: "ORD-1", ReturnURL: "https://shop.test/r"},
		domain.MustMoney(100, "BDT"), e.clock.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	err = postgres.NewTxProvider(e.db, nil).Transact(t.Context(), func(ctx context.Context, tx ports.Tx) error {
		if err := tx.Nonces().Use(ctx, createClient, "n-atomic", e.clock.Now()); err != nil {
			return err
		}
		return tx.Payments().Create(ctx, dup)
	})
	var we *ports.WriteError
	if !errors.As(err, &we) || we.Op != ports.OpPaymentCreate || !errors.Is(err, domain.ErrDuplicate) {
		t.Fatalf("Transact of a taken order_id = %v, want a *ports.WriteError of Payments.Create", err)
	}
	if n := e.count(t, "SELECT count(*) FROM api_nonces WHERE nonce = 'n-atomic'"); n != 0 {
		t.Fatal("the nonce written before the failed insert was committed")
	}

	// A replayed nonce: refused as a replay, nothing written.
	_, err = e.create(t, "ORD-2", "n-dup-order")
	var ae *app.AuthError
	if !errors.As(err, &ae) || ae.Reason != "nonce already used" {
		t.Fatalf("replayed nonce: %v", err)
	}
	if n := e.count(t, "SELECT count(*) FROM payments WHERE order_id = 'ORD-2'"); n != 0 {
		t.Fatalf("a replay stored its payment: %d", n)
	}
}

// A suspended client's create is refused within the client cache's bound
// (app.DefaultKeyCacheTTL), not later.
func TestCreateSeesSuspensionWithinTTL(t *testing.T) {
	e := newCreateEnv(t)
	if _, err := e.create(t, "ORD-a", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.Pool.Exec(t.Context(), "UPDATE clients SET status = 'suspended' WHERE id = $1", createClient); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(app.DefaultKeyCacheTTL - time.Second)
	// The key cache (authentication) and the client cache (create) both
	// still answer from what they read.
	if _, err := e.create(t, "ORD-b", ""); err != nil {
		t.Fatalf("inside the bound: %v", err)
	}
	e.clock.Advance(time.Second)
	r := app.SignedRequest{APIKey: "pk_rt", Timestamp: strconv.FormatInt(e.clock.Now().Unix(), 10), Nonce: "n-late",
		Method: "POST", Path: "/api/v1/pay", Body: []byte("{}")}
	r.Signature = app.Sign([]byte("secret"), r)
	_, _, err := e.auth.AuthenticateDeferred(t.Context(), r)
	if err == nil {
		t.Fatal("suspended client authenticated after the bound")
	}
	// A principal authenticated otherwise (a dashboard token) reaches
	// Create directly: the client cache refuses it too.
	_, err = e.app.Payments.Create(t.Context(), createClient, app.CreatePaymentInput{OrderID: "ORD-c", Amount: "150.00",
		Currency: "BDT", ReturnURL: "https://shop.test/done"})
	if !errors.Is(err, domain.ErrForbidden) {
		t.Fatalf("create of a suspended client after the bound: %v", err)
	}
}
