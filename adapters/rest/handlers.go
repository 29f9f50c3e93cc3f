package rest

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
)

// paymentJSON is a transaction as the merchant API shows it
// (docs/merchant-api.md §7.1, §7.2): amounts are JSON numbers with the
// currency's decimals (§6.1), times are "2006-01-02 15:04:05" in Asia/Dhaka
// (§6.4).
type paymentJSON struct {
	TransactionID  string      `json:"transaction_id"`
	OrderID        string      `json:"order_id"`
	Amount         json.Number `json:"amount"`
	Currency       string      `json:"currency"`
	Status         string      `json:"status"`
	PaymentMethod  *string     `json:"payment_method"`
	GatewayRef     *string     `json:"gateway_ref"`
	RefundedAmount json.Number `json:"refunded_amount"`
	PaymentURL     string      `json:"payment_url,omitempty"`
	// CancelURL and FailureURL are the merchant's, when it gave them.
	CancelURL  string `json:"cancel_url,omitempty"`
	FailureURL string `json:"failure_url,omitempty"`
	CreatedAt  string `json:"created_at"`
	UpdatedAt  string `json:"updated_at"`
}

func (a *API) toPaymentJSON(p *domain.Payment, withURL bool) paymentJSON {
	out := paymentJSON{
		TransactionID: p.ID, OrderID: p.Order.OrderID, Amount: money(p.Amount),
		Currency: p.Amount.Currency().Code, Status: string(p.Status()),
		RefundedAmount: money(p.Refunded), CreatedAt: apiTimeOf(p.CreatedAt), UpdatedAt: apiTimeOf(p.UpdatedAt),
		CancelURL: p.Order.CancelURL, FailureURL: p.Order.FailureURL,
	}
	if p.Gateway != "" {
		g := string(p.Gateway)
		out.PaymentMethod = &g
	}
	if p.TrxID != "" {
		out.GatewayRef = &p.TrxID
	}
	if withURL {
		out.PaymentURL = a.cfg.PaymentURL(p.ID)
	}
	return out
}

type payRequest struct {
	OrderID       string          `json:"order_id"`
	Amount        json.RawMessage `json:"amount"`
	Currency      string          `json:"currency"`
	CustomerName  string          `json:"customer_name"`
	CustomerEmail string          `json:"customer_email"`
	CustomerPhone string          `json:"customer_phone"`
	ReturnURL     string          `json:"return_url"`
	CancelURL     string          `json:"cancel_url"`
	FailureURL    string          `json:"failure_url"`
	WebhookURL    string          `json:"webhook_url"`
	Metadata      json.RawMessage `json:"metadata"`
}

// createPayment: POST /api/v1/pay (docs/merchant-api.md §7.1) → 201.
func (a *API) createPayment(w http.ResponseWriter, r *http.Request) {
	var in payRequest
	if !a.decode(w, r, &in) {
		return
	}
	p, err := a.app.Payments.Create(r.Context(), principal(r).ClientID, app.CreatePaymentInput{
		OrderID: in.OrderID, Amount: amountText(in.Amount), Currency: in.Currency,
		CustomerName: in.CustomerName, CustomerEmail: in.CustomerEmail, CustomerPhone: in.CustomerPhone,
		ReturnURL: in.ReturnURL, CancelURL: in.CancelURL, FailureURL: in.FailureURL,
		WebhookURL: in.WebhookURL, Metadata: in.Metadata,
	})
	if err != nil {
		a.failErr(w, r, err)
		return
	}
	ok(w, http.StatusCreated, "Payment created successfully", a.toPaymentJSON(p, true))
}

// getTransaction: GET /api/v1/transaction/{transaction_id}
// (docs/merchant-api.md §7.2).
// Another client's transaction is 404.
func (a *API) getTransaction(w http.ResponseWriter, r *http.Request) {
	v, err := a.app.Payments.Get(r.Context(), principal(r), chi.URLParam(r, "transaction_id"))
	if err != nil {
		a.failErr(w, r, err)
		return
	}
	ok(w, http.StatusOK, "", a.toPaymentJSON(v.Payment, v.Payment.Status() == domain.StatusPending))
}

