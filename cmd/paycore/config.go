package main

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"

	"github.com/paycore/paycore/adapters/secret"
	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
)

// config is everything serve reads from the environment (README
// "Configuration"): each tagged field is one variable, read by loadConfig.
// Fields tagged env:"-" are derived from the others.
type config struct {
	DatabaseURL string `env:"DATABASE_URL"`
	// DatabasePoolerURL, when set, carries the request path and the job
	// steps through a transaction-mode pooler (postgres.OpenPooled);
	// River, LISTEN and migrations stay on DatabaseURL.
	DatabasePoolerURL string `env:"DATABASE_POOLER_URL"`
	Addr              string `env:"PAYCORE_ADDR" envDefault:"127.0.0.1:8080"`
	// BaseURL is the public URL, without trailing slash; default
	// http://<Addr>.
	BaseURL    string        `env:"PAYCORE_BASE_URL"`
	Sandbox    bool          `env:"PAYCORE_SANDBOX" envDefault:"0"`
	PaymentTTL time.Duration `env:"PAYCORE_PAYMENT_TTL" envDefault:"24h"`
	LogLevel   slog.Level    `env:"PAYCORE_LOG_LEVEL" envDefault:"info"` // debug|info|warn|error
	// TrustedProxies may set X-Forwarded-Proto/-For (CIDRs, comma-separated).
	TrustedProxies cidrs `env:"PAYCORE_TRUSTED_PROXIES"`
	RatePerMinute  int   `env:"PAYCORE_RATE_LIMIT" envDefault:"120"` // default requests per minute per client
	// NodeHeartbeat: how often the node records itself in the nodes table;
	// a node silent for 3 of these is gone. Each node allows a client its
	// limit ÷ live nodes (docs/scaling.md). 0 (a config not read from the
	// environment) → postgres.DefaultHeartbeatEvery, the same 5s.
	NodeHeartbeat time.Duration `env:"PAYCORE_NODE_HEARTBEAT" envDefault:"5s"`
	LogRetention  time.Duration `env:"PAYCORE_LOG_RETENTION" envDefault:"2160h"` // request log retention (90 days)
	KeyGrace      time.Duration `env:"PAYCORE_KEY_GRACE" envDefault:"0s"`        // old API key life after regenerate
	// HookRetention: how long calls to POST /api/v1/webhook stay in
	// gateway_webhooks (0: kept forever; else at least 24h).
	HookRetention time.Duration `env:"PAYCORE_GATEWAY_WEBHOOK_RETENTION" envDefault:"2160h"`
	// HookRatePerMinute: calls to POST /api/v1/webhook per source IP per
	// minute (429 beyond). 0 (a config not read from the environment) →
	// rest's default, the same 300.
	HookRatePerMinute int `env:"PAYCORE_GATEWAY_WEBHOOK_RATE_LIMIT" envDefault:"300"`
	// HookSamplesPerMinute: unauthenticated calls (unknown gateway, source
	// not allowed, bad signature) stored per verdict per minute per node
	// (at least 1); the rest are only counted. 0 (a config not read from
	// the environment) → app's default, the same 10.
	HookSamplesPerMinute int           `env:"PAYCORE_GATEWAY_WEBHOOK_SAMPLES" envDefault:"10"`
	AttemptTTL           time.Duration `env:"PAYCORE_ATTEMPT_TTL" envDefault:"30m"` // wait for a customer at the gateway
	Origins              []string      `env:"PAYCORE_ALLOWED_ORIGINS"`              // websocket origin patterns, comma-separated
	// JobRescueAfter: a River job still running this long after it began
	// (its node died) is retried; it must exceed every job's timeout.
	JobRescueAfter time.Duration `env:"PAYCORE_JOB_RESCUE_AFTER" envDefault:"5m"`
	// SMSWorkers and WebhookWorkers are how many SMS sends and webhook
	// deliveries run at once on this node; 0 → jobs.Config's defaults (20
	// and 32).
	SMSWorkers     int `env:"PAYCORE_SMS_WORKERS" envDefault:"0"`
	WebhookWorkers int `env:"PAYCORE_WEBHOOK_WORKERS" envDefault:"0"`
	// ReconcileEvery is the interval of the periodic reconciliation pass
	// (a pass is cut off at its interval).
	ReconcileEvery time.Duration `env:"PAYCORE_RECONCILE_EVERY" envDefault:"1m"`
	// ConfirmWait is how long a repeated callback waits for a confirm in
	// flight; a confirm older than twice this is taken as crashed and
	// reconciled. It must exceed the gateways' call timeout (30 s).
	ConfirmWait time.Duration `env:"PAYCORE_CONFIRM_WAIT" envDefault:"40s"`
	// MasterKey: 64 hex or base64 of 32 bytes; sandbox derives a fixed one.
	MasterKey masterKey `env:"PAYCORE_MASTER_KEY"`
	// TokenKey signs client JWTs (≥ 32 characters); sandbox derives one.
	TokenKey textKey `env:"PAYCORE_TOKEN_KEY"`

	// SandboxURL is where `paycore sandbox` serves the simulators (no
	// trailing slash); sandbox mode then uses them, with the credentials
	// they serve, instead of mounting its own. Sandbox mode only.
	SandboxURL string `env:"PAYCORE_SANDBOX_URL"`
	// PprofAddr: where net/http/pprof is served for profiling (the bench
	// kit); empty (the default) serves nothing. Sandbox mode only.
	PprofAddr string `env:"PAYCORE_PPROF_ADDR"`

	Bkash      bkashConfig
	Nagad      nagadConfig
	RedirectGW redirectGWConfig
	SMS        smsConfig
	SSLCommerz sslcommerzConfig

	// Hooks are the variables GatewayHooks is made of.
	Hooks gatewayHookVars
	// GatewayHooks: per gateway, the signing secret and source CIDRs of
	// POST /api/v1/webhook; sandbox mode defaults each secret to
	// "sandbox_<gateway>_webhook_secret".
	GatewayHooks map[domain.Gateway]app.GatewayHookConfig `env:"-"`
}

