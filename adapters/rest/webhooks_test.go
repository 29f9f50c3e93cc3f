package rest_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paycore/paycore/adapters/rest"
	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
)

const bkashHookSecret = "gw_hook_secret_bkash"

func withBkashHooks(ac *app.Config, _ *rest.APIConfig) {
	ac.GatewayHooks = map[domain.Gateway]app.GatewayHookConfig{domain.GatewayBkash: {Secret: []byte(bkashHookSecret)}}
}

func TestGatewayWebhook(t *testing.T) {
	e := newEnv(t, withBkashHooks)
	p := e.paidPayment(t, asA, "order-hook", "10")
	event := func(id, ev string) string {
		return `{"id":"` + id + `","event":"` + ev + `","transaction_id":"` + p.TransactionID + `"}`
	}

	r := newRequest(http.MethodPost, "/api/v1/webhook", event("gw_1", "payment.disputed"))
	r.Header.Set("X-Gateway", "bkash")
	r.Header.Set("X-Webhook-Signature", "t="+strconv.FormatInt(e.clock.Now().Unix(), 10)+",v1=00")
	if rep := wantErr(t, e.serve(r), http.StatusUnauthorized); rep.Message != "Invalid signature" {
		t.Errorf("message %q", rep.Message)
	}
	if strings.Contains(e.logOut.String(), bkashHookSecret) {
		t.Errorf("hook secret logged")
	}

	w := e.signedHook(bkashHookSecret, event("gw_1", "payment.disputed"))
	rep := wantOK(t, w, http.StatusOK)
	if d := unmarshal[map[string]string](t, rep.Data); d["verdict"] != "accepted" || d["event_id"] != "gw_1" || d["detail"] != "payment disputed" {
		t.Errorf("data %v", d)
	}
	if got := e.getPayment(t, asA, p.TransactionID); got.Status != "disputed" {
		t.Errorf("status %q", got.Status)
	}
	// a replay is 200 "duplicate"
	rep = wantOK(t, e.signedHook(bkashHookSecret, event("gw_1", "payment.disputed")), http.StatusOK)
	if rep.Message != "Webhook already processed" {
		t.Errorf("replay: %q", rep.Message)
	}
	wantFields(t, e.signedHook(bkashHookSecret, event("gw_2", "payment.exploded")), "event")
	wantErr(t, e.signedHook(bkashHookSecret, `{"id":"gw_3","event":"payment.success","transaction_id":"txn_nope"}`), http.StatusNotFound)
	wantFields(t, e.signedHook(bkashHookSecret, `[1,2]`), "body")
	// signed a day ago: refused
	old := e.signedHookAt(bkashHookSecret, event("gw_4", "payment.success"), e.clock.Now().Add(-301*time.Second))
	wantErr(t, old, http.StatusUnauthorized)
}

// signedHook posts a bKash status update signed with secret now.
func (e *env) signedHook(secret, body string) *httptest.ResponseRecorder {
	return e.signedHookAt(secret, body, e.clock.Now())
}

// signedHookAt posts a bKash status update signed with secret at time at.
func (e *env) signedHookAt(secret, body string, at time.Time) *httptest.ResponseRecorder {
	ts := strconv.FormatInt(at.Unix(), 10)
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts + "." + body))
	r := newRequest(http.MethodPost, "/api/v1/webhook", body)
	r.Header.Set("X-Gateway", "bkash")
	r.Header.Set("X-Webhook-Signature", "t="+ts+",v1="+hex.EncodeToString(m.Sum(nil)))
	return e.serve(r)
}

func TestWebhookDeliveries(t *testing.T) {
	e := newEnv(t)
	p := e.createPayment(t, asA, "order-wh", "10")
	e.createPayment(t, asB, "order-wh", "10")

	w := e.call(asA, http.MethodGet, "/api/v1/webhooks", "")
	rep := wantOK(t, w, http.StatusOK)
	var ds []struct {
		DeliveryID    string          `json:"delivery_id"`
		EventID       string          `json:"event_id"`
		Event         string          `json:"event"`
		TransactionID string          `json:"transaction_id"`
		URL           string          `json:"url"`
		Status        string          `json:"status"`
		Attempts      json.RawMessage `json:"attempts"`
		DeliveredAt   *string         `json:"delivered_at"`
	}
	if err := json.Unmarshal(rep.Data, &ds); err != nil {
		t.Fatal(err)
	}
	if len(ds) != 1 || ds[0].Event != "payment.pending" || ds[0].TransactionID != p.TransactionID ||
		ds[0].URL != "https://a.example/hook" || string(ds[0].Attempts) != "[]" || ds[0].DeliveredAt != nil {
		t.Fatalf("deliveries %s", rep.Data)
	}
	evt := ds[0].EventID

	w = e.call(asA, http.MethodPost, "/api/v1/webhooks/"+evt+"/redeliver", "")
	rep = wantOK(t, w, http.StatusAccepted)
	if d := unmarshal[map[string]string](t, rep.Data); d["event_id"] != evt || d["delivery_id"] != ds[0].DeliveryID {
		t.Errorf("redeliver %v", d)
	}
	// B can neither see nor redeliver A's event.
	wantErr(t, e.call(asB, http.MethodPost, "/api/v1/webhooks/"+evt+"/redeliver", ""), http.StatusNotFound)
	rep = wantOK(t, e.call(asB, http.MethodGet, "/api/v1/webhooks?event_id="+evt, ""), http.StatusOK)
	if string(rep.Data) != "[]" {
		t.Errorf("B sees %s", rep.Data)
	}
}

func TestReadyzAndPanics(t *testing.T) {
	e := newEnv(t)
	h := rest.NewHandler(rest.Config{App: e.app, Ready: func(context.Context) error { return errors.New("migrations pending") },
		Mounts: map[string]http.Handler{"/boom": http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
			panic("secret detail " + secretA)
		})}})
	w := httptestRecord(h, newRequest(http.MethodGet, "/readyz", ""))
	if w.Code != http.StatusServiceUnavailable || !strings.Contains(w.Body.String(), "migrations pending") {
		t.Errorf("readyz %d %s", w.Code, w.Body)
	}
	w = httptestRecord(h, newRequest(http.MethodGet, "/boom", ""))
	if w.Code != 500 || strings.Contains(w.Body.String(), "secret") {
		t.Errorf("panic: %d %s", w.Code, w.Body)
	}
	decodeReply(t, w)
}

func httptestRecord(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}
