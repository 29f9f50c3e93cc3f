package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/paycore/paycore/adapters/postgres"
	"github.com/paycore/paycore/adapters/secret"
	"github.com/paycore/paycore/adapters/sms"
	"github.com/paycore/paycore/adapters/webhooksend"
	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// openAdminDB opens DATABASE_URL — unset: make run's database, in sandbox
// mode (useMakeRunDefaults) — with the master key (PAYCORE_MASTER_KEY, or
// the sandbox key when PAYCORE_SANDBOX=1) and migrates it. It returns the
// configuration it read.
func openAdminDB(ctx context.Context) (*postgres.DB, config, error) {
	if err := useMakeRunDefaults(ctx, os.Stderr); err != nil {
		return nil, config{}, err
	}
	cfg, err := loadConfig()
	if err != nil {
		return nil, cfg, err
	}
	box, err := secret.NewBox(cfg.MasterKey)
	if err != nil {
		return nil, cfg, err
	}
	db, err := postgres.Open(ctx, cfg.DatabaseURL, box, 4)
	if err != nil {
		return nil, cfg, err
	}
	if _, err := postgres.Migrate(ctx, db); err != nil {
		db.Close()
		return nil, cfg, err
	}
	return db, cfg, nil
}

// cmdClients: paycore clients create --name … [--webhook-url …]
// [--commission-bps N] [--language en|bn] [--rate-limit N]; prints the API
// key, secret and webhook signing secret once. paycore clients suspend|
// activate --id cli_….
func cmdClients(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errors.New("usage: paycore clients create|suspend|activate [flags]")
	}
	fs := flag.NewFlagSet("clients "+args[0], flag.ContinueOnError)
	name := fs.String("name", "", "merchant name (create)")
	webhook := fs.String("webhook-url", "", "default webhook URL, as a payment's webhook_url: HTTPS (sandbox: also http to loopback) (create)")
	bps := fs.Int("commission-bps", 0, "platform commission in basis points, 0-10000 (create)")
	lang := fs.String("language", "en", "SMS language: en or bn (create)")
	id := fs.String("id", "", "client ID (suspend, activate)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	db, cfg, err := openAdminDB(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	switch args[0] {
	case "create":
		if *name == "" {
			return errors.New("--name is required")
		}
		if *bps < 0 || *bps > 10000 {
			return errors.New("--commission-bps must be between 0 and 10000")
		}
		if *lang != "en" && *lang != "bn" {
			return errors.New("--language must be en or bn")
		}
		if *webhook != "" {
			// A payment's rule: the client's default becomes its payments'.
			if msg := app.CheckWebhookURL(ctx, *webhook, cfg.Sandbox, webhooksend.NewHostChecker(nil)); msg != "" {
				return fmt.Errorf("--webhook-url: %s", msg)
			}
		}
		creds := app.NewCredentials()
		whsec := "whsec_" + domain.RandomString(32, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
		c := domain.Client{ID: domain.NewID(domain.PrefixClient), Name: *name, Status: domain.ClientActive,
			WebhookURL: *webhook, CommissionBPS: *bps, Language: *lang, CreatedAt: time.Now().UTC()}
		if err := db.CreateClient(ctx, postgres.NewClientParams{Client: c, APIKey: creds.APIKey,
			APISecret: []byte(creds.Secret), WebhookSecret: []byte(whsec)}); err != nil {
			return err
		}
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		fmt.Fprintln(os.Stderr, "Store the secrets now: they are never shown again.")
		return enc.Encode(map[string]any{"client_id": c.ID, "name": c.Name, "api_key": creds.APIKey,
			"secret_key": creds.Secret, "webhook_secret": whsec, "commission_bps": c.CommissionBPS})
	case "suspend", "activate":
		if *id == "" {
			return errors.New("--id is required")
		}
		st := domain.ClientSuspended
		if args[0] == "activate" {
			st = domain.ClientActive
		}
		if err := db.SetClientStatus(ctx, *id, st); err != nil {
			return err
		}
		fmt.Printf("%s is %s\n", *id, st)
		return nil
	}
	return fmt.Errorf("unknown clients command %q", args[0])
}

// cmdLogs: paycore logs [--client cli_…] [--since 1h] [--limit 50] prints
// merchant API request logs, newest first, as JSON lines (admins only: it
// needs the database).
func cmdLogs(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("logs", flag.ContinueOnError)
	client := fs.String("client", "", "only this client")
	since := fs.Duration("since", 24*time.Hour, "how far back")
	limit := fs.Int("limit", 50, "at most this many")
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, _, err := openAdminDB(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	rec := postgres.NewRecorder(db, nil)
	defer rec.Close()
	logs, err := rec.RequestLogs(ctx, *client, time.Now().Add(-*since), *limit)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(os.Stdout)
	for _, l := range logs {
		if err := enc.Encode(map[string]any{"at": l.At, "client_id": l.ClientID, "method": l.Method,
			"endpoint": l.Endpoint, "status": l.StatusCode, "ip": l.IP, "latency_ms": l.Latency.Milliseconds(),
			"request": l.RequestBody, "response": l.ResponseBody}); err != nil {
			return err
		}
	}
	return nil
}

// cmdSearch: paycore search --trx CKQ70ZB4TM looks a bKash transaction up
// by trxID (/general/searchTransaction) with the shared token, for admins
// and dispute reconciliation. In sandbox mode it asks the running server's
// simulator.
func cmdSearch(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("search", flag.ContinueOnError)
	trx := fs.String("trx", "", "bKash trxID")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *trx == "" {
		return errors.New("--trx is required")
	}
	db, cfg, err := openAdminDB(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	client, err := newBkashClient(cfg, db, nil, ports.SystemClock{}, nil, nil)
	if err != nil {
		return err
	}
	res, err := client.Search(ctx, *trx)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(map[string]any{"trx_id": res.TrxID, "status": res.TransactionStatus,
		"amount": res.Amount.Decimal(), "currency": res.Currency, "customer_msisdn": res.CustomerMsisdn,
		"initiated": res.InitiationTime, "completed": res.CompletedTime, "type": res.TransactionType})
}

// cmdSMSBalance: paycore sms-balance prints the configured SMS provider's
// remaining credit in Taka (admins; BulkSMSBD and GreenWeb report one).
func cmdSMSBalance(ctx context.Context) error {
	// make run's sandbox mode (its SMS simulator) when DATABASE_URL is unset
	// and make run's database answers; else the environment as it is.
	_ = useMakeRunDefaults(ctx, os.Stderr)
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	sender, err := newSMSSender(cfg, nil)
	if err != nil {
		return err
	}
	bc, ok := sender.(sms.BalanceChecker)
	if !ok {
		return fmt.Errorf("SMS provider %q reports no balance", sender.Provider())
	}
	bal, err := bc.Balance(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("%s balance: %s BDT\n", sender.Provider(), bal)
	return nil
}
