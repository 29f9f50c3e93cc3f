package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/paycore/paycore/adapters/postgres/pgtest"
	"github.com/paycore/paycore/adapters/secret"
)

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// buildFromEnv is `paycore serve`'s start-up without the listener: read the
// environment, then build the node. A node that builds is closed again.
func buildFromEnv(t *testing.T, vars map[string]string) error {
	t.Helper()
	setEnv(t, vars)
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	s, err := build(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), buildOptions{NoPeriodicTasks: true})
	if err != nil {
		return err
	}
	s.close(context.Background())
	return nil
}

// Production start-up (PAYCORE_SANDBOX=0) refuses sandbox or weak keys,
// plain-HTTP public and gateway URLs and a database holding the demo
// client, naming what is wrong.
func TestProductionStartRefusesUnsafeSettings(t *testing.T) {
	db, dsn := pgtest.New(t)
	good := map[string]string{
		"DATABASE_URL": dsn, "PAYCORE_SANDBOX": "0", "PAYCORE_ADDR": "127.0.0.1:0",
		"PAYCORE_BASE_URL":   "https://pay.example.com",
		"PAYCORE_MASTER_KEY": randomHex(32), "PAYCORE_TOKEN_KEY": randomHex(32),
		"BKASH_BASE_URL": "https://bkash.example/checkout", "BKASH_USERNAME": "u", "BKASH_PASSWORD": "p",
		"BKASH_APP_KEY": "k", "BKASH_APP_SECRET": "s",
		"PAYCORE_GATEWAY_WEBHOOK_SECRET_BKASH": randomHex(16),
	}
	if err := buildFromEnv(t, good); err != nil {
		t.Fatalf("a safe production configuration: %v", err)
	}
	with := func(set map[string]string) map[string]string {
		out := map[string]string{}
		for k, v := range good {
			out[k] = v
		}
		for k, v := range set {
			out[k] = v
		}
		return out
	}
	rgw := func(k, v string) map[string]string {
		return map[string]string{"REDIRECTGW_BASE_URL": "https://gw.example", "REDIRECTGW_API_KEY": "key",
			"REDIRECTGW_CLIENT_BASE_URL": "https://pay.example.com/api", "REDIRECTGW_VERIFY_URL": "https://gw.example/verify",
			"REDIRECTGW_RETURN_KEY": randomHex(24), k: v}
	}
	cases := []struct {
		name string
		vars map[string]string
		want string // the setting the error must name
	}{
		{"sandbox master key", with(map[string]string{"PAYCORE_MASTER_KEY": hex.EncodeToString(secret.SandboxKey())}), "PAYCORE_MASTER_KEY"},
		{"zero master key", with(map[string]string{"PAYCORE_MASTER_KEY": strings.Repeat("00", 32)}), "PAYCORE_MASTER_KEY"},
		{"patterned master key", with(map[string]string{"PAYCORE_MASTER_KEY": strings.Repeat("0102030405060708", 4)}), "PAYCORE_MASTER_KEY"},
		{"sandbox token key", with(map[string]string{"PAYCORE_TOKEN_KEY": sandboxTokenKey}), "PAYCORE_TOKEN_KEY"},
		{"repeated token key", with(map[string]string{"PAYCORE_TOKEN_KEY": strings.Repeat("a", 40)}), "PAYCORE_TOKEN_KEY"},
		{"word token key", with(map[string]string{"PAYCORE_TOKEN_KEY": strings.Repeat("password", 5)}), "PAYCORE_TOKEN_KEY"},
		{"sandbox return key", with(rgw("REDIRECTGW_RETURN_KEY", sandboxReturnKey)), "REDIRECTGW_RETURN_KEY"},
		{"weak return key", with(rgw("REDIRECTGW_RETURN_KEY", strings.Repeat("ab", 20))), "REDIRECTGW_RETURN_KEY"},
		{"sandbox webhook secret", with(map[string]string{"PAYCORE_GATEWAY_WEBHOOK_SECRET_BKASH": "sandbox_bkash_webhook_secret"}), "PAYCORE_GATEWAY_WEBHOOK_SECRET_BKASH"},
		{"short webhook secret", with(map[string]string{"PAYCORE_GATEWAY_WEBHOOK_SECRET_BKASH": "secret"}), "PAYCORE_GATEWAY_WEBHOOK_SECRET_BKASH"},
		{"plain-http base URL", with(map[string]string{"PAYCORE_BASE_URL": "http://pay.example.com"}), "PAYCORE_BASE_URL"},
		{"default base URL", with(map[string]string{"PAYCORE_BASE_URL": ""}), "PAYCORE_BASE_URL"},
		{"plain-http bKash", with(map[string]string{"BKASH_BASE_URL": "http://bkash.example/checkout"}), "BKASH_BASE_URL"},
		{"plain-http Nagad", with(map[string]string{"NAGAD_BASE_URL": "http://nagad.example/api/dfs", "NAGAD_MERCHANT_ID": "683002007104225",
			"NAGAD_MERCHANT_NUMBER": "01700000000", "NAGAD_MERCHANT_PRIVATE_KEY": "x", "NAGAD_PG_PUBLIC_KEY": "y"}), "NAGAD_BASE_URL"},
		{"plain-http redirect gateway", with(rgw("REDIRECTGW_BASE_URL", "http://gw.example")), "REDIRECTGW_BASE_URL"},
		{"plain-http redirect gateway verify", with(rgw("REDIRECTGW_VERIFY_URL", "http://gw.example/verify")), "REDIRECTGW_VERIFY_URL"},
		{"plain-http SMS", with(map[string]string{"SMS_PROVIDER": "bulksmsbd", "SMS_BASE_URL": "http://sms.example", "SMS_API_KEY": "k", "SMS_SENDER_ID": "s"}), "SMS_BASE_URL"},
	}
	for _, tc := range cases {
		err := buildFromEnv(t, tc.vars)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: start-up error %v, want one naming %s", tc.name, err, tc.want)
		}
	}

	// The demo client's secrets are public: a database that holds it (one
	// served in sandbox mode before) is refused.
	if err := seedDemoClient(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	if err := buildFromEnv(t, good); err == nil || !strings.Contains(err.Error(), demoAPIKey) {
		t.Fatalf("production start-up on a database with the demo client: %v, want a refusal naming %s", err, demoAPIKey)
	}
}
