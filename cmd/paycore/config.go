package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/paycore/paycore/adapters/redirectgw"
	"github.com/paycore/paycore/adapters/secret"
	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
)

// config is everything serve reads from the environment (README
// "Configuration"). Secrets are masked by String.
type config struct {
	DatabaseURL string        // DATABASE_URL
	Addr        string        // PAYCORE_ADDR, default 127.0.0.1:8080
	BaseURL     string        // PAYCORE_BASE_URL, default http://<addr>
	Sandbox     bool          // PAYCORE_SANDBOX=1
	MasterKey   []byte        // PAYCORE_MASTER_KEY (64 hex / base64 of 32 bytes); sandbox derives a fixed one
	TokenKey    []byte        // PAYCORE_TOKEN_KEY: signs client JWTs; sandbox derives one
	PaymentTTL  time.Duration // PAYCORE_PAYMENT_TTL, default 24h
	LogLevel    slog.Level    // PAYCORE_LOG_LEVEL: debug|info|warn|error
	Origins     []string      // PAYCORE_ALLOWED_ORIGINS: websocket origin patterns, comma-separated
	// TrustedProxies may set X-Forwarded-Proto/-For (PAYCORE_TRUSTED_PROXIES, CIDRs).
	TrustedProxies []netip.Prefix
	RatePerMinute  int           // PAYCORE_RATE_LIMIT: default requests per minute per client, 120
	LogRetention   time.Duration // PAYCORE_LOG_RETENTION: request log retention, 2160h (90 days)
	KeyGrace       time.Duration // PAYCORE_KEY_GRACE: old API key life after regenerate, 0
	AttemptTTL     time.Duration // PAYCORE_ATTEMPT_TTL: wait for a customer at the gateway, 30m

	Bkash      bkashConfig
	Nagad      nagadConfig
	RedirectGW redirectGWConfig
	SMS        smsConfig
	// GatewayHooks: PAYCORE_GATEWAY_WEBHOOK_SECRET_<GATEWAY> and
	// PAYCORE_GATEWAY_WEBHOOK_SOURCES_<GATEWAY> (CIDRs, comma-separated) for
	// POST /api/v1/webhook; sandbox mode defaults each secret to
	// "sandbox_<gateway>_webhook_secret".
	GatewayHooks map[domain.Gateway]app.GatewayHookConfig
}

// smsConfig chooses the SMS provider (SMS_PROVIDER: log, bulksmsbd,
// greenweb, twilio) and its credentials (SMS_BASE_URL, SMS_API_KEY,
// SMS_SENDER_ID, SMS_ACCOUNT_SID). In sandbox mode bulksmsbd and greenweb
// without SMS_BASE_URL go to the SMS simulator with its credentials.
type smsConfig struct {
	Provider, BaseURL, APIKey, SenderID, AccountSID string
}

type bkashConfig struct {
	BaseURL, Username, Password, AppKey, AppSecret string // BKASH_BASE_URL, BKASH_USERNAME, …
}

// nagadConfig: NAGAD_BASE_URL (…/api/dfs), NAGAD_MERCHANT_ID,
// NAGAD_MERCHANT_NUMBER, NAGAD_MERCHANT_PRIVATE_KEY (PEM or base64),
// NAGAD_PG_PUBLIC_KEY, NAGAD_CLIENT_IP (the whitelisted server IPv4),
// NAGAD_SERVICE_NAME. Nagad is active when NAGAD_BASE_URL is set; sandbox
// mode without it uses the Nagad simulator and its credentials.
type nagadConfig struct {
	BaseURL, MerchantID, MerchantNumber, MerchantPrivateKey, PGPublicKey, ClientIP, ServiceName string
}

// redirectGWConfig: REDIRECTGW_BASE_URL, REDIRECTGW_API_KEY,
// REDIRECTGW_CLIENT_BASE_URL, REDIRECTGW_VERIFY_URL (the gateway's verify
// endpoint; "none" for none), REDIRECTGW_RETURN_KEY (≥ 32 bytes, the same
// on every node), REDIRECTGW_RETURN_TTL, REDIRECTGW_TRUST_SIGNED_RETURN. The
// redirect gateway is active when REDIRECTGW_BASE_URL is set; sandbox mode
// without it uses the simulator, its credentials and its verify endpoint.
type redirectGWConfig struct {
	BaseURL, APIKey, ClientBaseURL string
	// VerifyURL is the verify endpoint; "" outside sandbox means none.
	VerifyURL string
	// NoVerify: REDIRECTGW_VERIFY_URL=none, no verify endpoint even in
	// sandbox mode (returns become unverified claims for review).
	NoVerify  bool
	ReturnKey []byte
	ReturnTTL time.Duration // 0 → the adapter's default (1 h)
	// TrustSignedReturn accepts a signed return as payment when there is no
	// verify endpoint. Weaker: see redirectgw.Config.TrustSignedReturn.
	TrustSignedReturn bool
}

