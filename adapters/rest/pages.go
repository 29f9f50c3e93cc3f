package rest

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

var gatewayNames = map[domain.Gateway]string{
	domain.GatewayBkash:      "bKash",
	domain.GatewayNagad:      "Nagad",
	domain.GatewayRedirectGW: "Card / other (redirect gateway)",
	domain.GatewaySSLCommerz: "Card, mobile or internet banking (SSLCommerz)",
}

// basePage is the layout; each page defines "title", "meta" and "body".
var basePage = template.Must(template.New("base").Parse(`<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">{{template "meta" .}}
<title>{{template "title" .}}</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#222}
.amount{font-size:2rem;font-weight:600}.muted{color:#666}button,.btn{display:block;width:100%;padding:.8rem;margin:.5rem 0;
font-size:1rem;border:0;border-radius:.4rem;background:#e2136e;color:#fff;text-align:center;text-decoration:none;cursor:pointer}
.btn.secondary{background:#555}.ok{color:#0a7d28}.bad{color:#b00020}</style></head><body>
{{template "body" .}}</body></html>{{define "meta"}}{{end}}`))

func page(defs string) *template.Template {
	return template.Must(template.Must(basePage.Clone()).Parse(defs))
}

var checkoutPage = page(`{{define "title"}}Pay {{.Merchant}}{{end}}{{define "body"}}
<p class="muted">Pay {{.Merchant}} · order {{.OrderID}}</p>
<p class="amount" id="amount">{{.Amount}} {{.Currency}}</p>
{{if .Payable}}
  {{if .LastFailure}}<p class="bad" id="last-failure">{{.LastFailure}}</p>{{end}}
  {{range .Gateways}}<form method="post" action="/pay/{{$.TransactionID}}/{{.Code}}">
    <button type="submit" name="gateway" value="{{.Code}}">Pay with {{.Name}}</button></form>
  {{else}}<p class="bad" id="no-gateway">No payment method takes this amount.</p>{{end}}
{{else}}
  <p id="status">This payment is <b>{{.Status}}</b>.</p>
  <a class="btn secondary" href="{{.ReturnURL}}">Return to {{.Merchant}}</a>
{{end}}{{end}}`)

var resultPage = page(`{{define "meta"}}{{if .AutoReturn}}<meta http-equiv="refresh" content="5;url={{.ReturnURL}}">{{end}}{{end}}
{{define "title"}}Payment {{.Headline}}{{end}}{{define "body"}}
<p class="muted">{{.Merchant}} · order {{.OrderID}} · {{.Amount}} {{.Currency}}</p>
<h1 id="headline" class="{{.Class}}">{{.Headline}}</h1>
{{if .Message}}<p id="message">{{.Message}}</p>{{end}}
{{if .TrxID}}<p>Transaction ID: <b id="trx-id">{{.TrxID}}</b></p>{{end}}
{{if .Retry}}<a class="btn" href="/pay/{{.TransactionID}}">Try again</a>{{end}}
<a class="btn secondary" id="return" href="{{.ReturnURL}}">Return to {{.Merchant}}</a>{{end}}`)

type gatewayButton struct {
	Code domain.Gateway
	Name string
}

// returnURL is the merchant's return_url with transaction_id and status
// added to whatever query it already has.
func returnURL(p *domain.Payment) string {
	u, err := url.Parse(p.Order.ReturnURL)
	if err != nil {
		return p.Order.ReturnURL
	}
	q := u.Query()
	q.Set("transaction_id", p.ID)
	q.Set("status", string(p.Status()))
	u.RawQuery = q.Encode()
	return u.String()
}

// checkout serves GET /pay/{transaction_id}: amount, merchant and a button
// per active gateway.
func (h *Handler) checkout(w http.ResponseWriter, r *http.Request) {
	v, err := h.app.Payments.HostedPage(r.Context(), chi.URLParam(r, "transaction_id"))
	if err != nil {
		h.pageError(w, r, err)
		return
	}
	p := v.Payment
	data := map[string]any{
		"TransactionID": p.ID, "Merchant": v.MerchantName, "OrderID": p.Order.OrderID,
		"Amount": p.Amount.Decimal(), "Currency": p.Amount.Currency().Code,
		"Payable": p.Payable(h.clock.Now()), "Status": p.Status(), "ReturnURL": returnURL(p),
	}
	if a := v.LastAttempt(); a != nil && (a.Status() == domain.AttemptFailed || a.Status() == domain.AttemptCancelled) {
		data["LastFailure"] = "Your last attempt did not go through: " + failureText(a)
	}
	var buttons []gatewayButton
	for _, g := range v.Gateways {
		buttons = append(buttons, gatewayButton{Code: g, Name: gatewayNames[g]})
	}
	data["Gateways"] = buttons
	h.render(w, http.StatusOK, checkoutPage, data)
}

