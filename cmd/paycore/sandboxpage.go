package main

import (
	"net/http"

	"github.com/paycore/paycore/adapters/sandboxui"
	"github.com/paycore/paycore/examples/storefront"
)

const prefixShop = "/sandbox/shop"

// sandboxPages mounts what sandbox mode shows a developer: the sandbox's
// index at /sandbox (SMS inbox, webhooks received, simulators' stats and
// fault switches, demo credentials) — reading this node's own simulators,
// or those of the `paycore sandbox` at PAYCORE_SANDBOX_URL — and the
// storefront example at /sandbox/shop, paying as the demo client.
func (s *server) sandboxPages(mounts map[string]http.Handler) {
	cfg := sandboxui.Config{
		SMSPrefix: prefixSMS, MerchantPrefix: prefixMerchant,
		Simulators: []sandboxui.Simulator{
			{Name: "bkash", Title: "bKash", Prefix: prefixBkash},
			{Name: "nagad", Title: "Nagad", Prefix: prefixNagad},
			{Name: "redirectgw", Title: "Redirect gateway", Prefix: prefixRedirectGW},
			{Name: "sms", Title: "SMS (BulkSMSBD, GreenWeb)", Prefix: prefixSMS},
		},
		Demo: sandboxui.Demo{ClientID: demoClientID, APIKey: demoAPIKey, APISecret: demoAPISecret,
			WebhookSecret: demoWebhookSecret},
		Links: []sandboxui.Link{
			{Title: "Storefront example (an SPA paying through GraphQL)", Href: "/sandbox/shop"},
			{Title: "GraphQL endpoint", Href: "/graphql"},
			{Title: "REST v1 OpenAPI document", Href: "/api/v1/openapi.json"},
		},
	}
	if s.sims != nil {
		mux := http.NewServeMux()
		for prefix, h := range s.sims.handlers() {
			mux.Handle(prefix+"/", h)
		}
		cfg.Client = sandboxui.HandlerClient(mux)
	} else {
		cfg.Root = s.cfg.SandboxURL
	}
	mounts["/sandbox"] = sandboxui.New(cfg)
	hooks := s.cfg.BaseURL
	if s.sims == nil {
		hooks = s.cfg.SandboxURL
	}
	shop := http.StripPrefix(prefixShop, storefront.New(storefront.Config{
		PaycoreURL: s.cfg.BaseURL, APIKey: demoAPIKey, APISecret: demoAPISecret,
		ShopURL: s.cfg.BaseURL + prefixShop, WebhookURL: hooks + prefixMerchant + "/webhook",
	}))
	mounts[prefixShop] = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == prefixShop { // the SPA's relative URLs need the slash
			http.Redirect(w, r, prefixShop+"/", http.StatusMovedPermanently)
			return
		}
		shop.ServeHTTP(w, r)
	})
}
