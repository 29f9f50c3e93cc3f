package rest

import (
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed assets
var assetFS embed.FS

// page parses the layout with one page's templates ("title", "body" and
// optionally "meta" and "scripts").
func page(name string) *template.Template {
	return template.Must(template.ParseFS(templateFS, "templates/base.html", "templates/"+name))
}

var (
	checkoutPage = page("checkout.html")
	resultPage   = page("result.html")
	messagePage  = page("message.html")
	homePage     = page("home.html")
)

// pageBase is what every customer page's layout needs.
type pageBase struct {
	L         *locale
	Sandbox   bool   // show the test-mode banner
	SwitchURL string // the language switch; "" → none
}

func (h *Handler) base(w http.ResponseWriter, r *http.Request, clientLang string) pageBase {
	l := pickLocale(w, r, clientLang)
	return pageBase{L: l, Sandbox: h.sandbox, SwitchURL: withLang(r, l.Other().Code)}
}

type gatewayButton struct {
	Code domain.Gateway
	Name string
	Hint string
}

type checkoutData struct {
	pageBase
	TransactionID, Merchant, OrderID, Amount string
	Payable                                  bool
	ExpiresMS                                int64  // expiry, Unix milliseconds, for the countdown
	Remaining                                string // the countdown as rendered
	LastFailure                              string
	Gateways                                 []gatewayButton
	CancelURL                                string // the shopper's way out while payable
	Done                                     string // why the payment cannot be paid
	BackURL                                  string // where the shopper goes when it cannot
}

// outcomeURL is where the browser goes after the payment: the merchant's
// return_url, or its cancel_url or failure_url when it gave one for how the
// payment went, with transaction_id and the payment's status added to
// whatever query it already has.
func outcomeURL(p *domain.Payment, o outcome) string {
	raw := p.Order.ReturnURL
	switch {
	case o == outcomeCancelled && p.Order.CancelURL != "":
		raw = p.Order.CancelURL
	case o == outcomeFailed && p.Order.FailureURL != "":
		raw = p.Order.FailureURL
	}
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	q := u.Query()
	q.Set("transaction_id", p.ID)
	q.Set("status", string(p.Status()))
	u.RawQuery = q.Encode()
	return u.String()
}

// outcome is how a payment went, as the shopper sees it.
type outcome int

const (
	outcomeOther     outcome = iota // success, processing, refunds: return_url
	outcomeCancelled                // the shopper cancelled
	outcomeFailed                   // the gateway refused, or time ran out
)

// paymentOutcome is how a payment that can no longer be paid ended.
func paymentOutcome(p *domain.Payment) outcome {
	switch p.Status() {
	case domain.StatusCancelled:
		return outcomeCancelled
	case domain.StatusFailed, domain.StatusExpired:
		return outcomeFailed
	}
	return outcomeOther
}

// checkout serves GET /pay/{transaction_id}: merchant, order, amount, time
// left, and a button per active gateway saying what the shopper will be
// asked for there.
func (h *Handler) checkout(w http.ResponseWriter, r *http.Request) {
	v, err := h.app.Payments.HostedPage(r.Context(), chi.URLParam(r, "transaction_id"))
	if err != nil {
		h.pageError(w, r, err)
		return
	}
	p := v.Payment
	now := h.clock.Now()
	d := checkoutData{pageBase: h.base(w, r, v.Language),
		TransactionID: p.ID, Merchant: v.MerchantName, OrderID: p.Order.OrderID,
		Payable: p.Payable(now), ExpiresMS: p.ExpiresAt.UnixMilli(),
	}
	l := d.L
	d.Amount, d.Remaining = l.Amount(p.Amount), l.Remaining(p.ExpiresAt.Sub(now))
	if d.Payable {
		d.CancelURL = outcomeURL(p, outcomeCancelled)
		if a := v.LastAttempt(); a != nil && (a.Status() == domain.AttemptFailed || a.Status() == domain.AttemptCancelled) {
			d.LastFailure = failureText(l, a)
		}
		for _, g := range v.Gateways {
			t := l.gateway(g)
			d.Gateways = append(d.Gateways, gatewayButton{Code: g, Name: t.Name, Hint: t.Hint})
		}
	} else {
		switch p.Status() {
		case domain.StatusSuccess, domain.StatusPartiallyRefunded, domain.StatusRefunded, domain.StatusDisputed:
			d.Done = l.T("pay.done.paid")
		case domain.StatusProcessing:
			d.Done = l.T("pay.done.wait")
		case domain.StatusExpired, domain.StatusPending:
			d.Done = l.T("pay.done.exp")
		default:
			d.Done = l.T("pay.done.other")
		}
		d.BackURL = outcomeURL(p, paymentOutcome(p))
	}
	h.render(w, http.StatusOK, checkoutPage, d)
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
			h.render(w, http.StatusConflict, messagePage, messageData{pageBase: pageBase{L: localeEN, Sandbox: h.sandbox},
				Title: "Payment return already used", Message: "This payment return was already used; it changes nothing.",
				LinkURL: "/pay/" + res.Payment.ID + "/result?attempt=" + url.QueryEscape(res.Attempt.ID), LinkText: "See the payment"})
		case errors.Is(err, app.ErrReturnUsed):
			h.page(w, http.StatusConflict, "Payment return already used", "This payment return was already used; it changes nothing.")
		case err != nil:
			h.pageError(w, r, err)
		default:
			http.Redirect(w, r, "/pay/"+res.Payment.ID+"/result?attempt="+url.QueryEscape(res.Attempt.ID), http.StatusSeeOther)
		}
	}
}

