package rest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"net/http"
	"time"
)

// IdempotencyTTL is how long a first response is replayed (at least 24 h).
const IdempotencyTTL = 24 * time.Hour

// Idempotency store errors, returned by BeginIdempotent.
var (
	ErrIdempotencyMismatch   = errors.New("idempotency key reused with a different request")
	ErrIdempotencyInProgress = errors.New("idempotency key in use by a running request")
)

// StoredResponse is a replayable first response.
type StoredResponse struct {
	Status int
	Body   []byte
}

// IdempotencyStore keeps first responses per client and key (PostgreSQL, so
// every node agrees).
type IdempotencyStore interface {
	// Begin claims the key for a request hashing to hash: (nil, nil) to run
	// it; a stored response to replay; ErrIdempotencyMismatch or
	// ErrIdempotencyInProgress otherwise.
	Begin(ctx context.Context, clientID, key string, hash []byte, ttl time.Duration) (*StoredResponse, error)
	Finish(ctx context.Context, clientID, key string, status int, body []byte) error
	Abandon(ctx context.Context, clientID, key string) error
}

// idempotent honours Idempotency-Key on POST: the first response (status and
// body) is stored and replayed for the same key and the same request; the
// same key with another method, path or body → 409 idempotency_error; while
// the first is running → 409 too. Our own failures (5xx) are not stored, so
// a retry runs again (docs/merchant-api.md §4).
func (a *API) idempotent(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get("Idempotency-Key")
		if r.Method != http.MethodPost || key == "" || a.cfg.Idempotency == nil {
			next.ServeHTTP(w, r)
			return
		}
		if len(key) > 255 {
			writeEnvelope(w, http.StatusUnprocessableEntity, envelope{Message: "Validation failed", Code: 422,
				Errors: map[string][]string{"Idempotency-Key": {"Idempotency-Key must be at most 255 characters"}}})
			return
		}
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		h := sha256.New()
		h.Write([]byte(r.Method + "\n" + r.URL.Path + "\n"))
		h.Write(body)
		clientID := principal(r).ClientID
		stored, err := a.cfg.Idempotency.Begin(r.Context(), clientID, key, h.Sum(nil), IdempotencyTTL)
		switch {
		case errors.Is(err, ErrIdempotencyMismatch):
			writeEnvelope(w, http.StatusConflict, envelope{Code: 409, Error: "idempotency_error",
				Message: "Idempotency-Key was already used with a different request"})
			return
		case errors.Is(err, ErrIdempotencyInProgress):
			writeEnvelope(w, http.StatusConflict, envelope{Code: 409, Error: "idempotency_error",
				Message: "A request with this Idempotency-Key is still being processed"})
			return
		case err != nil:
			a.failErr(w, r, err)
			return
		case stored != nil:
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.Header().Set("Idempotent-Replayed", "true")
			w.WriteHeader(stored.Status)
			_, _ = w.Write(stored.Body)
			return
		}
		rec := &capture{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		ctx := context.WithoutCancel(r.Context())
		if rec.status >= 500 {
			_ = a.cfg.Idempotency.Abandon(ctx, clientID, key)
			return
		}
		if err := a.cfg.Idempotency.Finish(ctx, clientID, key, rec.status, rec.body.Bytes()); err != nil {
			a.log.Error("store idempotent response", "err", err)
		}
	})
}

// capture records what a handler writes while passing it on.
type capture struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
	wrote  bool
}

func (c *capture) WriteHeader(s int) {
	if !c.wrote {
		c.status, c.wrote = s, true
	}
	c.ResponseWriter.WriteHeader(s)
}

func (c *capture) Write(b []byte) (int, error) {
	c.wrote = true
	c.body.Write(b)
	return c.ResponseWriter.Write(b)
}