// smsConfig chooses the SMS provider and its credentials. In sandbox mode
// bulksmsbd and greenweb without SMS_BASE_URL go to the SMS simulator with
// its credentials, and so does an unset provider (BulkSMSBD's wire format);
// outside sandbox mode an unset provider is "log".
type smsConfig struct {
	Provider   string `env:"SMS_PROVIDER"` // "" (see above), log, bulksmsbd, greenweb, twilio
	BaseURL    string `env:"SMS_BASE_URL"`
	APIKey     string `env:"SMS_API_KEY"`
	SenderID   string `env:"SMS_SENDER_ID"`
	AccountSID string `env:"SMS_ACCOUNT_SID"`
}

// bkashConfig: required outside sandbox mode; sandbox mode without
// BKASH_BASE_URL uses the bKash simulator and its credentials.
type bkashConfig struct {
	BaseURL   string `env:"BKASH_BASE_URL"`
	Username  string `env:"BKASH_USERNAME"`
	Password  string `env:"BKASH_PASSWORD"`
	AppKey    string `env:"BKASH_APP_KEY"`
	AppSecret string `env:"BKASH_APP_SECRET"`
	// BkashMaxAmount: the largest payment bKash is offered for, taka ("" →
	// the adapter's default, 50000); its minimum is bKash's own 1 taka.
	// Field names are unique across config: errors name the variable by
	// field.
	BkashMaxAmount taka `env:"BKASH_MAX_AMOUNT"`
	// RefundAPI chooses bKash's refund API: "v1" (the default, also when
	// empty) or "v2" (docs/gateways/bkash.md §9.3, §9.5).
	RefundAPI string `env:"BKASH_REFUND_API"`
	// V2BaseURL is the v2 API base (…/v2/tokenized-checkout) for v2
	// refunds; empty: derived from BKASH_BASE_URL on the same host.
	V2BaseURL string `env:"BKASH_V2_BASE_URL"`
	// IPNCertHosts are the hosts an IPN's SigningCertURL and SubscribeURL
	// may name (comma-separated; "*" matches one DNS label); empty:
	// bkash.DefaultIPNHosts (sns.*.amazonaws.com). Sandbox mode adds the
	// simulator's host.
	IPNCertHosts []string `env:"BKASH_IPN_CERT_HOSTS"`
}