type resultData struct {
	pageBase
	Headline, Class, Message, Reason, Next string
	TransactionID, Merchant, OrderID       string
	Amount, TrxID, TrxLabel                string
	AutoReturn, Retry, Check               bool
	NextURL                                string // the merchant page for this outcome
	CheckURL                               string
}

// result serves GET /pay/{transaction_id}/result?attempt=…: what happened,
// in the shopper's words, what to do next, and the way on to the merchant's
// page for that outcome (return_url, cancel_url or failure_url).
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
	d := resultData{pageBase: h.base(w, r, v.Language), TransactionID: p.ID, Merchant: v.MerchantName,
		OrderID: p.Order.OrderID}
	l := d.L
	d.Amount = l.Amount(p.Amount)
	payable := p.Payable(h.clock.Now())
	o := outcomeOther
	switch {
	case p.Status() == domain.StatusSuccess || (a != nil && a.Status() == domain.AttemptSucceeded):
		d.Headline, d.Class, d.AutoReturn = l.T("res.ok"), "ok", true
		d.Message, d.Next = l.T("res.ok.msg", v.MerchantName, d.Amount), l.T("res.ok.next")
		d.TrxID = p.TrxID
		g := p.Gateway
		if a != nil && a.TrxID != "" {
			d.TrxID, g = a.TrxID, a.Gateway
		}
		d.TrxLabel = l.T("res.trx", l.gateway(g).Name)
	case p.Status() == domain.StatusProcessing || (a != nil && (a.Status() == domain.AttemptConfirming || a.Status() == domain.AttemptUnresolved)):
		d.Headline, d.Class = l.T("res.wait"), "muted"
		d.Message, d.Check = l.T("res.wait.msg", v.MerchantName), true
		d.CheckURL = r.URL.Path + "?" + r.URL.Query().Encode()
	case p.Status() == domain.StatusExpired:
		d.Headline, d.Class, d.Message, o = l.T("res.exp"), "bad", l.T("res.exp.msg"), outcomeFailed
	case p.Status() == domain.StatusRefunded || p.Status() == domain.StatusPartiallyRefunded:
		d.Headline, d.Class, d.Message = l.T("res.refunded"), "muted", l.T("res.refunded.msg")
	case p.Status() == domain.StatusCancelled || (a != nil && a.Status() == domain.AttemptCancelled):
		d.Headline, d.Class, d.Message, o = l.T("res.cancel"), "bad", l.T("res.cancel.msg"), outcomeCancelled
		d.Retry = payable
	case p.Status() == domain.StatusFailed || (a != nil && a.Status() == domain.AttemptFailed):
		d.Headline, d.Class, d.Message, o = l.T("res.fail"), "bad", l.T("res.fail.msg"), outcomeFailed
		if a != nil {
			d.Reason = l.T("res.fail.reason", l.gateway(a.Gateway).Name, failureText(l, a))
		}
		d.Retry = payable
		if payable {
			d.Next = l.T("res.fail.next")
		}
	default:
		d.Headline, d.Class = l.T("res.other", string(p.Status())), "muted"
		d.Retry = payable
	}
	if d.Retry && d.Next == "" {
		d.Next = l.T("res.retry.next")
	}
	d.NextURL = outcomeURL(p, o)
	h.render(w, http.StatusOK, resultPage, d)
}

