// Package pgtest gives each test its own PostgreSQL database, created from a
// migrated template so a test pays for a file copy, not for migrations. The
// server is TEST_DATABASE_URL, else DATABASE_URL, else
// postgres://postgres@127.0.0.1:5432/postgres.
package pgtest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/paycore/paycore/adapters/postgres"
	"github.com/paycore/paycore/adapters/secret"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/migrations"
)

// ServerURL returns the URL of the server tests use (its database part is
// replaced per test).
func ServerURL() string {
	for _, k := range []string{"TEST_DATABASE_URL", "DATABASE_URL"} {
		if v := os.Getenv(k); v != "" {
			return v
		}
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

func withDatabase(raw, name string) string {
	u, err := url.Parse(raw)
	if err != nil {
		panic(fmt.Sprintf("pgtest: bad database URL: %v", err))
	}
	u.Path = "/" + name
	return u.String()
}

var (
	templateOnce sync.Once
	templateName string
	templateErr  error
)

// fingerprint names the template after the migration files, so a changed
// migration gets a fresh template.
func fingerprint() string {
	h := sha256.New()
	_ = fs.WalkDir(migrations.Files(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(migrations.Files(), path)
		if err != nil {
			return err
		}
		_, _ = fmt.Fprintf(h, "%s\x00%d\x00", path, len(b)) // a hash.Hash write never fails
		h.Write(b)
		return nil
	})
	h.Write([]byte("river v0.51.1"))
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// ensureTemplate creates and migrates the template database once per
// server, under an advisory lock so parallel test binaries agree.
func ensureTemplate(ctx context.Context) (string, error) {
	name := "paycore_tmpl_" + fingerprint()
	admin, err := pgx.Connect(ctx, ServerURL())
	if err != nil {
		return "", fmt.Errorf("pgtest: connect to %s: %w (is PostgreSQL running? make test starts one)", redact(ServerURL()), err)
	}
	defer func() { _ = admin.Close(ctx) }() // a test helper's admin connection: nothing to do about a failed close
	if _, err := admin.Exec(ctx, "SELECT pg_advisory_lock(7262111220002)"); err != nil {
		return "", err
	}
	defer admin.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(7262111220002)") //nolint:errcheck // the lock also ends with the connection
	var comment *string
	err = admin.QueryRow(ctx, "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1", name).Scan(&comment)
	if err == nil && comment != nil && *comment == "ready" {
		return name, nil
	}
	if err == nil {
		if _, err := admin.Exec(ctx, "DROP DATABASE "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			return "", err
		}
	}
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return "", err
	}
	db, err := postgres.Open(ctx, withDatabase(ServerURL(), name), Box(), 4)
	if err != nil {
		return "", err
	}
	_, err = postgres.Migrate(ctx, db)
	db.Close()
	if err != nil {
		return "", err
	}
	if _, err := admin.Exec(ctx, "COMMENT ON DATABASE "+pgx.Identifier{name}.Sanitize()+" IS 'ready'"); err != nil {
		return "", err
	}
	return name, nil
}

// Box is the secret box test databases are sealed with.
func Box() *secret.Box {
	b, err := secret.NewBox(secret.SandboxKey())
	if err != nil {
		panic(err)
	}
	return b
}

// New returns a fresh, migrated database for t, dropped when t ends, and
// its URL.
func New(t testing.TB) (*postgres.DB, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	templateOnce.Do(func() { templateName, templateErr = ensureTemplate(ctx) })
	if templateErr != nil {
		t.Fatalf("pgtest: template database: %v", templateErr)
	}
	name := "paycore_t_" + strings.ToLower(domain.RandomString(12, "abcdefghijklmnopqrstuvwxyz0123456789"))
	admin, err := pgx.Connect(ctx, ServerURL())
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	defer func() { _ = admin.Close(ctx) }() // a test helper's admin connection: nothing to do about a failed close
	if _, err := admin.Exec(ctx, fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s",
		pgx.Identifier{name}.Sanitize(), pgx.Identifier{templateName}.Sanitize())); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	dsn := withDatabase(ServerURL(), name)
	db, err := postgres.Open(ctx, dsn, Box(), 10)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() {
		db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		admin, err := pgx.Connect(ctx, ServerURL())
		if err != nil {
			t.Errorf("pgtest: drop %s: %v", name, err)
			return
		}
		defer func() { _ = admin.Close(ctx) }() // a test helper's admin connection: nothing to do about a failed close
		if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: drop %s: %v", name, err)
		}
	})
	return db, dsn
}

func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}
