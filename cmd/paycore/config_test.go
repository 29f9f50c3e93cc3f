package main

import (
	"net/netip"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/paycore/paycore/adapters/redirectgw"
	"github.com/paycore/paycore/adapters/secret"
	"github.com/paycore/paycore/domain"
)

// configVars are every variable loadConfig reads (README "Configuration").
var configVars = []string{
	"DATABASE_URL", "PAYCORE_ADDR", "PAYCORE_BASE_URL", "PAYCORE_SANDBOX", "PAYCORE_PAYMENT_TTL", "PAYCORE_LOG_LEVEL",
	"PAYCORE_TRUSTED_PROXIES", "PAYCORE_RATE_LIMIT", "PAYCORE_LOG_RETENTION", "PAYCORE_KEY_GRACE", "PAYCORE_ATTEMPT_TTL",
	"PAYCORE_RECONCILE_EVERY", "PAYCORE_CONFIRM_WAIT", "PAYCORE_NODE_HEARTBEAT",
	"PAYCORE_ALLOWED_ORIGINS", "PAYCORE_MASTER_KEY", "PAYCORE_TOKEN_KEY", "PAYCORE_JOB_RESCUE_AFTER",
	"PAYCORE_SMS_WORKERS", "PAYCORE_WEBHOOK_WORKERS",
	"PAYCORE_SANDBOX_URL", "PAYCORE_PPROF_ADDR",
	"PAYCORE_GATEWAY_WEBHOOK_RETENTION", "PAYCORE_GATEWAY_WEBHOOK_RATE_LIMIT", "PAYCORE_GATEWAY_WEBHOOK_SAMPLES",
	"BKASH_BASE_URL", "BKASH_USERNAME", "BKASH_PASSWORD", "BKASH_APP_KEY", "BKASH_APP_SECRET", "BKASH_MAX_AMOUNT",
	"BKASH_REFUND_API", "BKASH_V2_BASE_URL", "BKASH_IPN_CERT_HOSTS",
	"NAGAD_BASE_URL", "NAGAD_MERCHANT_ID", "NAGAD_MERCHANT_NUMBER", "NAGAD_MERCHANT_PRIVATE_KEY", "NAGAD_PG_PUBLIC_KEY",
	"NAGAD_CLIENT_IP", "NAGAD_SERVICE_NAME", "NAGAD_MIN_AMOUNT", "NAGAD_MAX_AMOUNT",
	"REDIRECTGW_BASE_URL", "REDIRECTGW_API_KEY", "REDIRECTGW_CLIENT_BASE_URL", "REDIRECTGW_VERIFY_URL",
	"REDIRECTGW_RETURN_KEY", "REDIRECTGW_RETURN_TTL", "REDIRECTGW_TRUST_SIGNED_RETURN",
	"REDIRECTGW_MIN_AMOUNT", "REDIRECTGW_MAX_AMOUNT",
	"PAYCORE_GATEWAY_WEBHOOK_SECRET_BKASH", "PAYCORE_GATEWAY_WEBHOOK_SOURCES_BKASH",
	"PAYCORE_GATEWAY_WEBHOOK_SECRET_NAGAD", "PAYCORE_GATEWAY_WEBHOOK_SOURCES_NAGAD",
	"PAYCORE_GATEWAY_WEBHOOK_SECRET_REDIRECTGW", "PAYCORE_GATEWAY_WEBHOOK_SOURCES_REDIRECTGW",
	"SMS_PROVIDER", "SMS_BASE_URL", "SMS_API_KEY", "SMS_SENDER_ID", "SMS_ACCOUNT_SID",
}

// setEnv empties every variable (empty counts as unset), then sets vars.
func setEnv(t *testing.T, vars map[string]string) {
	t.Helper()
	for _, k := range configVars {
		t.Setenv(k, "")
	}
	for k, v := range vars {
		t.Setenv(k, v)
	}
}

const (
	testMasterKey = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	testLongKey   = "0123456789abcdef0123456789abcdef"
)