// pageMeta is a list's meta (docs/merchant-api.md §7.3): total is exact
// unless total_is_capped (a date range matching more than app.MaxCount:
// "at least total"); next_cursor (null on the last page) continues the list.
type pageMeta struct {
	Page          int     `json:"page"`
	Limit         int     `json:"limit"`
	Total         int     `json:"total"`
	TotalIsCapped bool    `json:"total_is_capped"`
	NextCursor    *string `json:"next_cursor"`
}

// listTransactions: GET /api/v1/transactions?page&limit&cursor&status&
// order_id&from_date&to_date (docs/merchant-api.md §7.3), newest first,
// with meta.
func (a *API) listTransactions(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var v domain.ValidationError
	page, okPage := atoiOr(q.Get("page"), 1)
	if !okPage || page < 1 || page > app.MaxPage {
		v.Add("page", fmt.Sprintf("page must be a whole number from 1 to %d, and page × limit at most %d; to read further, pass meta.next_cursor as cursor", app.MaxPage, app.MaxOffset))
	}
	limit, okLimit := atoiOr(q.Get("limit"), 20)
	if !okLimit || limit < 1 || limit > 100 {
		v.Add("limit", "limit must be a whole number between 1 and 100")
	}
	in := app.ListInput{Status: q.Get("status"), OrderID: q.Get("order_id"), Page: page, Limit: limit, Cursor: q.Get("cursor")}
	if s := q.Get("from_date"); s != "" {
		t, good := parseDate(s, false)
		if !good {
			v.Add("from_date", "from_date must be YYYY-MM-DD, YYYY-MM-DD HH:MM:SS or RFC 3339, in the years 1970 to 9998")
		}
		in.From = t
	}
	if s := q.Get("to_date"); s != "" {
		t, good := parseDate(s, true)
		if !good {
			v.Add("to_date", "to_date must be YYYY-MM-DD, YYYY-MM-DD HH:MM:SS or RFC 3339, in the years 1970 to 9998")
		} else if start, _ := parseDate(s, false); !in.From.IsZero() && start.Before(in.From) {
			v.Add("to_date", "to_date must not be before from_date")
		}
		in.To = t
	}
	if err := v.Err(); err != nil {
		a.failErr(w, r, err)
		return
	}
	res, err := a.app.Payments.List(r.Context(), principal(r), in)
	if err != nil {
		a.failErr(w, r, err)
		return
	}
	items := make([]paymentJSON, 0, len(res.Payments))
	for _, p := range res.Payments {
		items = append(items, a.toPaymentJSON(p, false))
	}
	meta := pageMeta{Page: res.Page, Limit: res.Limit, Total: res.Total, TotalIsCapped: res.TotalCapped}
	if res.NextCursor != "" {
		meta.NextCursor = &res.NextCursor
	}
	writeEnvelope(w, http.StatusOK, envelope{Success: true, Data: items, Meta: meta})
}

type refundRequest struct {
	TransactionID string          `json:"transaction_id"`
	Amount        json.RawMessage `json:"amount"`
	Reason        string          `json:"reason"`
}

type refundJSON struct {
	RefundID      string      `json:"refund_id"`
	TransactionID string      `json:"transaction_id"`
	Amount        json.Number `json:"amount"`
	Currency      string      `json:"currency"`
	Status        string      `json:"status"`
	Reason        string      `json:"reason"`
	CreatedAt     string      `json:"created_at"`
}

// refund: POST /api/v1/refund (docs/merchant-api.md §7.4) → 201 with the
// pending refund; a River job takes it to the gateway.
func (a *API) refund(w http.ResponseWriter, r *http.Request) {
	var in refundRequest
	if !a.decode(w, r, &in) {
		return
	}
	amount := amountText(in.Amount)
	if in.TransactionID == "" || amount == "" {
		var v domain.ValidationError
		if in.TransactionID == "" {
			v.Add("transaction_id", "transaction_id is required")
		}
		if amount == "" {
			v.Add("amount", "amount is required")
		}
		a.failErr(w, r, &v)
		return
	}
	ref, err := a.app.Refunds.Request(r.Context(), principal(r), app.RefundInput{
		TransactionID: in.TransactionID, Amount: amount, Reason: in.Reason})
	if err != nil {
		a.failErr(w, r, err)
		return
	}
	ok(w, http.StatusCreated, "Refund request submitted", refundJSON{
		RefundID: ref.ID, TransactionID: ref.PaymentID, Amount: money(ref.Amount),
		Currency: ref.Amount.Currency().Code, Status: string(ref.Status()), Reason: ref.Reason,
		CreatedAt: apiTimeOf(ref.CreatedAt),
	})
}

