// Package merchantsim is the sandbox merchant: a webhook receiver at
// /sandbox/merchant/webhook that verifies paycore's signature the way a
// merchant would and records what arrived (GET /sandbox/merchant/webhooks),
// so `make run` + `paycore demo` shows the webhook landing. It can be told
// to answer with another status to exercise retries.
//
// It verifies with package webhook, as a merchant's Go server would:
//
//	err := webhook.Verify(body, r.Header.Get(webhook.SignatureHeader),
//		[][]byte{secret}, webhook.DefaultTolerance, time.Now())
//
// In any language the steps are the same: split the header on "," and "=",
// compare hex HMAC-SHA256(secret, t + "." + raw body) with each v1 in
// constant time, refuse a t more than 300 s from now. A real merchant also
// dedupes on X-Webhook-Id (the event ID), since a retry may arrive twice;
// this receiver records every arrival instead.
package merchantsim

import (
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/paycore/paycore/webhook"
)

// Received is one webhook as it arrived.
type Received struct {
	ID        string          `json:"id"` // X-Webhook-Id
	Event     string          `json:"event"`
	Verified  bool            `json:"verified"`
	Error     string          `json:"error,omitempty"`
	Answered  int             `json:"answered"`
	Body      json.RawMessage `json:"body"`
	Signature string          `json:"signature"`
	// Headers are the request's headers as sent (one value each; the
	// first when repeated).
	Headers map[string]string `json:"headers"`
	At      time.Time         `json:"at"`
}

// Receiver records webhooks signed with one secret.
type Receiver struct {
	secret []byte
	now    func() time.Time

	mu       sync.Mutex
	received []Received
	answer   int // status to answer; 0 → 200 (401 for bad signatures)
}

// New returns a receiver verifying with secret; now nil → time.Now.
func New(secret []byte, now func() time.Time) *Receiver {
	if now == nil {
		now = time.Now
	}
	return &Receiver{secret: secret, now: now}
}

// SetAnswer makes the receiver answer status to every webhook (0 restores
// normal answers).
func (rc *Receiver) SetAnswer(status int) {
	rc.mu.Lock()
	rc.answer = status
	rc.mu.Unlock()
}

// Received returns what has arrived, oldest first.
func (rc *Receiver) Received() []Received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]Received(nil), rc.received...)
}

// Handler serves, relative to its mount (/sandbox/merchant): POST /webhook,
// GET /webhooks, DELETE /webhooks, POST /answer {"status":500}.
func (rc *Receiver) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /webhook", rc.receive)
	mux.HandleFunc("GET /webhooks", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(rc.Received())
	})
	mux.HandleFunc("DELETE /webhooks", func(w http.ResponseWriter, r *http.Request) {
		rc.mu.Lock()
		rc.received = nil
		rc.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST /answer", func(w http.ResponseWriter, r *http.Request) {
		var in struct{ Status int }
		if json.NewDecoder(r.Body).Decode(&in) != nil || (in.Status != 0 && (in.Status < 100 || in.Status > 599)) {
			http.Error(w, `{"error":"status must be an HTTP status or 0"}`, http.StatusBadRequest)
			return
		}
		rc.SetAnswer(in.Status)
		w.WriteHeader(http.StatusNoContent)
	})
	return mux
}

func (rc *Receiver) receive(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	rec := Received{ID: r.Header.Get(webhook.IDHeader), Event: r.Header.Get(webhook.EventHeader),
		Signature: r.Header.Get(webhook.SignatureHeader), At: rc.now(), Headers: map[string]string{}}
	for k, v := range r.Header {
		rec.Headers[k] = v[0]
	}
	if json.Valid(body) {
		rec.Body = body
	}
	status := http.StatusOK
	if err := webhook.Verify(body, rec.Signature, [][]byte{rc.secret}, webhook.DefaultTolerance, rec.At); err != nil {
		rec.Error, status = err.Error(), http.StatusUnauthorized
	} else {
		rec.Verified = true
	}
	rc.mu.Lock()
	if rc.answer != 0 && rec.Verified {
		status = rc.answer
	}
	rec.Answered = status
	rc.received = append(rc.received, rec)
	rc.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(`{"received":true}`))
}
