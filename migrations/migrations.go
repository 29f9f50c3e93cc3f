// Package migrations embeds paycore's SQL migrations for bun's migrator.
// Files are named <14-digit timestamp>_<name>.tx.up.sql / .tx.down.sql; the
// .tx. infix runs each file in one transaction. River's own tables are
// migrated by rivermigrate (adapters/postgres.Migrate), not here.
package migrations

import (
	"embed"
	"io/fs"

	"github.com/uptrace/bun/migrate"
)

//go:embed *.sql
var files embed.FS

// Migrations is paycore's migration set.
var Migrations = migrate.NewMigrations()

func init() {
	if err := Migrations.Discover(files); err != nil {
		panic(err)
	}
}

// Files returns the embedded migration files (test helpers fingerprint them).
func Files() fs.FS { return files }
