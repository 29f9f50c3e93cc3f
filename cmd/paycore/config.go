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

	Bkash bkashConfig
	SMS   smsConfig
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