// nagadConfig: Nagad is active when NAGAD_BASE_URL (…/api/dfs) is set;
// sandbox mode without it uses the Nagad simulator and its credentials.
type nagadConfig struct {
	BaseURL            string `env:"NAGAD_BASE_URL"`
	MerchantID         string `env:"NAGAD_MERCHANT_ID"`
	MerchantNumber     string `env:"NAGAD_MERCHANT_NUMBER"`
	MerchantPrivateKey string `env:"NAGAD_MERCHANT_PRIVATE_KEY"` // PEM or base64
	PGPublicKey        string `env:"NAGAD_PG_PUBLIC_KEY"`
	ClientIP           string `env:"NAGAD_CLIENT_IP"` // the whitelisted server IPv4
	ServiceName        string `env:"NAGAD_SERVICE_NAME"`
	// NagadMinAmount, NagadMaxAmount: the amounts Nagad is offered for, taka, from the
	// merchant's contract ("" → the adapter's defaults, 1 and 50000).
	NagadMinAmount taka `env:"NAGAD_MIN_AMOUNT"`
	NagadMaxAmount taka `env:"NAGAD_MAX_AMOUNT"`
}

// redirectGWConfig: the redirect gateway is active when REDIRECTGW_BASE_URL
// is set; sandbox mode without it uses the simulator, its credentials and
// its verify endpoint.
type redirectGWConfig struct {
	BaseURL       string `env:"REDIRECTGW_BASE_URL"`
	APIKey        string `env:"REDIRECTGW_API_KEY"`
	ClientBaseURL string `env:"REDIRECTGW_CLIENT_BASE_URL"`
	// VerifyURL is the verify endpoint; "" outside sandbox means none.
	VerifyURL string `env:"REDIRECTGW_VERIFY_URL"`
	// NoVerify: REDIRECTGW_VERIFY_URL=none, no verify endpoint even in
	// sandbox mode (returns become unverified claims for review).
	NoVerify bool `env:"-"`
	// ReturnKey: ≥ 32 bytes, the same on every node.
	ReturnKey textKey `env:"REDIRECTGW_RETURN_KEY"`
	// ReturnTTL: positive; 0 (a config not read from the environment) →
	// the adapter's default, the same 1 h.
	ReturnTTL time.Duration `env:"REDIRECTGW_RETURN_TTL" envDefault:"1h"`
	// TrustSignedReturn accepts a signed return as payment when there is no
	// verify endpoint. Weaker: see redirectgw.Config.TrustSignedReturn (its
	// variable is redirectgw.EnvTrustSignedReturn).
	TrustSignedReturn bool `env:"REDIRECTGW_TRUST_SIGNED_RETURN"`
	// RedirectGWMinAmount, RedirectGWMaxAmount: the amounts the redirect gateway is offered
	// for, taka; its document states none ("" → 1 and 50000).
	RedirectGWMinAmount taka `env:"REDIRECTGW_MIN_AMOUNT"`
	RedirectGWMaxAmount taka `env:"REDIRECTGW_MAX_AMOUNT"`
}

// sslcommerzConfig: SSLCommerz is active when SSLCOMMERZ_BASE_URL is set
// (https://securepay.sslcommerz.com live, https://sandbox.sslcommerz.com
// for SSLCommerz's own sandbox); sandbox mode without it uses the
// simulator and its credentials.
type sslcommerzConfig struct {
	BaseURL     string `env:"SSLCOMMERZ_BASE_URL"`
	StoreID     string `env:"SSLCOMMERZ_STORE_ID"`
	StorePasswd string `env:"SSLCOMMERZ_STORE_PASSWD"`
	// MultiCardName limits the channels offered on SSLCommerz's page
	// (docs/gateways/sslcommerz.md §2); "" → cards, mobile and internet
	// banking; "all" → every channel of the store.
	MultiCardName string `env:"SSLCOMMERZ_MULTI_CARD_NAME"`
}

