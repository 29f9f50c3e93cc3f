package rest

import (
	"errors"
	"io"
	"net/http"
	"net/netip"

	"github.com/paycore/paycore/adapters/httpauth"
	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/ports"
)

// loggedIPNHeaders are the request headers kept with each IPN.
var loggedIPNHeaders = []string{"Content-Type", "User-Agent", "X-Amz-Sns-Message-Type", "X-Amz-Sns-Message-Id",
	"X-Amz-Sns-Topic-Arn", "X-Forwarded-For"}

// bkashIPN serves POST /callbacks/bkash/ipn: bKash's server-to-server
// notifications, AWS SNS messages (docs/gateways/bkash.md §12). The
// message's signature is verified with its allow-listed certificate; a
// SubscriptionConfirmation is confirmed; a Notification is a claim handed
// to app.GatewayHooks.HandleClaim, which settles nothing by itself.
// Answers: 200 {"verdict",…} for a verified message (SNS stops retrying),
// 403 for a refused one (bad signature, certificate host not allowed), 502
// when the certificate could not be fetched or the subscription confirmed
// (SNS retries), 404 when IPN is not configured.
func (h *Handler) bkashIPN(w http.ResponseWriter, r *http.Request) {
	if h.ipn == nil {
		writeJSON(w, http.StatusNotFound, map[string]any{"success": false, "message": "Not Found", "code": 404})
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, httpauth.MaxBody+1))
	if err != nil || len(body) > httpauth.MaxBody {
		writeJSON(w, http.StatusRequestEntityTooLarge, map[string]any{"success": false, "message": "Request body too large", "code": 413})
		return
	}
	claim, isClaim, err := h.ipn.Read(r.Context(), body)
	switch {
	case errors.Is(err, ports.ErrNotificationRefused):
		h.log.Warn("bkash IPN refused", "err", err)
		writeJSON(w, http.StatusForbidden, map[string]any{"success": false, "message": "Notification refused", "code": 403})
		return
	case err != nil:
		h.log.Error("bkash IPN not processed", "err", err)
		writeJSON(w, http.StatusBadGateway, map[string]any{"success": false, "message": "Notification not processed", "code": 502})
		return
	case !isClaim:
		writeJSON(w, http.StatusOK, map[string]any{"success": true, "message": "Subscription message processed"})
		return
	}
	headers := map[string]string{}
	for _, k := range loggedIPNHeaders {
		if v := r.Header.Get(k); v != "" {
			headers[k] = v
		}
	}
	ip, _ := netip.ParseAddr(httpauth.ClientIP(r, h.proxy))
	res, err := h.app.GatewayHooks.HandleClaim(r.Context(), app.GatewayClaimInput{Claim: claim, SourceIP: ip, Headers: headers, Body: body})
	if err != nil {
		h.log.Error("bkash IPN", "err", err)
		writeJSON(w, http.StatusInternalServerError, map[string]any{"success": false, "message": "Internal Server Error", "code": 500})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"success": true, "message": "Notification processed",
		"data": map[string]string{"event_id": res.EventID, "verdict": res.Verdict, "detail": res.Detail}})
}