// regenerateKeys: POST /api/v1/api-keys/regenerate (docs/merchant-api.md
// §7.5). The
// body's client_id, if any, must be the caller's own (string or number).
func (a *API) regenerateKeys(w http.ResponseWriter, r *http.Request) {
	var in struct {
		ClientID json.RawMessage `json:"client_id"`
	}
	if r.ContentLength != 0 {
		if !a.decode(w, r, &in) {
			return
		}
	}
	clientID := amountText(in.ClientID)
	creds, err := a.app.Accounts.RegenerateKeys(r.Context(), principal(r), clientID)
	if err != nil {
		a.failErr(w, r, err)
		return
	}
	// This node forgets the client's cached keys at once; other nodes within
	// app.DefaultKeyCacheTTL.
	a.cfg.Auth.ForgetClient(principal(r).ClientID)
	ok(w, http.StatusOK, "API keys regenerated", map[string]string{"api_key": creds.APIKey, "secret_key": creds.Secret})
}

// profile: GET /api/v1/client/profile (docs/merchant-api.md §7.6).
func (a *API) profile(w http.ResponseWriter, r *http.Request) {
	p, err := a.app.Accounts.Profile(r.Context(), principal(r))
	if err != nil {
		a.failErr(w, r, err)
		return
	}
	c := p.Client
	ok(w, http.StatusOK, "", map[string]any{
		"client_id": c.ID, "name": c.Name, "status": c.Status, "webhook_url": c.WebhookURL,
		"commission_bps": c.CommissionBPS, "language": c.Language, "api_key": p.APIKey,
		"created_at": apiTimeOf(c.CreatedAt),
	})
}

// dashboard: GET /api/v1/client/dashboard (docs/merchant-api.md §7.7).
func (a *API) dashboard(w http.ResponseWriter, r *http.Request) {
	d, err := a.app.Accounts.Dashboard(r.Context(), principal(r))
	if err != nil {
		a.failErr(w, r, err)
		return
	}
	ok(w, http.StatusOK, "", map[string]any{
		"total_transactions": d.TotalTransactions, "total_success": d.TotalSuccess,
		"total_failed": d.TotalFailed, "total_amount": money(d.TotalAmount),
		"total_refunded": money(d.TotalRefunded), "commission_amount": money(d.Commission),
		"currency": d.TotalAmount.Currency().Code,
	})
}

// gateways: GET /api/v1/gateways (docs/merchant-api.md §7.8): those the
// operators have not disabled.
func (a *API) gateways(w http.ResponseWriter, r *http.Request) {
	list, err := a.app.Gateways.List(r.Context())
	if err != nil {
		a.failErr(w, r, err)
		return
	}
	out := []map[string]any{}
	for _, g := range list {
		out = append(out, map[string]any{
			"code": g.Code, "name": g.Name, "currencies": g.Currencies,
			"min_amount": money(g.MinAmount), "max_amount": money(g.MaxAmount),
		})
	}
	ok(w, http.StatusOK, "", out)
}

// gatewaysHealth: GET /api/v1/gateways/health (docs/merchant-api.md §7.9),
// from the calls recorded over the last 24 h, with each gateway's switch
// (enabled false while an operator has disabled it).
func (a *API) gatewaysHealth(w http.ResponseWriter, r *http.Request) {
	hs, err := a.app.Gateways.Health(r.Context())
	if err != nil {
		a.failErr(w, r, err)
		return
	}
	out := []map[string]any{}
	for _, h := range hs {
		out = append(out, map[string]any{
			"code": h.Code, "status": h.Status, "enabled": h.Switch.Enabled,
			"success_rate":   json.Number(strconvF(h.SuccessRate)),
			"p95_latency_ms": h.P95Latency.Milliseconds(),
			"uptime_percent": json.Number(strconvF(h.UptimePercent)),
			"calls":          h.Calls, "window_hours": int(app.HealthWindow.Hours()),
		})
	}
	ok(w, http.StatusOK, "", out)
}
