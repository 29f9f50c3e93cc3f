package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
)

// openSQL returns the database/sql handle bun runs on, over pool's
// connections (the pool keeps them; the handle keeps none idle). bun
// writes values into its SQL text, so nearly every text it sends is new:
// pgx's default mode would prepare each one (Parse and Describe, a round
// trip of its own), then run it, then evict it from its statement cache.
// A query without parameters therefore goes out unprepared, by the simple
// protocol, in one round trip; a query with $n parameters is prepared and
// cached as before. Exec without parameters is already simple in pgx.
// docs/platform.md §2.
func openSQL(pool *pgxpool.Pool) *sql.DB {
	db := sql.OpenDB(unpreparedConnector{stdlib.GetPoolConnector(pool)})
	db.SetMaxIdleConns(0) // as stdlib.OpenDBFromPool: idle connections belong to the pool
	return db
}

type unpreparedConnector struct{ driver.Connector }

func (c unpreparedConnector) Connect(ctx context.Context) (driver.Conn, error) {
	dc, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	sc, ok := dc.(*stdlib.Conn)
	if !ok {
		_ = dc.Close()
		return nil, fmt.Errorf("postgres: driver connection is %T, want *stdlib.Conn", dc)
	}
	return unpreparedConn{sc}, nil
}

// unpreparedConn is pgx's database/sql connection (every method its own)
// but for QueryContext without parameters.
type unpreparedConn struct{ *stdlib.Conn }

// simpleProtocol, first among a query's arguments, is an option to pgx,
// not a parameter: it sends the text as it is, in one round trip.
var simpleProtocol = []driver.NamedValue{{Ordinal: 1, Value: pgx.QueryExecModeSimpleProtocol}}

func (c unpreparedConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if len(args) == 0 {
		args = simpleProtocol
	}
	return c.Conn.QueryContext(ctx, query, args)
}

// pgx is the connection itself, for batches (conn.Raw gives an
// unpreparedConn).
func (c unpreparedConn) pgx() *pgx.Conn { return c.Conn.Conn() }
