package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"net/url"
	"strings"

	"github.com/paycore/paycore/adapters/postgres"
	"github.com/paycore/paycore/adapters/secret"
	"github.com/paycore/paycore/domain"
)

// Production start-up (PAYCORE_SANDBOX=0) refuses what is only safe in
// sandbox mode, naming the setting: sandbox keys, weak keys, plain-HTTP
// public or gateway URLs, and a database holding the sandbox demo client.

const (
	// minDistinctKeyBytes: a random 32-byte master key has about 30
	// distinct bytes; 16 or fewer means it was not drawn at random.
	minDistinctKeyBytes = 16
	// minDistinctKeyChars and minKeyBits bound a text key (token key,
	// redirect gateway return key): its distinct characters and its
	// entropy estimated from character frequencies (length × Shannon
	// entropy per character). 32 random hex digits estimate ~110 bits.
	minDistinctKeyChars = 8
	minKeyBits          = 96
	// minHookSecretLen is the shortest gateway webhook secret.
	minHookSecretLen = 16
)

// checkProduction returns the first unsafe setting of a production
// configuration (nil in sandbox mode).
func checkProduction(c config) error {
	if c.Sandbox {
		return nil
	}
	switch {
	case bytes.Equal(c.MasterKey, secret.SandboxKey()):
		return errors.New("PAYCORE_MASTER_KEY is the sandbox master key: generate one (openssl rand -hex 32)")
	case distinct(c.MasterKey) <= minDistinctKeyBytes:
		return errors.New("PAYCORE_MASTER_KEY is weak (too few distinct bytes to be random): generate one (openssl rand -hex 32)")
	}
	if err := checkTextKey("PAYCORE_TOKEN_KEY", c.TokenKey, sandboxTokenKey); err != nil {
		return err
	}
	if c.RedirectGW.ReturnKey != nil {
		if err := checkTextKey("REDIRECTGW_RETURN_KEY", c.RedirectGW.ReturnKey, sandboxReturnKey); err != nil {
			return err
		}
	}
	for _, h := range []struct {
		g      domain.Gateway
		secret string
	}{{domain.GatewayBkash, c.Hooks.SecretBkash}, {domain.GatewayNagad, c.Hooks.SecretNagad}, {domain.GatewayRedirectGW, c.Hooks.SecretRedirectGW}} {
		name := "PAYCORE_GATEWAY_WEBHOOK_SECRET_" + strings.ToUpper(string(h.g))
		switch {
		case h.secret == "":
		case h.secret == "sandbox_"+string(h.g)+"_webhook_secret":
			return fmt.Errorf("%s is the sandbox secret", name)
		case len(h.secret) < minHookSecretLen:
			return fmt.Errorf("%s is weak: at least %d characters", name, minHookSecretLen)
		}
	}
	for _, u := range []struct{ name, value string }{
		{"PAYCORE_BASE_URL", c.BaseURL},
		{"BKASH_BASE_URL", c.Bkash.BaseURL},
		{"NAGAD_BASE_URL", c.Nagad.BaseURL},
		{"REDIRECTGW_BASE_URL", c.RedirectGW.BaseURL},
		{"REDIRECTGW_CLIENT_BASE_URL", c.RedirectGW.ClientBaseURL},
		{"REDIRECTGW_VERIFY_URL", c.RedirectGW.VerifyURL},
		{"SMS_BASE_URL", c.SMS.BaseURL},
		{"SSLCOMMERZ_BASE_URL", c.SSLCommerz.BaseURL},
	} {
		if u.value == "" && u.name != "PAYCORE_BASE_URL" {
			continue
		}
		if p, err := url.Parse(u.value); err != nil || p.Scheme != "https" || p.Host == "" {
			return fmt.Errorf("%s must be an https:// URL outside sandbox mode (got %q)", u.name, u.value)
		}
	}
	return nil
}

// checkTextKey refuses a sandbox or weak text key.
func checkTextKey(name string, key []byte, sandboxKey string) error {
	switch {
	case string(key) == sandboxKey:
		return fmt.Errorf("%s is the sandbox key: use %d+ random characters (openssl rand -hex 32)", name, minKeyLen)
	case len(key) < minKeyLen:
		return fmt.Errorf("%s is weak: at least %d characters", name, minKeyLen)
	case distinct(key) < minDistinctKeyChars || estimatedBits(key) < minKeyBits:
		return fmt.Errorf("%s is weak (low entropy): use %d+ random characters (openssl rand -hex 32)", name, minKeyLen)
	}
	return nil
}

func distinct(b []byte) int {
	var seen [256]bool
	n := 0
	for _, c := range b {
		if !seen[c] {
			seen[c], n = true, n+1
		}
	}
	return n
}

// estimatedBits is len(b) × the Shannon entropy of b's byte frequencies.
func estimatedBits(b []byte) float64 {
	var counts [256]int
	for _, c := range b {
		counts[c]++
	}
	h := 0.0
	for _, n := range counts {
		if n > 0 {
			p := float64(n) / float64(len(b))
			h -= p * math.Log2(p)
		}
	}
	return h * float64(len(b))
}

// checkNoDemoClient refuses a production start on a database that holds the
// sandbox demo client or its key (whose secrets are public).
func checkNoDemoClient(ctx context.Context, db *postgres.DB) error {
	found, err := db.HasClientOrKey(ctx, demoClientID, demoAPIKey)
	if err != nil {
		return err
	}
	if found {
		return fmt.Errorf("PAYCORE_SANDBOX=0 but the database holds the sandbox demo client (%s, API key %s, public secret): "+
			"serve production from a database never used in sandbox mode, or delete that client and its key", demoClientID, demoAPIKey)
	}
	return nil
}
