package postgres

import (
	"context"
	"fmt"

	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/uptrace/bun/migrate"

	"github.com/paycore/paycore/migrations"
)

// migrationLockID is the pg_advisory_lock key held while migrating, so that
// several nodes starting at once migrate one after another.
const migrationLockID = 7_262_111_220_001

// Migrate applies paycore's bun migrations and then River's, both under one
// session-level advisory lock on a dedicated connection. It returns the
// names of the paycore migrations it applied.
func Migrate(ctx context.Context, db *DB) ([]string, error) {
	conn, err := db.Direct.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", int64(migrationLockID)); err != nil {
		return nil, fmt.Errorf("migrate: lock: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", int64(migrationLockID)) //nolint:errcheck // the lock also ends with the connection

	m := migrate.NewMigrator(db.Bun, migrations.Migrations, migrate.WithMarkAppliedOnSuccess(true))
	if err := m.Init(ctx); err != nil {
		return nil, fmt.Errorf("migrate: init: %w", err)
	}
	group, err := m.Migrate(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	var applied []string
	for _, mg := range group.Migrations {
		applied = append(applied, mg.Name+"_"+mg.Comment)
	}
	rm, err := rivermigrate.New(riverpgxv5.New(db.Direct), nil)
	if err != nil {
		return nil, fmt.Errorf("migrate river: %w", err)
	}
	if _, err := rm.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return nil, fmt.Errorf("migrate river: %w", err)
	}
	return applied, nil
}

// MigrationsCurrent reports whether every paycore and River migration has
// been applied (readiness).
func MigrationsCurrent(ctx context.Context, db *DB) (bool, error) {
	m := migrate.NewMigrator(db.Bun, migrations.Migrations)
	ms, err := m.MigrationsWithStatus(ctx)
	if err != nil {
		return false, err
	}
	if len(ms.Unapplied()) > 0 {
		return false, nil
	}
	rm, err := rivermigrate.New(riverpgxv5.New(db.Direct), nil)
	if err != nil {
		return false, err
	}
	res, err := rm.Validate(ctx, nil)
	if err != nil {
		return false, err
	}
	return res.OK, nil
}