// A bad value fails start-up with an error naming its variable.
func TestLoadConfigBadValues(t *testing.T) {
	production := map[string]string{"PAYCORE_SANDBOX": "0", "PAYCORE_MASTER_KEY": testMasterKey,
		"PAYCORE_TOKEN_KEY": testLongKey, "BKASH_BASE_URL": "https://bkash.example/checkout"}
	with := func(base map[string]string, k, v string) map[string]string {
		out := map[string]string{}
		for bk, bv := range base {
			out[bk] = bv
		}
		out[k] = v
		return out
	}
	sandbox := map[string]string{"PAYCORE_SANDBOX": "1"}
	cases := []struct {
		vars map[string]string
		want string
	}{
		{with(sandbox, "PAYCORE_SANDBOX", "maybe"), `PAYCORE_SANDBOX: strconv.ParseBool: parsing "maybe": invalid syntax`},
		{with(sandbox, "PAYCORE_PAYMENT_TTL", "1d"), `PAYCORE_PAYMENT_TTL: time: unknown unit "d" in duration "1d"`},
		{with(sandbox, "PAYCORE_LOG_LEVEL", "loud"), `PAYCORE_LOG_LEVEL: slog: level string "loud": unknown name`},
		{with(sandbox, "PAYCORE_TRUSTED_PROXIES", "10.0.0.0/8, nope"), `PAYCORE_TRUSTED_PROXIES: netip.ParsePrefix("nope"): no '/'`},
		{with(sandbox, "PAYCORE_RATE_LIMIT", "0"), `PAYCORE_RATE_LIMIT must be a positive whole number`},
		{with(sandbox, "PAYCORE_RATE_LIMIT", "-3"), `PAYCORE_RATE_LIMIT must be a positive whole number`},
		{with(sandbox, "PAYCORE_RATE_LIMIT", "lots"), `PAYCORE_RATE_LIMIT must be a positive whole number`},
		{with(sandbox, "PAYCORE_GATEWAY_WEBHOOK_RATE_LIMIT", "0"), `PAYCORE_GATEWAY_WEBHOOK_RATE_LIMIT must be a positive whole number`},
		{with(sandbox, "PAYCORE_GATEWAY_WEBHOOK_RATE_LIMIT", "many"), `PAYCORE_GATEWAY_WEBHOOK_RATE_LIMIT must be a positive whole number`},
		{with(sandbox, "PAYCORE_GATEWAY_WEBHOOK_SAMPLES", "0"), `PAYCORE_GATEWAY_WEBHOOK_SAMPLES must be a positive whole number`},
		{with(sandbox, "PAYCORE_GATEWAY_WEBHOOK_RETENTION", "1h"), `PAYCORE_GATEWAY_WEBHOOK_RETENTION must be 0 (keep) or a duration of at least 24h`},
		{with(sandbox, "PAYCORE_GATEWAY_WEBHOOK_RETENTION", "a while"), `PAYCORE_GATEWAY_WEBHOOK_RETENTION must be 0 (keep) or a duration of at least 24h`},
		{with(sandbox, "PAYCORE_LOG_RETENTION", "forever"), `PAYCORE_LOG_RETENTION: time: invalid duration "forever"`},
		{with(sandbox, "PAYCORE_KEY_GRACE", "1 h"), `PAYCORE_KEY_GRACE: time: unknown unit " h" in duration "1 h"`},
		{with(sandbox, "PAYCORE_ATTEMPT_TTL", "30"), `PAYCORE_ATTEMPT_TTL: time: missing unit in duration "30"`},
		{with(sandbox, "PAYCORE_JOB_RESCUE_AFTER", "soon"), `PAYCORE_JOB_RESCUE_AFTER: time: invalid duration "soon"`},
		{with(sandbox, "PAYCORE_MASTER_KEY", "short"), `PAYCORE_MASTER_KEY: secret: master key must be 32 bytes as 64 hex digits or base64`},
		{with(sandbox, "PAYCORE_TOKEN_KEY", "short"), `PAYCORE_TOKEN_KEY must be at least 32 characters`},
		{with(sandbox, "REDIRECTGW_RETURN_KEY", "short"), `REDIRECTGW_RETURN_KEY must be at least 32 characters`},
		{with(sandbox, "REDIRECTGW_RETURN_TTL", "0s"), `REDIRECTGW_RETURN_TTL must be a positive duration such as 1h`},
		{with(sandbox, "REDIRECTGW_RETURN_TTL", "-1h"), `REDIRECTGW_RETURN_TTL must be a positive duration such as 1h`},
		{with(sandbox, "REDIRECTGW_RETURN_TTL", "soon"), `REDIRECTGW_RETURN_TTL must be a positive duration such as 1h`},
		{with(sandbox, "PAYCORE_RECONCILE_EVERY", "0s"), `PAYCORE_RECONCILE_EVERY must be a positive duration such as 1m`},
		{with(sandbox, "PAYCORE_RECONCILE_EVERY", "often"), `PAYCORE_RECONCILE_EVERY must be a positive duration such as 1m`},
		{with(sandbox, "PAYCORE_CONFIRM_WAIT", "-1s"), `PAYCORE_CONFIRM_WAIT must be a positive duration such as 40s`},
		{with(sandbox, "PAYCORE_SMS_WORKERS", "-1"), `PAYCORE_SMS_WORKERS must be a whole number, 0 for the default (20)`},
		{with(sandbox, "PAYCORE_WEBHOOK_WORKERS", "many"), `PAYCORE_WEBHOOK_WORKERS must be a whole number, 0 for the default (32)`},
		{with(sandbox, "REDIRECTGW_TRUST_SIGNED_RETURN", "yes"), `REDIRECTGW_TRUST_SIGNED_RETURN: strconv.ParseBool: parsing "yes": invalid syntax`},
		{with(sandbox, "REDIRECTGW_MAX_AMOUNT", "lots"), `REDIRECTGW_MAX_AMOUNT: not a positive taka amount with at most 2 decimals: amount is not a decimal number`},
		{with(sandbox, "NAGAD_MIN_AMOUNT", "0"), `NAGAD_MIN_AMOUNT: not a positive taka amount with at most 2 decimals: amount must be greater than zero`},
		{with(sandbox, "BKASH_MAX_AMOUNT", "1.005"), `BKASH_MAX_AMOUNT: not a positive taka amount with at most 2 decimals: amount has more decimals than the currency allows`},
		{with(sandbox, "PAYCORE_GATEWAY_WEBHOOK_SOURCES_NAGAD", "10.0.0.0/99"), `PAYCORE_GATEWAY_WEBHOOK_SOURCES_NAGAD: netip.ParsePrefix("10.0.0.0/99"): prefix length out of range`},
		{map[string]string{"PAYCORE_SANDBOX": "0"}, `PAYCORE_MASTER_KEY is required outside sandbox mode`},
		{map[string]string{"PAYCORE_MASTER_KEY": testMasterKey}, `PAYCORE_TOKEN_KEY is required outside sandbox mode`},
		{with(production, "PAYCORE_SANDBOX_URL", "http://127.0.0.1:9090"), `PAYCORE_SANDBOX_URL is for sandbox mode only (PAYCORE_SANDBOX=1)`},
		{with(production, "PAYCORE_PPROF_ADDR", "127.0.0.1:6060"), `PAYCORE_PPROF_ADDR is for sandbox mode only (PAYCORE_SANDBOX=1)`},
		{with(production, "BKASH_BASE_URL", ""), `BKASH_BASE_URL (and BKASH_USERNAME, BKASH_PASSWORD, BKASH_APP_KEY, BKASH_APP_SECRET) are required outside sandbox mode`},
		{with(production, "REDIRECTGW_BASE_URL", "https://gw.example"), `REDIRECTGW_RETURN_KEY (32+ random characters, the same on every node) is required with REDIRECTGW_BASE_URL`},
	}
	for _, tc := range cases {
		setEnv(t, tc.vars)
		_, err := loadConfig()
		if err == nil || err.Error() != tc.want {
			t.Errorf("%v:\n got %v\nwant %s", tc.vars, err, tc.want)
		}
	}
	setEnv(t, production)
	if _, err := loadConfig(); err != nil {
		t.Fatalf("production configuration: %v", err)
	}
}

