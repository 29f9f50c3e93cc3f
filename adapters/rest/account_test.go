package rest_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports/portstest"
)

func TestRefund(t *testing.T) {
	e := newEnv(t)
	paid := e.paidPayment(t, asA, "order-paid", "100")
	if paid.PaymentMethod == nil || *paid.PaymentMethod != "bkash" || paid.GatewayRef == nil || *paid.GatewayRef == "" {
		t.Fatalf("paid payment: %+v", paid)
	}
	if paid.PaymentURL != "" {
		t.Errorf("payment_url shown for a paid payment")
	}
	pending := e.createPayment(t, asA, "order-pending", "100")
	other := e.paidPayment(t, asB, "order-b", "100")

	w := e.call(asA, http.MethodPost, "/api/v1/refund", `{"transaction_id":"`+paid.TransactionID+`","amount":"40.50","reason":"damaged"}`)
	rep := wantOK(t, w, http.StatusCreated)
	if rep.Message != "Refund request submitted" {
		t.Errorf("message %q", rep.Message)
	}
	ref := unmarshal[refund](t, rep.Data)
	if !strings.HasPrefix(ref.RefundID, "ref_") || ref.TransactionID != paid.TransactionID || ref.Amount != "40.50" ||
		ref.Currency != "BDT" || ref.Status != "pending" || ref.Reason != "damaged" || ref.CreatedAt == "" {
		t.Errorf("refund %+v", ref)
	}
	if jobs := e.store.Jobs(); !containsJob(jobs, "refund", ref.RefundID) {
		t.Errorf("no refund job queued: %+v", jobs)
	}

	for _, c := range []struct {
		name   string
		body   string
		status int
		fields []string
	}{
		{"nothing", `{}`, 422, []string{"transaction_id", "amount"}},
		{"no amount", `{"transaction_id":"` + paid.TransactionID + `"}`, 422, []string{"amount"}},
		{"too many decimals", `{"transaction_id":"` + paid.TransactionID + `","amount":1.001}`, 422, []string{"amount"}},
		{"zero", `{"transaction_id":"` + paid.TransactionID + `","amount":0}`, 422, []string{"amount"}},
		{"more than is left", `{"transaction_id":"` + paid.TransactionID + `","amount":59.51}`, 422, []string{"amount"}},
		{"reason too long", `{"transaction_id":"` + paid.TransactionID + `","amount":1,"reason":"` + strings.Repeat("r", 256) + `"}`, 422, []string{"reason"}},
		{"not paid", `{"transaction_id":"` + pending.TransactionID + `","amount":1}`, 422, []string{"transaction_id"}},
		{"amount of the wrong type", `{"transaction_id":"` + paid.TransactionID + `","amount":{}}`, 422, []string{"amount"}},
		{"transaction_id of the wrong type", `{"transaction_id":5,"amount":1}`, 422, []string{"transaction_id"}},
		{"another client's", `{"transaction_id":"` + other.TransactionID + `","amount":1}`, 404, nil},
		{"no such payment", `{"transaction_id":"txn_nope","amount":1}`, 404, nil},
		{"malformed", `{"transaction_id":`, 400, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := e.call(asA, http.MethodPost, "/api/v1/refund", c.body)
			if c.status == 422 {
				wantFields(t, w, c.fields...)
				return
			}
			wantErr(t, w, c.status)
		})
	}

	// What is left can still be refunded, in full.
	wantOK(t, e.call(asA, http.MethodPost, "/api/v1/refund", `{"transaction_id":"`+paid.TransactionID+`","amount":59.50}`), http.StatusCreated)
	wantFields(t, e.call(asA, http.MethodPost, "/api/v1/refund", `{"transaction_id":"`+paid.TransactionID+`","amount":0.01}`), "amount")
}

// refund is a refund as the API shows it.
type refund struct {
	RefundID      string      `json:"refund_id"`
	TransactionID string      `json:"transaction_id"`
	Amount        json.Number `json:"amount"`
	Currency      string      `json:"currency"`
	Status        string      `json:"status"`
	Reason        string      `json:"reason"`
	CreatedAt     string      `json:"created_at"`
}

func containsJob(jobs []portstest.Job, kind, id string) bool {
	for _, j := range jobs {
		if j.Kind == kind && j.ID == id {
			return true
		}
	}
	return false
}

func TestProfile(t *testing.T) {
	e := newEnv(t)
	rep := wantOK(t, e.call(asA, http.MethodGet, "/api/v1/client/profile", ""), http.StatusOK)
	got := unmarshal[map[string]any](t, rep.Data)
	want := map[string]any{"client_id": clientA, "name": nameA, "status": "active", "webhook_url": "https://a.example/hook",
		"commission_bps": 150.0, "language": "en", "api_key": keyA, "created_at": "2026-06-17 14:00:00"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("profile has other fields: %v", got)
	}
	rep = wantOK(t, e.call(asB, http.MethodGet, "/api/v1/client/profile", ""), http.StatusOK)
	if got := unmarshal[map[string]any](t, rep.Data); got["client_id"] != clientB || got["name"] != nameB {
		t.Errorf("B's profile: %v", got)
	}
}

