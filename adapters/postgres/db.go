// Package postgres is paycore's PostgreSQL adapter: one pgx pool shared by
// bun (through pgx's database/sql driver) and River (or, behind a
// transaction-mode pooler, a pooled one for the request path and a direct
// one for River, LISTEN and migrations: OpenPooled), the transaction
// provider that binds repositories, River job rows and pg_notify to one
// transaction (its inserts deferred to one batch), the repositories, the
// migration runner, the stores for keys, nonces and gateway tokens, and the
// Announcer of new payments.
package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/paycore/paycore/adapters/secret"
	"github.com/paycore/paycore/domain"
)

// DB is the shared pool and the bun handle over it.
type DB struct {
	// Pool serves the request path and the job steps: every transaction
	// and read of the repositories, through a transaction-mode pooler when
	// one is set (OpenPooled).
	Pool *pgxpool.Pool
	// Direct serves what needs a session of its own: River's client (its
	// listener and leader election), LISTEN (adapters/pgnotify) and the
	// migrations' advisory lock. It is Pool itself without a pooler.
	Direct *pgxpool.Pool
	SQL    *sql.DB
	Bun    *bun.DB
	box    *secret.Box
}

// Option adjusts how Open configures the pool.
type Option func(*pgxpool.Config)

// WithTracer traces every connection's queries (and batches, when tracer
// also implements pgx.BatchTracer): tests count a use case's round trips.
func WithTracer(tracer pgx.QueryTracer) Option {
	return func(c *pgxpool.Config) { c.ConnConfig.Tracer = tracer }
}

// Open connects to dsn (a postgres:// URL) and checks the connection. box
// seals secrets stored by this package. maxConns 0 keeps pgx's default.
// Statements run in pgx's default mode (the dsn may change it:
// default_query_exec_mode): prepared once per connection and cached, which
// the create's hand-written inserts rely on (TxProvider).
func Open(ctx context.Context, dsn string, box *secret.Box, maxConns int32, opts ...Option) (*DB, error) {
	if box == nil {
		return nil, errors.New("postgres: nil secret box")
	}
	pool, err := openPool(ctx, dsn, maxConns, opts)
	if err != nil {
		return nil, err
	}
	sqlDB := openSQL(pool)
	return &DB{Pool: pool, Direct: pool, SQL: sqlDB, Bun: bun.NewDB(sqlDB, pgdialect.New()), box: box}, nil
}

// openPool connects a pool to dsn and pings it.
func openPool(ctx context.Context, dsn string, maxConns int32, opts []Option) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: parse DATABASE_URL: %w", err)
	}
	if maxConns > 0 {
		cfg.MaxConns = maxConns
	}
	for _, o := range opts {
		o(cfg)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := pool.Ping(pingCtx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: connect %s:%d/%s: %w", cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database, err)
	}
	return pool, nil
}

// DirectConns is the size of DB.Direct beside a pooler: River's client
// (its listener, fetches, completions, leader election and maintenance)
// and the one LISTEN connection.
const DirectConns = 8

// OpenPooled is Open with the request path through a transaction-mode
// pooler (PgBouncer pool_mode=transaction) at poolerDSN, for many nodes on
// one PostgreSQL (docs/scaling.md §3): DB.Pool (maxConns connections to the
// pooler) carries every transaction and read, which hold no session state
// past their transaction; DB.Direct (DirectConns connections to dsn) keeps
// River, LISTEN and the migrations' advisory lock on PostgreSQL itself.
// Through the pooler, statements are not prepared by name — a pooler may
// hand each transaction another server connection — but described once and
// sent unnamed (pgx's cache_describe), unless poolerDSN sets
// default_query_exec_mode (cache_statement behind PgBouncer ≥ 1.21 with
// max_prepared_statements).
func OpenPooled(ctx context.Context, dsn, poolerDSN string, box *secret.Box, maxConns int32, opts ...Option) (*DB, error) {
	direct, err := openPool(ctx, dsn, DirectConns, opts)
	if err != nil {
		return nil, err
	}
	describe := func(c *pgxpool.Config) {
		if !strings.Contains(poolerDSN, "default_query_exec_mode") {
			c.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeCacheDescribe
		}
	}
	db, err := Open(ctx, poolerDSN, box, maxConns, append([]Option{describe}, opts...)...)
	if err != nil {
		direct.Close()
		return nil, fmt.Errorf("pooler: %w", err)
	}
	db.Direct = direct
	return db, nil
}

// Close releases every connection.
func (db *DB) Close() {
	_ = db.Bun.Close()
	db.Pool.Close()
	if db.Direct != db.Pool {
		db.Direct.Close()
	}
}

// Ping checks the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.Pool.Ping(ctx) }

// mapErr turns driver errors into domain sentinels: no rows → ErrNotFound,
// unique violation (23505) → ErrDuplicate.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	if Unavailable(err) {
		return fmt.Errorf("%w: %w", domain.ErrUnavailable, err)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return domain.ErrNotFound
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return fmt.Errorf("%w: %s", domain.ErrDuplicate, pgErr.ConstraintName)
	}
	return err
}

// Unavailable reports whether err says PostgreSQL cannot be reached right
// now — the connection failed or broke, or the server is shutting down,
// starting up or in recovery — rather than refusing the request itself. A
// use case failing so did nothing it will not redo; edges answer 503
// (domain.ErrUnavailable).
func Unavailable(err error) bool {
	if err == nil || errors.Is(err, domain.ErrUnavailable) {
		return err != nil
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		// Class 08: connection exception; 57P01-57P03: admin shutdown,
		// crash shutdown, cannot connect now.
		return strings.HasPrefix(pgErr.Code, "08") || pgErr.Code == "57P01" || pgErr.Code == "57P02" || pgErr.Code == "57P03"
	}
	var connErr *pgconn.ConnectError
	var netErr net.Error
	return errors.As(err, &connErr) || errors.As(err, &netErr) || errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, sql.ErrConnDone) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		pgconn.SafeToRetry(err) || strings.Contains(err.Error(), "conn closed")
}
