package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

var _ ports.Reader = (*TxProvider)(nil)

// Read implements ports.Reader: fn's statements run on one pooled
// connection without BEGIN and COMMIT, two round trips fewer than
// Transact. PostgreSQL's READ COMMITTED gives each statement its own
// snapshot inside a transaction too, so a fn that only reads sees what it
// would see in one. fn must only read: it has no job queue (enqueueing
// fails), and a write or an event would take effect at once. Errors: fn's;
// domain.ErrUnavailable (wrapping the cause) when PostgreSQL cannot be
// reached.
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
	return fn(ctx, &txn{db: p.db, conn: conn})
}
