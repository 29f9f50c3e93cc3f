package main

import (
	"context"
	"log/slog"
	"strings"

	"github.com/paycore/paycore/adapters/postgres"
	"github.com/paycore/paycore/adapters/secret"
)

// ServerPoolConns is the server's pool size unless DATABASE_URL sets
// pool_max_conns. pgx's own default (4 on a 2-core machine) left the request
// path and every job worker two connections: River's listener and pgnotify's
// LISTEN each hold one for good. Measured with the bench kit at 8 clients
// (docs/scaling.md §2): 4 → 16 raised SMS sends from ~110/s to ~190/s.
const ServerPoolConns = 16

// poolConns is the pool size to ask postgres.Open for: 0 (keep the URL's)
// when dsn sets pool_max_conns, else ServerPoolConns.
func poolConns(dsn string) int32 {
	if strings.Contains(dsn, "pool_max_conns=") {
		return 0
	}
	return ServerPoolConns
}

// openDatabase opens the pool with the secret box of PAYCORE_MASTER_KEY
// (through DATABASE_POOLER_URL when set) and applies pending migrations; on
// error nothing stays open.
func openDatabase(ctx context.Context, cfg config, log *slog.Logger) (*postgres.DB, error) {
	box, err := secret.NewBox(cfg.MasterKey)
	if err != nil {
		return nil, err
	}
	var db *postgres.DB
	if cfg.DatabasePoolerURL != "" {
		db, err = postgres.OpenPooled(ctx, cfg.DatabaseURL, cfg.DatabasePoolerURL, box, poolConns(cfg.DatabasePoolerURL))
	} else {
		db, err = postgres.Open(ctx, cfg.DatabaseURL, box, poolConns(cfg.DatabaseURL))
	}
	if err != nil {
		return nil, err
	}
	applied, err := postgres.Migrate(ctx, db)
	if err != nil {
		db.Close()
		return nil, err
	}
	if len(applied) > 0 {
		log.Info("migrated", "applied", applied)
	}
	return db, nil
}
