package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	neturl "net/url"
	"os"

	"github.com/paycore/paycore/adapters/postgres"
	"github.com/paycore/paycore/adapters/secret"
)

// makeRunCandidates are the databases `make run` uses when DATABASE_URL is
// unset, in scripts/db.sh run's order: the server on 127.0.0.1:5432, then
// the private cluster under .data/ (port 54329); on each, the database
// paycore, or postgres where db.sh could not create paycore.
var makeRunCandidates = []string{
	"postgres://postgres@127.0.0.1:5432/paycore?sslmode=disable",
	"postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable",
	"postgres://postgres@127.0.0.1:54329/paycore?sslmode=disable",
	"postgres://postgres@127.0.0.1:54329/postgres?sslmode=disable",
}

// makeRunDatabase returns the first of candidates that answers, if it is
// make run's database: one holding the sandbox demo client, which make run
// seeds. Another database (a server's postgres database, say, or a
// production one) is refused rather than opened in sandbox mode with the
// sandbox key. Nothing answering is an error saying what to do.
func makeRunDatabase(ctx context.Context, candidates []string) (string, error) {
	box, err := secret.NewBox(secret.SandboxKey())
	if err != nil {
		return "", err
	}
	for _, url := range candidates {
		db, err := postgres.Open(ctx, url, box, 1)
		if err != nil {
			continue // no server, or no such database: the next, as db.sh
		}
		found, err := db.HasClientOrKey(ctx, demoClientID, demoAPIKey)
		db.Close()
		if err != nil || !found {
			return "", fmt.Errorf("DATABASE_URL is not set and %s is not make run's database (no sandbox demo client): "+
				"run make run once, or set DATABASE_URL (with PAYCORE_MASTER_KEY outside sandbox mode)", redactURL(url))
		}
		return url, nil
	}
	return "", errors.New("DATABASE_URL is not set and make run's database does not answer " +
		"(127.0.0.1:5432 database paycore, then the private cluster under .data/ on 127.0.0.1:54329): " +
		"start make run (it finds or starts PostgreSQL), or set DATABASE_URL")
}

// useMakeRunDefaults gives the admin commands (clients, logs, search,
// review, sms-balance) make run's environment when DATABASE_URL is unset:
// make run's database (makeRunDatabase) and, unless PAYCORE_SANDBOX says
// otherwise, its sandbox mode. It says on w which database it took.
func useMakeRunDefaults(ctx context.Context, w io.Writer) error {
	if os.Getenv("DATABASE_URL") != "" {
		return nil
	}
	url, err := makeRunDatabase(ctx, makeRunCandidates)
	if err != nil {
		return err
	}
	if err := os.Setenv("DATABASE_URL", url); err != nil {
		return err
	}
	if os.Getenv("PAYCORE_SANDBOX") == "" {
		if err := os.Setenv("PAYCORE_SANDBOX", "1"); err != nil {
			return err
		}
	}
	_, _ = fmt.Fprintf(w, "paycore: DATABASE_URL is not set: using make run's database %s\n", redactURL(url))
	return nil
}

// redactURL is a database URL without its password, for messages.
func redactURL(raw string) string {
	u, err := neturl.Parse(raw)
	if err != nil {
		return "the database"
	}
	return u.Redacted()
}
