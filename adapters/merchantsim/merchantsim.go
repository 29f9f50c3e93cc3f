// Package merchantsim is the sandbox merchant: a webhook receiver at
// /sandbox/merchant/webhook that verifies paycore's signature the way a
// merchant would and records what arrived (GET /sandbox/merchant/webhooks),
// so `make run` + `paycore demo` shows the webhook landing. It can be told
// to answer with another status to exercise retries.
//
// How a merchant verifies a webhook (any language, same steps):
//
//	sig := r.Header.Get("X-Webhook-Signature")        // "t=1764000000,v1=5f0c…"
//	t, v1 := parse(sig)                               // split on "," and "="
//	if abs(now - t) > 300 s { reject }                // refuse old replays
//	mac := HMAC-SHA256(webhookSecret, t + "." + rawBody)
//	if !constantTimeEqual(hex(mac), v1) { reject }
//	dedupe on X-Webhook-Id (the event ID): a retry may arrive twice
package merchantsim

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Tolerance is how old a signature's timestamp may be.
const Tolerance = 300 * time.Second

// Errors from Verify.
var (
	ErrNoSignature  = errors.New("missing or malformed X-Webhook-Signature")
	ErrTooOld       = errors.New("signature timestamp outside tolerance")
	ErrBadSignature = errors.New("signature does not match")
)

// Verify checks an X-Webhook-Signature header ("t=<unix>,v1=<hex>") for
// body under secret at time now: HMAC-SHA256 over "<t>.<body>", compared in
// constant time, t within Tolerance.
func Verify(secret, body []byte, header string, now time.Time) error {
	var ts, v1 string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			v1 = v
		}
	}
	t, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || v1 == "" {
		return ErrNoSignature
	}
	if d := now.Sub(time.Unix(t, 0)); d > Tolerance || d < -Tolerance {
		return ErrTooOld
	}
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts + "."))
	m.Write(body)
	if !hmac.Equal([]byte(hex.EncodeToString(m.Sum(nil))), []byte(v1)) {
		return ErrBadSignature
	}
	return nil
}

// Received is one webhook as it arrived.
type Received struct {
	ID        string          `json:"id"` // X-Webhook-Id
	Event     string          `json:"event"`
	Verified  bool            `json:"verified"`
	Error     string          `json:"error,omitempty"`
	Answered  int             `json:"answered"`
	Body      json.RawMessage `json:"body"`
	Signature string          `json:"signature"`
	At        time.Time       `json:"at"`
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
	rec := Received{ID: r.Header.Get("X-Webhook-Id"), Event: r.Header.Get("X-Webhook-Event"),
		Signature: r.Header.Get("X-Webhook-Signature"), At: rc.now()}
	if json.Valid(body) {
		rec.Body = body
	}
	status := http.StatusOK
	if err := Verify(rc.secret, body, rec.Signature, rc.now()); err != nil {
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
