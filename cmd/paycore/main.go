// Command paycore is the one paycore binary:
//
//	paycore serve                       migrate, then serve HTTP, GraphQL and jobs
//	paycore migrate                     apply database migrations and exit
//	paycore sandbox --addr HOST:PORT    serve every simulator on its own (PAYCORE_SANDBOX_URL)
//	paycore demo [--gateway bkash|nagad|redirectgw|sslcommerz]  play merchant and customer against a running server
//	paycore bench [-duration 6s] [-nodes 1]  fresh database and nodes, load, table beside the pgbench reference (make bench)
//	paycore clients create --name …     add a merchant; prints its API key and secrets once
//	paycore logs [--client cli_…]       read the merchant API request log
//	paycore review list|confirm|reject  decide attempts flagged for an operator
//	paycore users create|disable|enable|reset-password|list  console users
//
// Configuration comes from the environment (README "Configuration").
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/paycore/paycore/adapters/postgres"
	"github.com/paycore/paycore/adapters/secret"
)

const usage = `usage: paycore <command> [flags]

commands:
  serve     migrate, then serve on PAYCORE_ADDR (sandbox mode with PAYCORE_SANDBOX=1)
  migrate   apply paycore's and River's migrations to DATABASE_URL
  sandbox   [--addr 127.0.0.1:9090] [--public-url URL]: serve every simulator (gateways, SMS,
            sandbox merchant) under /sandbox/… in this process; point paycore at it with
            PAYCORE_SANDBOX=1 PAYCORE_SANDBOX_URL=http://127.0.0.1:9090
  demo      [--gateway bkash|nagad|redirectgw|sslcommerz]: pay a demo order end to end against a running sandbox server
  bench     [-duration 6s] [-nodes 1] [-json .data/bench.json]: fresh database and nodes, the load of issue 13 beside the pgbench reference
  clients   create --name … [--webhook-url …] [--commission-bps N] [--language en|bn]
            | suspend --id cli_… | activate --id cli_…
  logs      [--client cli_…] [--since 24h] [--limit 50]: merchant API request logs
  search    --trx <bKash trxID>: look a bKash transaction up (admins, disputes)
  review    list | confirm --attempt att_… | reject --attempt att_…: attempts flagged
            for an operator (unverified redirect gateway claims, verify mismatches)
  sms-balance  the SMS provider's remaining credit (admins)
  admin-token  --name … [--ttl 1h]: a short-lived admin bearer token for /graphql
  users     create --email E --role admin|support|merchant [--client cli_…] [--password P]
            | disable --email E | enable --email E | reset-password --email E [--password P] | list:
            dashboard (console) users; a generated password is printed once
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "paycore:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, usage)
		return errors.New("no command")
	}
	if _, known := commandHelp[args[0]]; known && wantsHelp(args[1:]) {
		return printHelp(os.Stdout, args[0])
	}
	switch args[0] {
	case "serve":
		return cmdServe(ctx)
	case "migrate":
		return cmdMigrate(ctx)
	case "sandbox":
		return cmdSandbox(ctx, args[1:])
	case "demo":
		return cmdDemo(ctx, args[1:])
	case "bench":
		return cmdBench(ctx, args[1:])
	case "clients":
		return cmdClients(ctx, args[1:])
	case "logs":
		return cmdLogs(ctx, args[1:])
	case "search":
		return cmdSearch(ctx, args[1:])
	case "review":
		return cmdReview(ctx, args[1:])
	case "sms-balance":
		return cmdSMSBalance(ctx)
	case "users":
		return cmdUsers(ctx, args[1:], os.Stdout, os.Stderr)
	case "admin-token":
		return cmdAdminToken(args[1:], os.Stdout, os.Stderr)
	case "help", "-h", "--help":
		fmt.Print(usage)
		return nil
	}
	fmt.Fprint(os.Stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

func newLogger(level slog.Level) *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
}

func cmdServe(ctx context.Context) error {
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	log := newLogger(cfg.LogLevel)
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	s, err := build(ctx, cfg, log, buildOptions{})
	if err != nil {
		_ = ln.Close() // never served on; err is what went wrong
		return err
	}
	if err := startPprof(cfg.PprofAddr, log); err != nil {
		_ = ln.Close() // never served on; err is what went wrong
		s.close(context.Background())
		return err
	}
	if err := s.start(ctx); err != nil {
		_ = ln.Close() // never served on; err is what went wrong
		s.close(context.Background())
		return err
	}
	log.Info("paycore serving", "addr", ln.Addr().String(), "base_url", cfg.BaseURL, "sandbox", cfg.Sandbox)
	if cfg.Sandbox {
		printSandboxNext(os.Stdout, cfg.BaseURL) // best effort: serving goes on
		log.Info("sandbox demo client", "api_key", demoAPIKey, "api_secret", demoAPISecret,
			"webhook_secret", demoWebhookSecret, "simulator", cfg.BaseURL+"/sandbox/bkash")
		log.Info("sandbox console users", "console", cfg.BaseURL+"/console",
			"admin", demoAdminEmail, "admin_password", demoAdminPassword,
			"merchant", demoMerchantEmail, "merchant_password", demoMerchantPassword)
	}
	return s.serve(ctx, ln)
}

func cmdMigrate(ctx context.Context) error {
	url := os.Getenv("DATABASE_URL")
	if url == "" {
		return errors.New("DATABASE_URL is not set")
	}
	// Migrations touch no sealed data; any key opens the pool.
	box, err := secret.NewBox(secret.SandboxKey())
	if err != nil {
		return err
	}
	db, err := postgres.Open(ctx, url, box, 4)
	if err != nil {
		return err
	}
	defer db.Close()
	applied, err := postgres.Migrate(ctx, db)
	if err != nil {
		return err
	}
	fmt.Printf("migrations applied: %d %v\n", len(applied), applied)
	return nil
}

// printSandboxNext ends a sandbox start-up (make run) with what to open
// next: the sandbox index, the storefront, GraphQL, the demo client's
// credentials and the demo.
func printSandboxNext(w io.Writer, base string) {
	_, _ = fmt.Fprintf(w, `
paycore is serving in sandbox mode at %[1]s
  open      %[1]s/sandbox         SMS inbox, webhooks received, simulators' switches
            %[1]s/sandbox/shop/   the storefront example (pays through GraphQL)
  GraphQL   %[1]s/graphql         REST: %[1]s/api/v1 (OpenAPI: /api/v1/openapi.json)
  demo      API key %[2]s, secret %[3]s, webhook secret %[4]s
  then      make demo             (in another terminal; GATEWAY=nagad|redirectgw|sslcommerz for the others)

`, base, demoAPIKey, demoAPISecret, demoWebhookSecret)
}
