package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/paycore/paycore/adapters/httpauth"
)

// cmdAdminToken: paycore admin-token --name alice [--ttl 1h] prints an
// admin (operator) bearer token for /graphql on stdout, alone on its line,
// and its subject and expiry on stderr. It is signed with the server's token
// key (PAYCORE_TOKEN_KEY, or the sandbox key with PAYCORE_SANDBOX=1), so it
// works on every node sharing that key. It reads every client's webhook
// deliveries and request logs and may redeliver webhooks; it never acts as a
// merchant. TTL: 1 hour by default, at most httpauth.MaxAdminTTL.
func cmdAdminToken(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("admin-token", flag.ContinueOnError)
	fs.SetOutput(stderr)
	name := fs.String("name", "", "who the token is for: its subject is admin:<name> (required)")
	ttl := fs.Duration("ttl", httpauth.DefaultAdminTTL, "how long the token lives, at most "+httpauth.MaxAdminTTL.String())
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if *name == "" {
		return errors.New("--name is required")
	}
	if *ttl <= 0 || *ttl > httpauth.MaxAdminTTL {
		return fmt.Errorf("--ttl must be more than 0 and at most %s", httpauth.MaxAdminTTL)
	}
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	tokens, err := httpauth.NewTokens(cfg.TokenKey, 0)
	if err != nil {
		return err
	}
	tok, exp, err := tokens.IssueAdmin(*name, *ttl)
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintln(stdout, tok); err != nil {
		return err
	}
	// A note for the operator; the token itself is on stdout already.
	_, _ = fmt.Fprintf(stderr, "admin token for %s%s, expires %s\n", httpauth.AdminSubjectPrefix, *name, exp.UTC().Format(time.RFC3339))
	return nil
}
