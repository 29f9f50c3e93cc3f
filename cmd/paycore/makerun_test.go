package main

import (
	"context"
	"strings"
	"testing"

	"github.com/paycore/paycore/adapters/postgres/pgtest"
)

// Without DATABASE_URL the admin commands use make run's database, found as
// scripts/db.sh run finds it; none answering is a message saying what to do.
func TestMakeRunDatabase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	closed := "postgres://postgres@127.0.0.1:1/paycore?sslmode=disable"

	_, err := makeRunDatabase(ctx, []string{closed})
	if err == nil || !strings.Contains(err.Error(), "DATABASE_URL") || !strings.Contains(err.Error(), "make run") {
		t.Fatalf("nothing answering: %v", err)
	}

	// A server answers, but its database is not make run's (no demo
	// client): refused, not taken in sandbox mode.
	db, dsn := pgtest.New(t)
	_, err = makeRunDatabase(ctx, []string{closed, dsn})
	if err == nil || !strings.Contains(err.Error(), "not make run's database") {
		t.Fatalf("database without the demo client: %v", err)
	}

	// make run's database (it holds the demo client): the first that answers.
	if err := seedDemoClient(ctx, db); err != nil {
		t.Fatal(err)
	}
	got, err := makeRunDatabase(ctx, []string{closed, dsn, closed})
	if err != nil || got != dsn {
		t.Fatalf("makeRunDatabase = %q, %v; want %q", got, err, dsn)
	}
}

// The defaults are scripts/db.sh run's, in its order.
func TestMakeRunCandidates(t *testing.T) {
	t.Parallel()
	want := []string{
		"postgres://postgres@127.0.0.1:5432/paycore?sslmode=disable",
		"postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable",
		"postgres://postgres@127.0.0.1:54329/paycore?sslmode=disable",
		"postgres://postgres@127.0.0.1:54329/postgres?sslmode=disable",
	}
	if strings.Join(makeRunCandidates, " ") != strings.Join(want, " ") {
		t.Fatalf("makeRunCandidates = %q", makeRunCandidates)
	}
}