func TestDashboard(t *testing.T) {
	e := newEnv(t)
	e.paidPayment(t, asA, "o-1", "1000")
	e.paidPayment(t, asA, "o-2", "500.50")
	e.createPayment(t, asA, "o-3", "7")
	e.paidPayment(t, asB, "o-b", "999")
	wantOK(t, e.call(asA, http.MethodPost, "/api/v1/refund", `{"transaction_id":"`+
		e.createdID(t, "o-1")+`","amount":100}`), http.StatusCreated)

	w := e.call(asA, http.MethodGet, "/api/v1/client/dashboard", "")
	rep := wantOK(t, w, http.StatusOK)
	got := unmarshal[map[string]json.RawMessage](t, rep.Data)
	want := map[string]string{"total_transactions": "3", "total_success": "2", "total_failed": "0",
		"total_amount": "1500.50", "total_refunded": "0.00", "commission_amount": "22.51", "currency": `"BDT"`}
	for k, v := range want {
		if string(got[k]) != v {
			t.Errorf("%s = %s, want %s", k, got[k], v)
		}
	}
}

// createdID finds client A's payment for order through the list endpoint.
func (e *env) createdID(t *testing.T, order string) string {
	t.Helper()
	rep := wantOK(t, e.call(asA, http.MethodGet, "/api/v1/transactions?order_id="+order, ""), http.StatusOK)
	ps := unmarshal[[]payment](t, rep.Data)
	if len(ps) != 1 {
		t.Fatalf("order %s: %d payments", order, len(ps))
	}
	return ps[0].TransactionID
}

func TestGateways(t *testing.T) {
	e := newEnv(t)
	w := e.call(asA, http.MethodGet, "/api/v1/gateways", "")
	wantOK(t, w, http.StatusOK)
	if !strings.Contains(w.Body.String(), `"data":[{"code":"bkash","currencies":["BDT"],"max_amount":50000.00,"min_amount":1.00,"name":"bKash"}]`) {
		t.Errorf("gateways: %s", w.Body)
	}

	w = e.call(asA, http.MethodGet, "/api/v1/gateways/health", "")
	rep := wantOK(t, w, http.StatusOK)
	hs := unmarshal[[]map[string]json.RawMessage](t, rep.Data)
	if len(hs) != 1 || string(hs[0]["code"]) != `"bkash"` || string(hs[0]["status"]) != `"up"` ||
		string(hs[0]["success_rate"]) != "100.00" || string(hs[0]["window_hours"]) != "24" || string(hs[0]["enabled"]) != "true" {
		t.Errorf("health: %s", w.Body)
	}

	// An operator disables bKash: the list leaves it out, its health says so.
	admin := app.Principal{Admin: true, Role: domain.RoleAdmin, UserID: "usr_admin", Email: "ops@example.com"}
	if _, err := e.app.Gateways.SetEnabled(context.Background(), admin, domain.GatewayBkash, false, "outage"); err != nil {
		t.Fatal(err)
	}
	w = e.call(asA, http.MethodGet, "/api/v1/gateways", "")
	if rep := wantOK(t, w, http.StatusOK); string(rep.Data) != "[]" {
		t.Errorf("gateways with bKash disabled: %s", w.Body)
	}
	w = e.call(asA, http.MethodGet, "/api/v1/gateways/health", "")
	hs = unmarshal[[]map[string]json.RawMessage](t, wantOK(t, w, http.StatusOK).Data)
	if len(hs) != 1 || string(hs[0]["code"]) != `"bkash"` || string(hs[0]["enabled"]) != "false" {
		t.Errorf("health with bKash disabled: %s", w.Body)
	}
}

func TestRegenerateKeys(t *testing.T) {
	e := newEnv(t)
	// another client's id is refused
	wantErr(t, e.call(asA, http.MethodPost, "/api/v1/api-keys/regenerate", `{"client_id":"`+clientB+`"}`), http.StatusForbidden)
	wantErr(t, e.call(asA, http.MethodPost, "/api/v1/api-keys/regenerate", `{"client_id":`), http.StatusBadRequest)

	w := e.call(asA, http.MethodPost, "/api/v1/api-keys/regenerate", `{"client_id":"`+clientA+`"}`)
	rep := wantOK(t, w, http.StatusOK)
	if rep.Message != "API keys regenerated" {
		t.Errorf("message %q", rep.Message)
	}
	nc := unmarshal[map[string]string](t, rep.Data)
	if !strings.HasPrefix(nc["api_key"], "pk_") || !strings.HasPrefix(nc["secret_key"], "sk_") || len(nc) != 2 {
		t.Fatalf("credentials %v", nc)
	}
	// The old key stops at once (no grace configured); the new one works.
	if rep := wantErr(t, e.call(asA, http.MethodGet, "/api/v1/client/profile", ""), http.StatusUnauthorized); rep.Message != "invalid API key" {
		t.Errorf("old key: %q", rep.Message)
	}
	newCreds := creds{nc["api_key"], nc["secret_key"]}
	rep = wantOK(t, e.call(newCreds, http.MethodGet, "/api/v1/client/profile", ""), http.StatusOK)
	if p := unmarshal[map[string]any](t, rep.Data); p["api_key"] != nc["api_key"] {
		t.Errorf("profile shows key %v", p["api_key"])
	}
	if strings.Contains(string(rep.Data), nc["secret_key"]) {
		t.Errorf("profile shows the secret")
	}

	// no body at all is fine too
	w = e.call(newCreds, http.MethodPost, "/api/v1/api-keys/regenerate", "")
	wantOK(t, w, http.StatusOK)

	// The new secret is logged redacted.
	for _, r := range e.logs.records() {
		if strings.Contains(r.ResponseBody, nc["secret_key"]) {
			t.Errorf("request log keeps the new secret: %s", r.ResponseBody)
		}
	}
}