// failureText is the gateway's own statusMessage (docs/gateways/bkash.md
// §2.6), which is in English, or for a failure/cancel callback without one,
// the page's words for it (§2.4).
func failureText(l *locale, a *domain.Attempt) string {
	if a.FailureMessage != "" {
		return a.FailureMessage
	}
	if a.Status() == domain.AttemptCancelled {
		return l.T("res.cancel")
	}
	return l.T("res.fail")
}

type messageData struct {
	pageBase
	Title, Message    string
	LinkURL, LinkText string
}

// page renders a plain message in English: the technical answers to
// gateway returns that could not be used.
func (h *Handler) page(w http.ResponseWriter, status int, title, msg string) {
	h.render(w, status, messagePage, messageData{pageBase: pageBase{L: localeEN, Sandbox: h.sandbox}, Title: title, Message: msg})
}

// pageError renders a use-case error for a shopper, in the shopper's
// language.
func (h *Handler) pageError(w http.ResponseWriter, r *http.Request, err error) {
	b := h.base(w, r, "")
	say := func(status int, key string, link bool) {
		d := messageData{pageBase: b, Title: b.L.T(key), Message: b.L.T(key + ".msg")}
		if link {
			if id := chi.URLParam(r, "transaction_id"); strings.HasPrefix(id, "txn_") {
				d.LinkURL, d.LinkText = "/pay/"+url.PathEscape(id), b.L.T("err.back")
			}
		}
		h.render(w, status, messagePage, d)
	}
	var (
		ge *ports.GatewayError
		ve *domain.ValidationError
	)
	switch {
	case errors.Is(err, domain.ErrNotFound):
		say(http.StatusNotFound, "err.notfound", false)
	case errors.As(err, &ve):
		// The gateway does not take this amount (its limits): nothing was
		// sent, another method may.
		h.render(w, http.StatusUnprocessableEntity, messagePage, messageData{pageBase: b, Title: b.L.T("err.gateway"),
			Message: strings.Join(ve.Fields["amount"], " "), LinkURL: "/pay/" + url.PathEscape(chi.URLParam(r, "transaction_id")),
			LinkText: b.L.T("err.back")})
	case errors.Is(err, app.ErrMerchantSuspended):
		say(http.StatusForbidden, "err.suspended", false)
	case errors.Is(err, domain.ErrNotPayable):
		say(http.StatusConflict, "err.notpayable", true)
	case errors.Is(err, app.ErrGatewayDisabled):
		// An operator switched it off (a page opened before still shows it).
		say(http.StatusConflict, "err.gateway", true)
	case errors.Is(err, domain.ErrGatewayUnavailable):
		say(http.StatusNotFound, "err.gateway", true)
	case errors.As(err, &ge):
		h.render(w, http.StatusBadGateway, messagePage, messageData{pageBase: b, Title: b.L.T("err.start"),
			Message: ge.Message, LinkURL: "/pay/" + url.PathEscape(chi.URLParam(r, "transaction_id")), LinkText: b.L.T("err.back")})
	default:
		h.log.Error("page", "path", r.URL.Path, "err", err)
		say(http.StatusBadGateway, "err.start", true)
	}
}

// home serves GET /: in sandbox mode the sandbox's index, otherwise a
// short status page.
func (h *Handler) home(w http.ResponseWriter, r *http.Request) {
	if h.sandbox {
		http.Redirect(w, r, "/sandbox", http.StatusFound)
		return
	}
	h.render(w, http.StatusOK, homePage, pageBase{L: localeEN})
}

// assets serves the pages' stylesheet, script and fonts (Noto Sans
// Bengali, with its OFL licence at /assets/pay/fonts/OFL.txt).
func assets() http.Handler {
	sub, err := fs.Sub(assetFS, "assets")
	if err != nil {
		panic(err)
	}
	files := http.StripPrefix("/assets/pay/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=86400")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		files.ServeHTTP(w, r)
	})
}

func (h *Handler) render(w http.ResponseWriter, status int, t *template.Template, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; font-src 'self'; script-src 'self'; "+
		"form-action 'self' https: http:; frame-ancestors 'none'; base-uri 'none'")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	if err := t.ExecuteTemplate(w, "base", data); err != nil {
		h.log.Error("render page", "err", err)
	}
}
