package rest

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// sslcommerzForm reads an SSLCommerz POST (urlencoded, at most 64 KiB) as
// the first value of each field, and its tran_id (the attempt).
func sslcommerzForm(w http.ResponseWriter, r *http.Request) (map[string]string, string, bool) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		return nil, "", false
	}
	params := make(map[string]string, len(r.PostForm))
	for k := range r.PostForm {
		params[k] = r.PostForm.Get(k)
	}
	ref := params["tran_id"]
	return params, ref, ref != ""
}

// sslcommerzCallback hands a signed SSLCommerz post to app.HandleCallback:
// SSLCommerz is a ports.CallbackAuthenticator (verify_sign is checked before
// the attempt is touched) and a ports.CallbackVerifier (the validation API
// decides, whatever status the post claims).
func (h *Handler) sslcommerzCallback(r *http.Request, params map[string]string, ref string) (app.AttemptResult, error) {
	return h.app.Attempts.HandleCallback(r.Context(), app.CallbackInput{
		Gateway: domain.GatewaySSLCommerz, GatewayRef: ref,
		Status: app.CallbackStatus(strings.ToLower(params["status"])), Params: params,
	})
}

// sslcommerzReturn serves POST /callbacks/sslcommerz/{success,fail,cancel}:
// the customer's browser, posted back cross-site by SSLCommerz's page
// (docs/gateways/sslcommerz.md §3). Nothing depends on a cookie (a
// cross-site POST carries none): the post names the attempt (tran_id), and
// the browser is sent on to the result page.
func (h *Handler) sslcommerzReturn(w http.ResponseWriter, r *http.Request) {
	params, ref, ok := sslcommerzForm(w, r)
	if !ok {
		h.page(w, http.StatusBadRequest, "Invalid payment return", "The payment gateway's return is missing tran_id.")
		return
	}
	res, err := h.sslcommerzCallback(r, params, ref)
	switch {
	case errors.Is(err, ports.ErrBadReturn):
		h.page(w, http.StatusBadRequest, "Invalid payment return", "This payment return could not be verified.")
	case err != nil:
		h.pageError(w, r, err)
	default:
		h.log.Info("sslcommerz return", "route", chi.URLParam(r, "kind"), "attempt", res.Attempt.ID, "status", res.Attempt.Status())
		http.Redirect(w, r, "/pay/"+res.Payment.ID+"/result?attempt="+url.QueryEscape(res.Attempt.ID), http.StatusSeeOther)
	}
}

// sslcommerzIPN serves POST /callbacks/sslcommerz/ipn, SSLCommerz's
// server-to-server notification (docs/gateways/sslcommerz.md §4): the same
// path as a return, answered 200 once handled, 400 when its signature is
// refused, 404 for an unknown tran_id.
func (h *Handler) sslcommerzIPN(w http.ResponseWriter, r *http.Request) {
	params, ref, ok := sslcommerzForm(w, r)
	if !ok {
		writeJSON(w, http.StatusBadRequest, map[string]string{"status": "error", "message": "tran_id is required"})
		return
	}
	res, err := h.sslcommerzCallback(r, params, ref)
	switch {
	case errors.Is(err, ports.ErrBadReturn):
		writeJSON(w, http.StatusBadRequest, map[string]string{"status": "error", "message": "verify_sign refused"})
	case errors.Is(err, domain.ErrNotFound):
		writeJSON(w, http.StatusNotFound, map[string]string{"status": "error", "message": "unknown tran_id"})
	case err != nil:
		h.log.Error("sslcommerz ipn", "tran_id", ref, "err", err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "error", "message": "try again"})
	default:
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "attempt": string(res.Attempt.Status())})
	}
}
