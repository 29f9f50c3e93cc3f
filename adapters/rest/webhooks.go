package rest

import (
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/paycore/paycore/app"
)

type deliveryJSON struct {
	DeliveryID    string        `json:"delivery_id"`
	EventID       string        `json:"event_id"`
	Event         string        `json:"event"`
	TransactionID string        `json:"transaction_id"`
	URL           string        `json:"url"`
	Status        string        `json:"status"`
	Attempts      []attemptJSON `json:"attempts"`
	CreatedAt     string        `json:"created_at"`
	DeliveredAt   *string       `json:"delivered_at"`
}

type attemptJSON struct {
	Attempt    int    `json:"attempt"`
	At         string `json:"at"`
	StatusCode int    `json:"status_code"`
	LatencyMS  int64  `json:"latency_ms"`
	Response   string `json:"response"`
	Error      string `json:"error,omitempty"`
}

func toDeliveryJSON(v app.DeliveryView) deliveryJSON {
	d := v.Delivery
	out := deliveryJSON{DeliveryID: d.ID, EventID: d.EventID, Event: string(v.Event.Type), TransactionID: v.Event.PaymentID,
		URL: d.URL, Status: string(d.Status), CreatedAt: apiTimeOf(d.CreatedAt), Attempts: []attemptJSON{}}
	if d.DeliveredAt != nil {
		s := apiTimeOf(*d.DeliveredAt)
		out.DeliveredAt = &s
	}
	for _, a := range v.Attempts {
		out.Attempts = append(out.Attempts, attemptJSON{Attempt: a.Attempt, At: apiTimeOf(a.At), StatusCode: a.StatusCode,
			LatencyMS: a.Latency.Milliseconds(), Response: a.Response, Error: a.Error})
	}
	return out
}

// listWebhooks: GET /api/v1/webhooks?event_id=…&limit=… — the client's
// webhook deliveries with every attempt, newest first (docs/merchant-api.md
// §7.10).
func (a *API) listWebhooks(w http.ResponseWriter, r *http.Request) {
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	vs, err := a.app.Webhooks.List(r.Context(), principal(r), r.URL.Query().Get("event_id"), limit)
	if err != nil {
		a.failErr(w, r, err)
		return
	}
	out := make([]deliveryJSON, 0, len(vs))
	for _, v := range vs {
		out = append(out, toDeliveryJSON(v))
	}
	ok(w, http.StatusOK, "", out)
}

// redeliver: POST /api/v1/webhooks/{event_id}/redeliver — send an event's
// webhook again (202: queued; docs/merchant-api.md §7.10).
func (a *API) redeliver(w http.ResponseWriter, r *http.Request) {
	d, err := a.app.Webhooks.Redeliver(r.Context(), principal(r), chi.URLParam(r, "event_id"))
	if err != nil {
		a.failErr(w, r, err)
		return
	}
	ok(w, http.StatusAccepted, "Webhook redelivery queued", map[string]string{
		"delivery_id": d.ID, "event_id": d.EventID, "status": string(d.Status)})
}