// Defaults: what `make run` serves with only PAYCORE_SANDBOX=1.
func TestLoadConfigDefaults(t *testing.T) {
	setEnv(t, map[string]string{"PAYCORE_SANDBOX": "1"})
	c, err := loadConfig()
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:8080" || c.BaseURL != "http://127.0.0.1:8080" || !c.Sandbox || c.PaymentTTL != 24*time.Hour ||
		c.LogLevel.String() != "INFO" || c.RatePerMinute != 120 || c.LogRetention != 2160*time.Hour || c.KeyGrace != 0 ||
		c.AttemptTTL != 30*time.Minute || c.JobRescueAfter != 5*time.Minute || c.TrustedProxies != nil || c.Origins != nil || c.SMS.Provider != "" ||
		c.HookRetention != 2160*time.Hour || c.HookRatePerMinute != 300 || c.HookSamplesPerMinute != 10 ||
		c.ReconcileEvery != time.Minute || c.ConfirmWait != 40*time.Second {
		t.Errorf("defaults: %+v", c)
	}
	if !slices.Equal(c.MasterKey, secret.SandboxKey()) || string(c.TokenKey) != sandboxTokenKey ||
		string(c.RedirectGW.ReturnKey) != sandboxReturnKey || c.RedirectGW.ReturnTTL != redirectgw.DefaultReturnTTL ||
		c.RedirectGW.VerifyURL != "" || c.RedirectGW.NoVerify || c.RedirectGW.TrustSignedReturn {
		t.Errorf("sandbox keys and redirect gateway: %+v", c.RedirectGW)
	}
	for _, g := range []domain.Gateway{domain.GatewayBkash, domain.GatewayNagad, domain.GatewayRedirectGW} {
		if h := c.GatewayHooks[g]; string(h.Secret) != "sandbox_"+string(g)+"_webhook_secret" || h.Sources != nil {
			t.Errorf("%s webhook: %+v", g, h)
		}
	}
}

