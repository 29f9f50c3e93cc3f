package main

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/paycore/paycore/adapters/bkash"
	"github.com/paycore/paycore/adapters/bkashsim"
	"github.com/paycore/paycore/adapters/nagad"
	"github.com/paycore/paycore/adapters/postgres"
	"github.com/paycore/paycore/adapters/redirectgw"
	"github.com/paycore/paycore/adapters/sslcommerz"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// Gateway wiring: configuration in, adapter out. What a gateway does
// (confirm, verify, refunds, reconciliation, review decisions) is its
// adapter's: adapters/bkash, adapters/nagad, adapters/redirectgw.

// gatewayObserver records one gateway call for health (GET
// /api/v1/gateways/health).
type gatewayObserver func(g domain.Gateway, op, outcome string, httpStatus int, d time.Duration)

// newNagadGateway builds Nagad from configuration (sandbox mode filled it
// in: config.useSandbox). It returns nil when Nagad is not configured.
func newNagadGateway(cfg config, log *slog.Logger, clock ports.Clock, observe gatewayObserver) (*nagad.Client, error) {
	nc := cfg.Nagad
	if nc.BaseURL == "" {
		return nil, nil
	}
	c, err := nagad.New(nagad.Config{
		BaseURL: nc.BaseURL, MerchantID: nc.MerchantID, MerchantNumber: nc.MerchantNumber,
		MerchantPrivateKey: nc.MerchantPrivateKey, PGPublicKey: nc.PGPublicKey,
		CallbackURL: cfg.BaseURL + "/callbacks/nagad", ClientIP: nc.ClientIP, ServiceName: nc.ServiceName,
		Clock: clock, Logger: log,
		Observe: func(c nagad.Call) {
			observe(domain.GatewayNagad, c.Op, c.Outcome, c.HTTPStatus, c.Duration)
		},
	})
	if err != nil {
		return nil, fmt.Errorf("nagad: %w", err)
	}
	return c, nil
}

// newRedirectGateway builds the redirect gateway from configuration
// (sandbox mode filled it in: config.useSandbox; REDIRECTGW_VERIFY_URL=none
// still means no verify endpoint). It returns nil when it is not
// configured.
func newRedirectGateway(cfg config, log *slog.Logger, clock ports.Clock, observe gatewayObserver) (*redirectgw.Client, error) {
	rc := cfg.RedirectGW
	if rc.BaseURL == "" {
		return nil, nil
	}
	if rc.NoVerify {
		rc.VerifyURL = ""
	}
	c, err := redirectgw.New(redirectgw.Config{
		BaseURL: rc.BaseURL, APIKey: rc.APIKey, ClientBaseURL: rc.ClientBaseURL, CallbackBaseURL: cfg.BaseURL,
		ReturnKey: rc.ReturnKey, ReturnTTL: rc.ReturnTTL, VerifyURL: rc.VerifyURL, TrustSignedReturn: rc.TrustSignedReturn,
		Clock: clock, Logger: log,
		Observe: func(c redirectgw.Call) {
			observe(domain.GatewayRedirectGW, c.Op, c.Outcome, c.HTTPStatus, c.Duration)
		},
	})
	if err != nil {
		return nil, fmt.Errorf("redirectgw: %w", err)
	}
	return c, nil
}

// newBkashClient builds the bKash adapter from configuration; in sandbox
// mode without BKASH_BASE_URL (admin commands: serve's config.useSandbox
// has filled it in) it points at the sandbox's bKash simulator with the
// simulator's default credentials. The id_token lives in PostgreSQL
// (shared by every node).
func newBkashClient(cfg config, db *postgres.DB, log *slog.Logger, clock ports.Clock, observe func(bkash.Call), reg prometheus.Registerer) (*bkash.Client, error) {
	bk := cfg.Bkash
	if cfg.Sandbox && bk.BaseURL == "" {
		creds := bkashsim.DefaultCredentials()
		bk = bkashConfig{BaseURL: sandboxRoot(cfg) + prefixBkash + bkashsim.APIPrefix,
			Username: creds.Username, Password: creds.Password, AppKey: creds.AppKey, AppSecret: creds.AppSecret}
	}
	c, err := bkash.New(bkash.Config{
		BaseURL: bk.BaseURL, Username: bk.Username, Password: bk.Password,
		AppKey: bk.AppKey, AppSecret: bk.AppSecret,
		CallbackURL: cfg.BaseURL + "/callbacks/bkash", Clock: clock, Logger: log, Observe: observe, Metrics: reg,
	}, postgres.NewTokenStore[bkash.Token](db, "bkash"))
	if err != nil {
		return nil, fmt.Errorf("bkash: %w", err)
	}
	return c, nil
}

// newSSLCommerzGateway builds SSLCommerz from configuration (sandbox mode
// filled it in: config.useSandbox). It returns nil when it is not
// configured.
func newSSLCommerzGateway(cfg config, log *slog.Logger, observe gatewayObserver) (*sslcommerz.Client, error) {
	sc := cfg.SSLCommerz
	if sc.BaseURL == "" {
		return nil, nil
	}
	c, err := sslcommerz.New(sslcommerz.Config{
		BaseURL: sc.BaseURL, StoreID: sc.StoreID, StorePasswd: sc.StorePasswd, CallbackBaseURL: cfg.BaseURL,
		MultiCardName: sc.MultiCardName, Logger: log,
		Observe: func(c sslcommerz.Call) {
			observe(domain.GatewaySSLCommerz, c.Op, c.Outcome, c.HTTPStatus, c.Duration)
		},
	})
	if err != nil {
		return nil, fmt.Errorf("sslcommerz: %w", err)
	}
	return c, nil
}
