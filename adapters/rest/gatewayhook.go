package rest

import (
	"io"
	"net/http"
	"net/netip"

	"github.com/paycore/paycore/adapters/httpauth"
	"github.com/paycore/paycore/app"
)

// gatewayHookPath is the gateways' status-update route.
const gatewayHookPath = "/api/v1/webhook"

// loggedHookHeaders are the request headers kept with each incoming
// gateway webhook.
var loggedHookHeaders = []string{"Content-Type", "User-Agent", "X-Gateway", "X-Webhook-Id", "X-Webhook-Signature",
	"X-Webhook-Event", "X-Forwarded-For"}

// gatewayWebhook: POST /api/v1/webhook (docs/merchant-api.md §9) — gateways'
// status updates. The gateway is named by X-Gateway (or ?gateway=), signs like
// paycore's own webhooks (X-Webhook-Signature) with its own secret, and may
// be held to source networks. 200 accepted (also for a replayed event id,
// "duplicate"), 401 bad signature, 403 wrong source, 404 unknown gateway or
// transaction, 422 an event that does not fit.
func (a *API) gatewayWebhook(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, httpauth.MaxBody+1))
	if err != nil {
		fail(w, http.StatusBadRequest, "Could not read the request body")
		return
	}
	if len(body) > httpauth.MaxBody {
		fail(w, http.StatusRequestEntityTooLarge, "Request body too large")
		return
	}
	gw := r.Header.Get("X-Gateway")
	if gw == "" {
		gw = r.URL.Query().Get("gateway")
	}
	headers := map[string]string{}
	for _, h := range loggedHookHeaders {
		if v := r.Header.Get(h); v != "" {
			headers[h] = v
		}
	}
	ip, _ := netip.ParseAddr(a.clientIP(r))
	res, err := a.app.GatewayHooks.Handle(r.Context(), app.GatewayHookInput{Gateway: gw, SourceIP: ip, Headers: headers, Body: body})
	if err != nil {
		a.failErr(w, r, err)
		return
	}
	msg := "Webhook accepted"
	if res.Verdict == "duplicate" {
		msg = "Webhook already processed"
	}
	ok(w, http.StatusOK, msg, map[string]string{"event_id": res.EventID, "verdict": res.Verdict, "detail": res.Detail})
}