// PAYCORE_SANDBOX_URL points sandbox mode at `paycore sandbox`.
func TestLoadConfigSandboxURL(t *testing.T) {
	setEnv(t, map[string]string{"PAYCORE_SANDBOX": "1", "PAYCORE_SANDBOX_URL": "http://127.0.0.1:9090/"})
	c, err := loadConfig()
	if err != nil || c.SandboxURL != "http://127.0.0.1:9090" || sandboxRoot(c) != c.SandboxURL {
		t.Fatalf("%q %v", c.SandboxURL, err)
	}
}

// Values as given, outside sandbox mode.
func TestLoadConfigValues(t *testing.T) {
	setEnv(t, map[string]string{
		"DATABASE_URL":                          "postgres://db/paycore",
		"PAYCORE_ADDR":                          "0.0.0.0:9000",
		"PAYCORE_BASE_URL":                      "https://pay.example.com/",
		"PAYCORE_SANDBOX":                       "false",
		"PAYCORE_MASTER_KEY":                    testMasterKey,
		"PAYCORE_TOKEN_KEY":                     testLongKey,
		"PAYCORE_PAYMENT_TTL":                   "2h",
		"PAYCORE_LOG_LEVEL":                     "debug",
		"PAYCORE_TRUSTED_PROXIES":               " 10.0.0.0/8 ,, 192.168.0.0/16",
		"PAYCORE_RATE_LIMIT":                    "60",
		"PAYCORE_LOG_RETENTION":                 "24h",
		"PAYCORE_KEY_GRACE":                     "1h",
		"PAYCORE_ATTEMPT_TTL":                   "5m",
		"PAYCORE_JOB_RESCUE_AFTER":              "10m",
		"PAYCORE_RECONCILE_EVERY":               "5s",
		"PAYCORE_CONFIRM_WAIT":                  "45s",
		"PAYCORE_NODE_HEARTBEAT":                "2s",
		"PAYCORE_ALLOWED_ORIGINS":               "https://a.example,https://b.example",
		"PAYCORE_GATEWAY_WEBHOOK_RETENTION":     "720h",
		"PAYCORE_GATEWAY_WEBHOOK_RATE_LIMIT":    "60",
		"PAYCORE_GATEWAY_WEBHOOK_SAMPLES":       "3",
		"BKASH_BASE_URL":                        "https://bkash.example/checkout",
		"BKASH_USERNAME":                        "u",
		"BKASH_PASSWORD":                        "p",
		"BKASH_APP_KEY":                         "k",
		"BKASH_APP_SECRET":                      "s",
		"NAGAD_BASE_URL":                        "https://nagad.example/api/dfs",
		"NAGAD_MERCHANT_ID":                     "683002007104225",
		"NAGAD_MERCHANT_NUMBER":                 "01700000000",
		"NAGAD_MERCHANT_PRIVATE_KEY":            "priv",
		"NAGAD_PG_PUBLIC_KEY":                   "pub",
		"NAGAD_CLIENT_IP":                       "203.0.113.7",
		"NAGAD_SERVICE_NAME":                    "Shop",
		"REDIRECTGW_BASE_URL":                   "https://gw.example",
		"REDIRECTGW_API_KEY":                    "key",
		"REDIRECTGW_CLIENT_BASE_URL":            "https://pay.example.com/api",
		"REDIRECTGW_VERIFY_URL":                 "None",
		"REDIRECTGW_RETURN_KEY":                 testLongKey,
		"REDIRECTGW_RETURN_TTL":                 "15m",
		"REDIRECTGW_TRUST_SIGNED_RETURN":        "true",
		"PAYCORE_GATEWAY_WEBHOOK_SECRET_NAGAD":  "nagad_secret",
		"PAYCORE_GATEWAY_WEBHOOK_SOURCES_NAGAD": "203.0.113.0/24",
		"PAYCORE_GATEWAY_WEBHOOK_SOURCES_BKASH": "198.51.100.0/24",
		"SMS_PROVIDER":                          "twilio",
		"SMS_BASE_URL":                          "https://sms.example",
		"SMS_API_KEY":                           "a",
		"SMS_SENDER_ID":                         "b",
		"SMS_ACCOUNT_SID":                       "c",
	})
	c, err := loadConfig()
	if err != nil {
		t.Fatal(err)
	}
	key, _ := secret.ParseKey(testMasterKey)
	want := config{
		DatabaseURL: "postgres://db/paycore", Addr: "0.0.0.0:9000", BaseURL: "https://pay.example.com",
		PaymentTTL: 2 * time.Hour, LogLevel: -4,
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.168.0.0/16")},
		RatePerMinute:  60, LogRetention: 24 * time.Hour, KeyGrace: time.Hour, AttemptTTL: 5 * time.Minute, JobRescueAfter: 10 * time.Minute,
		HookRetention: 720 * time.Hour, HookRatePerMinute: 60, HookSamplesPerMinute: 3,
		ReconcileEvery: 5 * time.Second, ConfirmWait: 45 * time.Second, NodeHeartbeat: 2 * time.Second,
		Origins: []string{"https://a.example", "https://b.example"}, MasterKey: key, TokenKey: []byte(testLongKey),
		Bkash: bkashConfig{BaseURL: "https://bkash.example/checkout", Username: "u", Password: "p", AppKey: "k", AppSecret: "s"},
		Nagad: nagadConfig{BaseURL: "https://nagad.example/api/dfs", MerchantID: "683002007104225", MerchantNumber: "01700000000",
			MerchantPrivateKey: "priv", PGPublicKey: "pub", ClientIP: "203.0.113.7", ServiceName: "Shop"},
		RedirectGW: redirectGWConfig{BaseURL: "https://gw.example", APIKey: "key", ClientBaseURL: "https://pay.example.com/api",
			NoVerify: true, ReturnKey: []byte(testLongKey), ReturnTTL: 15 * time.Minute, TrustSignedReturn: true},
		SMS: smsConfig{Provider: "twilio", BaseURL: "https://sms.example", APIKey: "a", SenderID: "b", AccountSID: "c"},
	}
	// Only Nagad has a secret: bKash's sources alone make no webhook.
	if h := c.GatewayHooks; len(h) != 1 || string(h[domain.GatewayNagad].Secret) != "nagad_secret" ||
		!slices.Equal(h[domain.GatewayNagad].Sources, []netip.Prefix{netip.MustParsePrefix("203.0.113.0/24")}) {
		t.Errorf("gateway webhooks: %+v", h)
	}
	c.Hooks, c.GatewayHooks = gatewayHookVars{}, nil
	if !reflect.DeepEqual(c, want) {
		t.Errorf("config\n got %+v\nwant %+v", c, want)
	}
}

// The redirect gateway's trust switch is read under the adapter's name.
func TestTrustSignedReturnVariable(t *testing.T) {
	f, _ := reflect.TypeFor[redirectGWConfig]().FieldByName("TrustSignedReturn")
	if got := f.Tag.Get("env"); got != redirectgw.EnvTrustSignedReturn {
		t.Fatalf("TrustSignedReturn is read from %q, want %q", got, redirectgw.EnvTrustSignedReturn)
	}
}
