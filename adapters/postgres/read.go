package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

var _ ports.Reader = (*TxProvider)(nil)

// Read implements ports.Reader: fn's statements run on one pooled
// connection without BEGIN and COMMIT, two round trips fewer than
// Transact. PostgreSQL's READ COMMITTED gives each statement its own
// snapshot inside a transaction too, so a fn that only reads sees what it
// would see in one. fn must only read: publishing an event, using a nonce
// or enqueueing a job fails (ErrReadOnly), and a repository write would
// take effect at once. Errors: fn's; domain.ErrUnavailable (wrapping the
// cause) when PostgreSQL cannot be reached.
func (p *TxProvider) Read(ctx context.Context, fn func(ctx context.Context, tx ports.Tx) error) error {
	err := p.read(ctx, fn)
	if Unavailable(err) && !errors.Is(err, domain.ErrUnavailable) {
		return fmt.Errorf("%w: %w", domain.ErrUnavailable, err)
	}
	return err
}

func (p *TxProvider) read(ctx context.Context, fn func(ctx context.Context, tx ports.Tx) error) error {
	conn, err := p.db.Bun.Conn(ctx)
	if err != nil {
		return fmt.Errorf("read: %w", err)
	}
	defer func() { _ = conn.Close() }() // returns the connection to the pool
	return fn(ctx, readTx{conn})
}

// ErrReadOnly is what Read's ports.Tx answers to a write it refuses.
var ErrReadOnly = errors.New("postgres: write attempted in a read (TxProvider.Read)")

// readTx is Read's ports.Tx: the repositories on one connection, outside a
// transaction. It depends on no field of Transact's txn.
type readTx struct{ conn bun.IDB }

func (t readTx) Payments() ports.PaymentRepository           { return paymentRepo{db: t.conn} }
func (t readTx) Attempts() ports.AttemptRepository           { return attemptRepo{db: t.conn} }
func (t readTx) Clients() ports.ClientRepository             { return clientRepo{t.conn} }
func (t readTx) Notifications() ports.NotificationRepository { return notificationRepo{t.conn} }
func (t readTx) Refunds() ports.RefundRepository             { return refundRepo{t.conn} }
func (t readTx) Queries() ports.PaymentQueries               { return queries{t.conn} }
func (t readTx) EventLog() ports.EventRepository             { return eventRepo{t.conn} }
func (t readTx) GatewayHooks() ports.GatewayHookLog          { return hookLog{t.conn} }
func (t readTx) Reviews() ports.ReviewRepository             { return reviewRepo{t.conn} }
func (readTx) Jobs() ports.JobQueue                          { return noJobs{} }
func (readTx) Events() ports.EventPublisher                  { return readOnly{} }
func (readTx) Nonces() ports.NonceRepository                 { return readOnly{} }

// readOnly refuses the writes a read has no business making.
type readOnly struct{}

func (readOnly) PaymentChanged(context.Context, domain.PaymentChanged) error { return ErrReadOnly }

func (readOnly) Use(context.Context, string, string, time.Time) error { return ErrReadOnly }
