package main

import (
	"fmt"
	"log/slog"
	"net/url"
	"slices"
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
		MinAmount: nc.NagadMinAmount.Money, MaxAmount: nc.NagadMaxAmount.Money,
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
		MinAmount: rc.RedirectGWMinAmount.Money, MaxAmount: rc.RedirectGWMaxAmount.Money,
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
// bkashTokenCacheTTL: a node reads the shared bKash token from the database
// at most this often (not before every create and execute); a 401 or an
// expiring token reads it at once (bkash.Config.TokenCacheTTL).
const bkashTokenCacheTTL = 30 * time.Second

func newBkashClient(cfg config, db *postgres.DB, log *slog.Logger, clock ports.Clock, observe func(bkash.Call), reg prometheus.Registerer) (*bkash.Client, error) {
	bk := cfg.Bkash
	if cfg.Sandbox && bk.BaseURL == "" {
		creds := bkashsim.DefaultCredentials()
		bk = bkashConfig{BaseURL: sandboxRoot(cfg) + prefixBkash + bkashsim.APIPrefix,
			Username: creds.Username, Password: creds.Password, AppKey: creds.AppKey, AppSecret: creds.AppSecret,
			BkashMaxAmount: bk.BkashMaxAmount}
	}
	c, err := bkash.New(bkash.Config{
		BaseURL: bk.BaseURL, Username: bk.Username, Password: bk.Password,
		AppKey: bk.AppKey, AppSecret: bk.AppSecret, MaxAmount: bk.BkashMaxAmount.Money,
		CallbackURL: cfg.BaseURL + "/callbacks/bkash", Clock: clock, Logger: log, Observe: observe, Metrics: reg,
		TokenCacheTTL: bkashTokenCacheTTL,
	}, postgres.NewTokenStore[bkash.Token](db, "bkash"))
	if err != nil {
		return nil, fmt.Errorf("bkash: %w", err)
	}
	return c, nil
}

// bkashGateway is the bKash client as paycore's gateway: refunds through
// the v1 API (the default) or, with BKASH_REFUND_API=v2, the v2 refund API
// (docs/gateways/bkash.md §9.3, §9.5); everything else is the same client.
func bkashGateway(cfg config, c *bkash.Client) (ports.PaymentGateway, error) {
	if cfg.Bkash.RefundAPI != bkash.RefundAPIv2 {
		return c, nil
	}
	g, err := c.WithRefundV2(cfg.Bkash.V2BaseURL)
	if err != nil {
		return nil, fmt.Errorf("BKASH_REFUND_API=v2: %w (set BKASH_V2_BASE_URL)", err)
	}
	return g, nil
}

// bkashIPNReader verifies bKash's IPNs (POST /callbacks/bkash/ipn):
// certificates and subscribe URLs only from BKASH_IPN_CERT_HOSTS (default
// sns.*.amazonaws.com), https only outside sandbox; sandbox mode also allows
// the bKash simulator's host, which signs the sandbox's IPNs.
func bkashIPNReader(cfg config, log *slog.Logger) *bkash.IPNReader {
	hosts := cfg.Bkash.IPNCertHosts
	if len(hosts) == 0 {
		hosts = bkash.DefaultIPNHosts
	}
	if cfg.Sandbox {
		if u, err := url.Parse(cfg.Bkash.BaseURL); err == nil && u.Host != "" {
			hosts = append(slices.Clone(hosts), u.Host)
		}
	}
	return bkash.NewIPNReader(bkash.IPNConfig{AllowedHosts: hosts, AllowHTTP: cfg.Sandbox, Logger: log})
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