// gatewayHookVars are each gateway's PAYCORE_GATEWAY_WEBHOOK_SECRET_<GATEWAY>
// and PAYCORE_GATEWAY_WEBHOOK_SOURCES_<GATEWAY> (CIDRs, comma-separated).
type gatewayHookVars struct {
	SecretBkash       string `env:"PAYCORE_GATEWAY_WEBHOOK_SECRET_BKASH"`
	SourcesBkash      cidrs  `env:"PAYCORE_GATEWAY_WEBHOOK_SOURCES_BKASH"`
	SecretNagad       string `env:"PAYCORE_GATEWAY_WEBHOOK_SECRET_NAGAD"`
	SourcesNagad      cidrs  `env:"PAYCORE_GATEWAY_WEBHOOK_SOURCES_NAGAD"`
	SecretRedirectGW  string `env:"PAYCORE_GATEWAY_WEBHOOK_SECRET_REDIRECTGW"`
	SourcesRedirectGW cidrs  `env:"PAYCORE_GATEWAY_WEBHOOK_SOURCES_REDIRECTGW"`
}

// Sandbox mode's fixed secrets (not secrets).
const (
	// sandboxReturnKey signs redirect gateway returns in sandbox mode.
	sandboxReturnKey = "paycore sandbox redirectgw return key: not a secret!"
	// sandboxTokenKey signs JWTs in sandbox mode.
	sandboxTokenKey = "paycore sandbox token key: not a secret!"
)

// minKeyLen is the shortest PAYCORE_TOKEN_KEY and REDIRECTGW_RETURN_KEY.
const minKeyLen = 32

// badValue holds the start-up errors of variables whose bad values are not
// reported as "<VARIABLE>: <parse error>".
var badValue = map[string]string{
	"PAYCORE_RATE_LIMIT":                 "PAYCORE_RATE_LIMIT must be a positive whole number",
	"PAYCORE_GATEWAY_WEBHOOK_RATE_LIMIT": "PAYCORE_GATEWAY_WEBHOOK_RATE_LIMIT must be a positive whole number",
	"PAYCORE_GATEWAY_WEBHOOK_SAMPLES":    "PAYCORE_GATEWAY_WEBHOOK_SAMPLES must be a positive whole number",
	"PAYCORE_GATEWAY_WEBHOOK_RETENTION":  "PAYCORE_GATEWAY_WEBHOOK_RETENTION must be 0 (keep) or a duration of at least 24h",
	"PAYCORE_TOKEN_KEY":                  "PAYCORE_TOKEN_KEY must be at least 32 characters",
	"REDIRECTGW_RETURN_KEY":              "REDIRECTGW_RETURN_KEY must be at least 32 characters",
	"REDIRECTGW_RETURN_TTL":              "REDIRECTGW_RETURN_TTL must be a positive duration such as 1h",
	"PAYCORE_RECONCILE_EVERY":            "PAYCORE_RECONCILE_EVERY must be a positive duration such as 1m",
	"PAYCORE_CONFIRM_WAIT":               "PAYCORE_CONFIRM_WAIT must be a positive duration such as 40s",
	"PAYCORE_NODE_HEARTBEAT":             "PAYCORE_NODE_HEARTBEAT must be a positive duration such as 5s",
	"PAYCORE_SMS_WORKERS":                "PAYCORE_SMS_WORKERS must be a whole number, 0 for the default (20)",
	"PAYCORE_WEBHOOK_WORKERS":            "PAYCORE_WEBHOOK_WORKERS must be a whole number, 0 for the default (32)",
}

// loadConfig reads config from the environment. An empty variable counts
// as unset. A bad value fails naming its variable; so does a key that is
// missing outside sandbox mode.
func loadConfig() (config, error) {
	var c config
	err := env.ParseWithOptions(&c, env.Options{FuncMap: map[reflect.Type]env.ParserFunc{
		// The standard library's own errors and ranges.
		reflect.TypeFor[time.Duration](): func(s string) (any, error) { return time.ParseDuration(s) },
		reflect.TypeFor[int]():           func(s string) (any, error) { return strconv.Atoi(s) },
	}})
	if err != nil {
		return c, namedError(err)
	}
	return c, c.finish()
}