// sandboxReturnKey signs redirect gateway returns in sandbox mode.
const sandboxReturnKey = "paycore sandbox redirectgw return key: not a secret!"

func getenv(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func loadConfig() (config, error) {
	var c config
	c.DatabaseURL = os.Getenv("DATABASE_URL")
	c.Addr = getenv("PAYCORE_ADDR", "127.0.0.1:8080")
	c.BaseURL = strings.TrimRight(getenv("PAYCORE_BASE_URL", "http://"+c.Addr), "/")
	sb, err := strconv.ParseBool(getenv("PAYCORE_SANDBOX", "0"))
	if err != nil {
		return c, fmt.Errorf("PAYCORE_SANDBOX: %w", err)
	}
	c.Sandbox = sb
	if c.PaymentTTL, err = time.ParseDuration(getenv("PAYCORE_PAYMENT_TTL", "24h")); err != nil {
		return c, fmt.Errorf("PAYCORE_PAYMENT_TTL: %w", err)
	}
	if err := c.LogLevel.UnmarshalText([]byte(getenv("PAYCORE_LOG_LEVEL", "info"))); err != nil {
		return c, fmt.Errorf("PAYCORE_LOG_LEVEL: %w", err)
	}
	for _, p := range strings.Split(os.Getenv("PAYCORE_TRUSTED_PROXIES"), ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		pf, err := netip.ParsePrefix(p)
		if err != nil {
			return c, fmt.Errorf("PAYCORE_TRUSTED_PROXIES: %w", err)
		}
		c.TrustedProxies = append(c.TrustedProxies, pf)
	}
	if c.RatePerMinute, err = strconv.Atoi(getenv("PAYCORE_RATE_LIMIT", "120")); err != nil || c.RatePerMinute < 1 {
		return c, fmt.Errorf("PAYCORE_RATE_LIMIT must be a positive whole number")
	}
	if c.LogRetention, err = time.ParseDuration(getenv("PAYCORE_LOG_RETENTION", "2160h")); err != nil {
		return c, fmt.Errorf("PAYCORE_LOG_RETENTION: %w", err)
	}
	if c.KeyGrace, err = time.ParseDuration(getenv("PAYCORE_KEY_GRACE", "0s")); err != nil {
		return c, fmt.Errorf("PAYCORE_KEY_GRACE: %w", err)
	}
	if c.AttemptTTL, err = time.ParseDuration(getenv("PAYCORE_ATTEMPT_TTL", "30m")); err != nil {
		return c, fmt.Errorf("PAYCORE_ATTEMPT_TTL: %w", err)
	}
	if o := os.Getenv("PAYCORE_ALLOWED_ORIGINS"); o != "" {
		c.Origins = strings.Split(o, ",")
	}
	switch k := os.Getenv("PAYCORE_MASTER_KEY"); {
	case k != "":
		if c.MasterKey, err = secret.ParseKey(k); err != nil {
			return c, fmt.Errorf("PAYCORE_MASTER_KEY: %w", err)
		}
	case c.Sandbox:
		c.MasterKey = secret.SandboxKey()
	default:
		return c, errors.New("PAYCORE_MASTER_KEY is required outside sandbox mode")
	}
	switch k := os.Getenv("PAYCORE_TOKEN_KEY"); {
	case len(k) >= 32:
		c.TokenKey = []byte(k)
	case k != "":
		return c, errors.New("PAYCORE_TOKEN_KEY must be at least 32 characters")
	case c.Sandbox:
		c.TokenKey = []byte("paycore sandbox token key: not a secret!")
	default:
		return c, errors.New("PAYCORE_TOKEN_KEY is required outside sandbox mode")
	}
	c.Bkash = bkashConfig{
		BaseURL:   os.Getenv("BKASH_BASE_URL"),
		Username:  os.Getenv("BKASH_USERNAME"),
		Password:  os.Getenv("BKASH_PASSWORD"),
		AppKey:    os.Getenv("BKASH_APP_KEY"),
		AppSecret: os.Getenv("BKASH_APP_SECRET"),
	}
	c.Nagad = nagadConfig{
		BaseURL: os.Getenv("NAGAD_BASE_URL"), MerchantID: os.Getenv("NAGAD_MERCHANT_ID"),
		MerchantNumber: os.Getenv("NAGAD_MERCHANT_NUMBER"), MerchantPrivateKey: os.Getenv("NAGAD_MERCHANT_PRIVATE_KEY"),
		PGPublicKey: os.Getenv("NAGAD_PG_PUBLIC_KEY"), ClientIP: os.Getenv("NAGAD_CLIENT_IP"),
		ServiceName: os.Getenv("NAGAD_SERVICE_NAME"),
	}
	if err := loadRedirectGW(&c); err != nil {
		return c, err
	}
	c.GatewayHooks = map[domain.Gateway]app.GatewayHookConfig{}
	for _, g := range []domain.Gateway{domain.GatewayBkash, domain.GatewayNagad, domain.GatewayRedirectGW} {
		up := strings.ToUpper(string(g))
		var hc app.GatewayHookConfig
		if sec := os.Getenv("PAYCORE_GATEWAY_WEBHOOK_SECRET_" + up); sec != "" {
			hc.Secret = []byte(sec)
		} else if c.Sandbox {
			hc.Secret = []byte("sandbox_" + string(g) + "_webhook_secret")
		}
		for _, p := range strings.Split(os.Getenv("PAYCORE_GATEWAY_WEBHOOK_SOURCES_"+up), ",") {
			if p = strings.TrimSpace(p); p == "" {
				continue
			}
			pf, err := netip.ParsePrefix(p)
			if err != nil {
				return c, fmt.Errorf("PAYCORE_GATEWAY_WEBHOOK_SOURCES_%s: %w", up, err)
			}
			hc.Sources = append(hc.Sources, pf)
		}
		if len(hc.Secret) > 0 {
			c.GatewayHooks[g] = hc
		}
	}
	c.SMS = smsConfig{
		Provider: getenv("SMS_PROVIDER", "log"), BaseURL: os.Getenv("SMS_BASE_URL"),
		APIKey: os.Getenv("SMS_API_KEY"), SenderID: os.Getenv("SMS_SENDER_ID"), AccountSID: os.Getenv("SMS_ACCOUNT_SID"),
	}
	if !c.Sandbox && c.Bkash.BaseURL == "" {
		return c, errors.New("BKASH_BASE_URL (and BKASH_USERNAME, BKASH_PASSWORD, BKASH_APP_KEY, BKASH_APP_SECRET) are required outside sandbox mode")
	}
	return c, nil
}

// loadRedirectGW reads the redirect gateway's REDIRECTGW_* variables.
func loadRedirectGW(c *config) error {
	r := redirectGWConfig{BaseURL: os.Getenv("REDIRECTGW_BASE_URL"), APIKey: os.Getenv("REDIRECTGW_API_KEY"),
		ClientBaseURL: os.Getenv("REDIRECTGW_CLIENT_BASE_URL"), VerifyURL: os.Getenv("REDIRECTGW_VERIFY_URL")}
	if strings.EqualFold(r.VerifyURL, "none") {
		r.VerifyURL, r.NoVerify = "", true
	}
	switch k := os.Getenv("REDIRECTGW_RETURN_KEY"); {
	case len(k) >= 32:
		r.ReturnKey = []byte(k)
	case k != "":
		return errors.New("REDIRECTGW_RETURN_KEY must be at least 32 characters")
	case c.Sandbox:
		r.ReturnKey = []byte(sandboxReturnKey)
	case r.BaseURL != "":
		return errors.New("REDIRECTGW_RETURN_KEY (32+ random characters, the same on every node) is required with REDIRECTGW_BASE_URL")
	}
	if v := os.Getenv("REDIRECTGW_RETURN_TTL"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return fmt.Errorf("REDIRECTGW_RETURN_TTL must be a positive duration such as 1h")
		}
		r.ReturnTTL = d
	}
	if v := os.Getenv(redirectgw.EnvTrustSignedReturn); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("%s: %w", redirectgw.EnvTrustSignedReturn, err)
		}
		r.TrustSignedReturn = b
	}
	c.RedirectGW = r
	return nil
}
