package jobs_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/paycore/paycore/adapters/jobs"
	"github.com/paycore/paycore/adapters/postgres"
	"github.com/paycore/paycore/adapters/postgres/pgtest"
	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// TestRowAndJobShareTheTransaction proves the bun + River recipe: a payment
// row and a job row (both written by the transaction's batch) in one
// ports.TxProvider transaction are both rolled back, or both committed.
func TestRowAndJobShareTheTransaction(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _ := pgtest.New(t)
	runner, err := jobs.New(db.Pool, jobs.Config{})
	if err != nil {
		t.Fatal(err)
	}
	txp := postgres.NewTxProvider(db, runner.Queue)
	if err := db.CreateClient(ctx, postgres.NewClientParams{
		Client: domain.Client{ID: "cli_test", Name: "Shop", Status: domain.ClientActive, Language: "en"},
		APIKey: "k", APISecret: []byte("s"), WebhookSecret: []byte("w"),
	}); err != nil {
		t.Fatal(err)
	}
	write := func(orderID string) (*domain.Payment, func(ctx context.Context, tx ports.Tx) error) {
		p, err := domain.NewPayment(domain.Order{ClientID: "cli_test", OrderID: orderID, ReturnURL: "https://shop.test/r"},
			domain.MustMoney(25000, "BDT"), time.Now(), time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return p, func(ctx context.Context, tx ports.Tx) error {
			if err := tx.Payments().Create(ctx, p); err != nil {
				return err
			}
			n := &domain.Notification{ID: domain.NewID(domain.PrefixNotice), PaymentID: p.ID, ClientID: "cli_test",
				Recipient: "8801770618575", Template: "t", Language: "en", Body: "b", Status: domain.NotificationQueued, CreatedAt: time.Now()}
			if err := tx.Notifications().Create(ctx, n); err != nil {
				return err
			}
			return tx.Jobs().EnqueueSMS(ctx, n.ID)
		}
	}
	count := func(sql string, args ...any) int {
		var n int
		if err := db.Pool.QueryRow(ctx, sql, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	boom := errors.New("boom")
	p1, fn := write("ORD-rollback")
	err = txp.Transact(ctx, func(ctx context.Context, tx ports.Tx) error {
		if err := fn(ctx, tx); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Transact = %v, want boom", err)
	}
	if n := count("SELECT count(*) FROM payments WHERE id = $1", p1.ID); n != 0 {
		t.Fatalf("rolled back payment rows = %d", n)
	}
	if n := count("SELECT count(*) FROM river_job WHERE kind = 'sms_send'"); n != 0 {
		t.Fatalf("rolled back jobs = %d", n)
	}

	p2, fn := write("ORD-commit")
	if err := txp.Transact(ctx, fn); err != nil {
		t.Fatal(err)
	}
	if n := count("SELECT count(*) FROM payments WHERE id = $1", p2.ID); n != 1 {
		t.Fatalf("committed payment rows = %d", n)
	}
	if n := count("SELECT count(*) FROM river_job WHERE kind = 'sms_send' AND args->>'notification_id' IN (SELECT id FROM notifications WHERE payment_id = $1)", p2.ID); n != 1 {
		t.Fatalf("committed jobs = %d", n)
	}
}

type recordingSMS struct{ sent chan ports.SMS }

func (recordingSMS) Provider() string { return "test" }
func (r recordingSMS) Send(_ context.Context, m ports.SMS) (string, error) {
	r.sent <- m
	return "ref-" + m.ID, nil
}

// A job row written by the transaction's batch (postgres's InsertJob, no
// River InsertTx and no river_insert notify) is found by River's polling
// producers and worked: the SMS of a stored notification is sent.
func TestBatchWrittenJobIsWorked(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db, _ := pgtest.New(t)
	runner, err := jobs.New(db.Pool, jobs.Config{})
	if err != nil {
		t.Fatal(err)
	}
	txp := postgres.NewTxProvider(db, runner.Queue)
	sms := recordingSMS{sent: make(chan ports.SMS, 1)}
	runner.Bind(app.New(app.Config{}, app.Deps{Tx: txp, Clock: ports.SystemClock{}, SMS: sms}))
	if err := db.CreateClient(ctx, postgres.NewClientParams{
		Client: domain.Client{ID: "cli_poll", Name: "Shop", Status: domain.ClientActive, Language: "en"},
		APIKey: "k", APISecret: []byte("s"), WebhookSecret: []byte("w"),
	}); err != nil {
		t.Fatal(err)
	}
	completed, stop := runner.Client().Subscribe(river.EventKindJobCompleted)
	defer stop()
	if err := runner.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = runner.Stop(context.WithoutCancel(ctx)) }()

	p, err := domain.NewPayment(domain.Order{ClientID: "cli_poll", OrderID: "ORD-poll", ReturnURL: "https://shop.test/r"},
		domain.MustMoney(25000, "BDT"), time.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	n := &domain.Notification{ID: domain.NewID(domain.PrefixNotice), PaymentID: p.ID, ClientID: "cli_poll",
		Recipient: "8801770618575", Template: "t", Language: "en", Body: "hello", Status: domain.NotificationQueued,
		CreatedAt: time.Now()}
	if err := txp.Transact(ctx, func(ctx context.Context, tx ports.Tx) error {
		if err := tx.Payments().Create(ctx, p); err != nil {
			return err
		}
		if err := tx.Notifications().Create(ctx, n); err != nil {
			return err
		}
		return tx.Jobs().EnqueueSMS(ctx, n.ID)
	}); err != nil {
		t.Fatal(err)
	}
	var row struct {
		queue       string
		maxAttempts int
	}
	if err := db.Pool.QueryRow(ctx, "SELECT queue, max_attempts FROM river_job WHERE kind = 'sms_send'").
		Scan(&row.queue, &row.maxAttempts); err != nil {
		t.Fatal(err)
	}
	if want := (jobs.SMSArgs{}).InsertOpts(); row.queue != want.Queue || row.maxAttempts != want.MaxAttempts {
		t.Fatalf("job row queue %q max_attempts %d, want SMSArgs' %q %d", row.queue, row.maxAttempts, want.Queue, want.MaxAttempts)
	}
	timeout := time.After(30 * time.Second)
	select {
	case m := <-sms.sent:
		if m.ID != n.ID || m.Body != "hello" {
			t.Fatalf("sent %+v", m)
		}
	case <-timeout:
		t.Fatal("the batch-written SMS job was not worked")
	}
	for {
		select {
		case ev := <-completed:
			if ev.Job.Kind == "sms_send" {
				return
			}
		case <-timeout:
			t.Fatal("the SMS job did not complete")
		}
	}
}