// namedError reports the first variable env could not parse: badValue's
// message for it, or "<VARIABLE>: <parse error>".
func namedError(err error) error {
	var agg env.AggregateError
	if !errors.As(err, &agg) || len(agg.Errors) == 0 {
		return err
	}
	var pe env.ParseError
	if !errors.As(agg.Errors[0], &pe) {
		return agg.Errors[0]
	}
	name := envVar(reflect.TypeFor[config](), pe.Name)
	if name == "" {
		return err
	}
	if msg, ok := badValue[name]; ok {
		return errors.New(msg)
	}
	return fmt.Errorf("%s: %w", name, pe.Err)
}

// envVar returns the variable of struct field name in t or its nested
// structs ("" if none); a parse error names only the field.
func envVar(t reflect.Type, name string) string {
	for f := range t.Fields() {
		key, _, _ := strings.Cut(f.Tag.Get("env"), ",")
		if f.Name == name && key != "" && key != "-" {
			return key
		}
		if f.Type.Kind() == reflect.Struct {
			if key := envVar(f.Type, name); key != "" {
				return key
			}
		}
	}
	return ""
}

// finish derives what depends on several variables and checks what env's
// tags cannot say.
func (c *config) finish() error {
	if c.BaseURL == "" {
		c.BaseURL = "http://" + c.Addr
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	c.SandboxURL = strings.TrimRight(c.SandboxURL, "/")
	if c.SandboxURL != "" && !c.Sandbox {
		return errors.New("PAYCORE_SANDBOX_URL is for sandbox mode only (PAYCORE_SANDBOX=1)")
	}
	if c.PprofAddr != "" && !c.Sandbox {
		return errors.New("PAYCORE_PPROF_ADDR is for sandbox mode only (PAYCORE_SANDBOX=1)")
	}
	if c.RatePerMinute < 1 {
		return errors.New(badValue["PAYCORE_RATE_LIMIT"])
	}
	if c.HookRatePerMinute < 1 {
		return errors.New(badValue["PAYCORE_GATEWAY_WEBHOOK_RATE_LIMIT"])
	}
	if c.HookSamplesPerMinute < 1 {
		return errors.New(badValue["PAYCORE_GATEWAY_WEBHOOK_SAMPLES"])
	}
	if c.HookRetention != 0 && c.HookRetention < 24*time.Hour {
		return errors.New(badValue["PAYCORE_GATEWAY_WEBHOOK_RETENTION"])
	}
	if c.ReconcileEvery <= 0 {
		return errors.New(badValue["PAYCORE_RECONCILE_EVERY"])
	}
	if c.ConfirmWait <= 0 {
		return errors.New(badValue["PAYCORE_CONFIRM_WAIT"])
	}
	if c.NodeHeartbeat < 0 {
		return errors.New(badValue["PAYCORE_NODE_HEARTBEAT"])
	}
	if c.SMSWorkers < 0 {
		return errors.New(badValue["PAYCORE_SMS_WORKERS"])
	}
	if c.WebhookWorkers < 0 {
		return errors.New(badValue["PAYCORE_WEBHOOK_WORKERS"])
	}
	switch {
	case c.MasterKey != nil:
	case c.Sandbox:
		c.MasterKey = secret.SandboxKey()
	default:
		return errors.New("PAYCORE_MASTER_KEY is required outside sandbox mode")
	}
	switch {
	case c.TokenKey != nil:
	case c.Sandbox:
		c.TokenKey = []byte(sandboxTokenKey)
	default:
		return errors.New("PAYCORE_TOKEN_KEY is required outside sandbox mode")
	}
	if err := c.RedirectGW.finish(c.Sandbox); err != nil {
		return err
	}
	c.GatewayHooks = c.Hooks.configs(c.Sandbox)
	switch strings.ToLower(c.Bkash.RefundAPI) {
	case "", "v1", "v2":
		c.Bkash.RefundAPI = strings.ToLower(c.Bkash.RefundAPI)
	default:
		return errors.New("BKASH_REFUND_API must be v1 or v2")
	}
	if !c.Sandbox && c.Bkash.BaseURL == "" {
		return errors.New("BKASH_BASE_URL (and BKASH_USERNAME, BKASH_PASSWORD, BKASH_APP_KEY, BKASH_APP_SECRET) are required outside sandbox mode")
	}
	return nil
}

// finish applies REDIRECTGW_VERIFY_URL=none and the return key's sandbox
// default, and checks the return key and TTL.
func (r *redirectGWConfig) finish(sandbox bool) error {
	if strings.EqualFold(r.VerifyURL, "none") {
		r.VerifyURL, r.NoVerify = "", true
	}
	switch {
	case r.ReturnKey != nil:
	case sandbox:
		r.ReturnKey = []byte(sandboxReturnKey)
	case r.BaseURL != "":
		return errors.New("REDIRECTGW_RETURN_KEY (32+ random characters, the same on every node) is required with REDIRECTGW_BASE_URL")
	}
	if r.ReturnTTL <= 0 {
		return errors.New(badValue["REDIRECTGW_RETURN_TTL"])
	}
	return nil
}

// configs are the gateways that have a webhook secret (sandbox mode gives
// each one), with their allowed sources.
func (h gatewayHookVars) configs(sandbox bool) map[domain.Gateway]app.GatewayHookConfig {
	out := map[domain.Gateway]app.GatewayHookConfig{}
	for _, v := range []struct {
		g       domain.Gateway
		secret  string
		sources cidrs
	}{
		{domain.GatewayBkash, h.SecretBkash, h.SourcesBkash},
		{domain.GatewayNagad, h.SecretNagad, h.SourcesNagad},
		{domain.GatewayRedirectGW, h.SecretRedirectGW, h.SourcesRedirectGW},
	} {
		hc := app.GatewayHookConfig{Secret: []byte(v.secret), Sources: v.sources}
		if v.secret == "" && sandbox {
			hc.Secret = []byte("sandbox_" + string(v.g) + "_webhook_secret")
		}
		if len(hc.Secret) > 0 {
			out[v.g] = hc
		}
	}
	return out
}

// cidrs is a comma-separated list of CIDRs; blanks around and between
// commas are ignored.
type cidrs []netip.Prefix

// UnmarshalText parses the list; its error is netip.ParsePrefix's.
func (c *cidrs) UnmarshalText(text []byte) error {
	var out cidrs
	for _, p := range strings.Split(string(text), ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		pf, err := netip.ParsePrefix(p)
		if err != nil {
			return err
		}
		out = append(out, pf)
	}
	*c = out
	return nil
}

// taka is an amount in BDT written as a decimal ("50000", "0.50"); the
// zero Money when unset.
type taka struct{ domain.Money }

// UnmarshalText parses a positive amount with at most 2 decimals.
func (t *taka) UnmarshalText(text []byte) error {
	if strings.TrimSpace(string(text)) == "" {
		t.Money = domain.Money{}
		return nil
	}
	m, err := domain.ParseAmount(strings.TrimSpace(string(text)), domain.BDT.Code)
	if err != nil {
		return fmt.Errorf("not a positive taka amount with at most 2 decimals: %w", err)
	}
	t.Money = m
	return nil
}

// masterKey is PAYCORE_MASTER_KEY: 32 bytes written as 64 hex digits or
// base64.
type masterKey []byte

// UnmarshalText decodes the key; its error is secret.ParseKey's.
func (k *masterKey) UnmarshalText(text []byte) error {
	key, err := secret.ParseKey(string(text))
	if err != nil {
		return err
	}
	*k = key
	return nil
}

// textKey is a key used as written, at least minKeyLen bytes.
type textKey []byte

// UnmarshalText keeps a copy of text; a shorter one is an error.
func (k *textKey) UnmarshalText(text []byte) error {
	if len(text) < minKeyLen {
		return fmt.Errorf("shorter than %d characters", minKeyLen)
	}
	*k = bytes.Clone(text)
	return nil
}

// sandboxRoot is where sandbox mode's simulators are served: the sandbox
// of PAYCORE_SANDBOX_URL, or this node.
func sandboxRoot(c config) string {
	if c.SandboxURL != "" {
		return c.SandboxURL
	}
	return c.BaseURL
}