// startAttempt serves POST /pay/{transaction_id}/{gateway}: 303 to the
// gateway's page.
func (h *Handler) startAttempt(w http.ResponseWriter, r *http.Request) {
	g, err := domain.ParseGateway(chi.URLParam(r, "gateway"))
	if err != nil {
		h.pageError(w, r, domain.ErrNotFound)
		return
	}
	to, err := h.app.Attempts.Start(r.Context(), chi.URLParam(r, "transaction_id"), g)
	if err != nil {
		h.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// bkashCallback serves GET /callbacks/bkash?paymentID=…&status=…&signature=…
// (docs/gateways/bkash.md §6). The query is a claim, not proof: app.HandleCallback
// executes only for status=success and only execute's answer counts.
func (h *Handler) bkashCallback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	ref, status := q.Get("paymentID"), q.Get("status")
	if ref == "" || status == "" {
		h.page(w, http.StatusBadRequest, "Invalid callback", "The payment gateway's return is missing paymentID or status.")
		return
	}
	res, err := h.app.Attempts.HandleCallback(r.Context(), app.CallbackInput{
		Gateway: domain.GatewayBkash, GatewayRef: ref,
		Status: app.CallbackStatus(status), Signature: q.Get("signature"),
	})
	if err != nil {
		h.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/pay/"+res.Payment.ID+"/result?attempt="+url.QueryEscape(res.Attempt.ID), http.StatusSeeOther)
}

// nagadCallback serves GET /callbacks/nagad[/]?merchant=…&order_id=…&
// payment_ref_id=…&status=…&status_code=…&… (docs/gateways/nagad.md §7.1).
// Nothing in the
// query is trusted: whatever its status says, app.HandleCallback verifies
// the attempt's own payment reference with Nagad (Nagad is a
// ports.CallbackVerifier), and only verify's answer counts.
func (h *Handler) nagadCallback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	// The reference is base64: a "+" sent unescaped arrives as a space
	// (docs/gateways/nagad.md §7.2); base64 has no spaces.
	ref := strings.ReplaceAll(q.Get("payment_ref_id"), " ", "+")
	if ref == "" {
		h.page(w, http.StatusBadRequest, "Invalid callback", "The payment gateway's return is missing payment_ref_id.")
		return
	}
	params := make(map[string]string, len(q))
	for k := range q {
		params[k] = q.Get(k)
	}
	params["payment_ref_id"] = ref
	res, err := h.app.Attempts.HandleCallback(r.Context(), app.CallbackInput{
		Gateway: domain.GatewayNagad, GatewayRef: ref,
		Status: app.CallbackStatus(strings.ToLower(q.Get("status"))), Params: params,
	})
	if err != nil {
		h.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/pay/"+res.Payment.ID+"/result?attempt="+url.QueryEscape(res.Attempt.ID), http.StatusSeeOther)
}

// signedReturn serves a gateway's return to one of paycore's signed return
// URLs: GET /callbacks/redirectgw/success?att=…&amt=…&cur=…&exp=…&ret=…&mac=…
// &transaction_id=… and …/cancel?… (docs/gateways/redirectgw.md §3.3). The
// attempt
// is the one the signature names; a forged, expired, replayed or already
// used return is refused and changes nothing.
func (h *Handler) signedReturn(g domain.Gateway, kind ports.ReturnKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		res, err := h.app.Attempts.HandleReturn(r.Context(), app.ReturnInput{Gateway: g, Kind: kind, Query: r.URL.Query()})
		switch {
		case errors.Is(err, ports.ErrReturnExpired):
			h.page(w, http.StatusBadRequest, "Payment return expired",
				"This payment return link has expired. If you paid, the merchant will be told once the payment is confirmed.")
		case errors.Is(err, ports.ErrBadReturn):
			h.page(w, http.StatusBadRequest, "Invalid payment return", "This payment return could not be verified.")
		case errors.Is(err, app.ErrTrxReused):
			h.page(w, http.StatusConflict, "Payment return refused",
				"This gateway transaction was already used for another payment.")
		case errors.Is(err, app.ErrReturnUsed) && res.Payment != nil && res.Attempt != nil:
			h.render(w, http.StatusConflict, usedReturnPage, map[string]string{
				"ResultURL": "/pay/" + res.Payment.ID + "/result?attempt=" + url.QueryEscape(res.Attempt.ID)})
		case errors.Is(err, app.ErrReturnUsed):
			h.page(w, http.StatusConflict, "Payment return already used", "This payment return was already used; it changes nothing.")
		case err != nil:
			h.pageError(w, r, err)
		default:
			http.Redirect(w, r, "/pay/"+res.Payment.ID+"/result?attempt="+url.QueryEscape(res.Attempt.ID), http.StatusSeeOther)
		}
	}
}

var usedReturnPage = page(`{{define "title"}}Payment return already used{{end}}{{define "body"}}
<h1>Payment return already used</h1>
<p id="message">This payment return was already used; it changes nothing.</p>
<a class="btn secondary" href="{{.ResultURL}}">See the payment</a>{{end}}`)

// result serves GET /pay/{transaction_id}/result?attempt=…: what happened,
// in the gateway's own words, then on to the merchant's return_url.
func (h *Handler) result(w http.ResponseWriter, r *http.Request) {
	v, err := h.app.Payments.HostedPage(r.Context(), chi.URLParam(r, "transaction_id"))
	if err != nil {
		h.pageError(w, r, err)
		return
	}
	p := v.Payment
	a := v.LastAttempt()
	if id := r.URL.Query().Get("attempt"); id != "" {
		for _, x := range v.Attempts {
			if x.ID == id {
				a = x
			}
		}
	}
	data := map[string]any{
		"TransactionID": p.ID, "Merchant": v.MerchantName, "OrderID": p.Order.OrderID,
		"Amount": p.Amount.Decimal(), "Currency": p.Amount.Currency().Code, "ReturnURL": returnURL(p),
	}
	switch {
	case p.Status() == domain.StatusSuccess || (a != nil && a.Status() == domain.AttemptSucceeded):
		data["Headline"], data["Class"], data["TrxID"], data["AutoReturn"] = "Payment successful", "ok", p.TrxID, true
		if a != nil && a.TrxID != "" {
			data["TrxID"] = a.TrxID
		}
	case p.Status() == domain.StatusProcessing || (a != nil && (a.Status() == domain.AttemptConfirming || a.Status() == domain.AttemptUnresolved)):
		data["Headline"], data["Class"] = "Payment still processing", "muted"
		data["Message"] = "We are confirming your payment with the gateway. You will not be charged twice; the merchant is told as soon as it is settled."
	case a != nil && a.Status() == domain.AttemptCancelled:
		data["Headline"], data["Class"], data["Message"] = "Payment cancelled", "bad", "You cancelled the payment. No money was taken."
		data["Retry"] = p.Payable(h.clock.Now())
	case a != nil && a.Status() == domain.AttemptFailed:
		data["Headline"], data["Class"], data["Message"] = "Payment failed", "bad", failureText(a)
		data["Retry"] = p.Payable(h.clock.Now())
	default:
		data["Headline"], data["Class"] = "Payment "+string(p.Status()), "muted"
		data["Retry"] = p.Payable(h.clock.Now())
	}
	h.render(w, http.StatusOK, resultPage, data)
}

// failureText is the gateway's statusMessage (docs/gateways/bkash.md §2.6)
// or, for a failure/cancel callback, "Payment failed" (§2.4).
func failureText(a *domain.Attempt) string {
	if a.FailureMessage != "" {
		return a.FailureMessage
	}
	if a.Status() == domain.AttemptCancelled {
		return "Payment cancelled"
	}
	return "Payment failed"
}

var simplePage = page(`{{define "title"}}{{.Title}}{{end}}{{define "body"}}<h1>{{.Title}}</h1><p id="message">{{.Message}}</p>{{end}}`)

func (h *Handler) page(w http.ResponseWriter, status int, title, msg string) {
	h.render(w, status, simplePage, map[string]string{"Title": title, "Message": msg})
}

// pageError renders a use-case error for a browser.
func (h *Handler) pageError(w http.ResponseWriter, r *http.Request, err error) {
	var (
		ge *ports.GatewayError
		ve *domain.ValidationError
	)
	switch {
	case errors.Is(err, domain.ErrNotFound):
		h.page(w, http.StatusNotFound, "Payment not found", "There is no such payment.")
	case errors.As(err, &ve):
		h.page(w, http.StatusUnprocessableEntity, "Payment method not available", strings.Join(ve.Fields["amount"], " ")+" No money was taken.")
	case errors.Is(err, app.ErrMerchantSuspended):
		h.page(w, http.StatusForbidden, "Payment unavailable", "This merchant cannot take payments at the moment. No money was taken.")
	case errors.Is(err, domain.ErrNotPayable):
		h.page(w, http.StatusConflict, "Payment not payable", "This payment can no longer be paid.")
	case errors.Is(err, domain.ErrGatewayUnavailable):
		h.page(w, http.StatusNotFound, "Gateway unavailable", "This payment method is not available.")
	case errors.As(err, &ge):
		h.page(w, http.StatusBadGateway, "Payment could not be started", ge.Message)
	default:
		h.log.Error("page", "path", r.URL.Path, "err", err)
		h.page(w, http.StatusBadGateway, "Payment could not be started", "The payment gateway did not answer as expected. Please try again.")
	}
}

func (h *Handler) render(w http.ResponseWriter, status int, t *template.Template, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' https: http:; frame-ancestors 'none'")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	if err := t.ExecuteTemplate(w, "base", data); err != nil {
		h.log.Error("render page", "err", err)
	}
}
