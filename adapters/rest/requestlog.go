package rest

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"time"

	"github.com/paycore/paycore/adapters/redact"
)

// MaxLoggedBody is how much of a request or response body is logged: 4 KiB.
const MaxLoggedBody = redact.MaxBody

// RequestRecord is one merchant API request as logged (docs/merchant-api.md
// §10): bodies redacted and capped, headers (and so signatures) not
// logged at all.
type RequestRecord struct {
	ClientID     string
	Method       string
	Endpoint     string // path without the query
	StatusCode   int
	RequestBody  string
	ResponseBody string
	IP           string
	Latency      time.Duration
	At           time.Time
}

// RequestLogger takes request records without blocking (the store batches
// them).
type RequestLogger interface {
	LogRequest(RequestRecord)
}

type recordKey struct{}

// record is filled in as the request goes: authenticate sets clientID.
type record struct{ clientID string }

func recordFrom(ctx context.Context) *record {
	r, _ := ctx.Value(recordKey{}).(*record)
	return r
}

// logRequests records every request after it is answered, except the
// gateways' POST /api/v1/webhook: gateway_webhooks is its log (whole for
// signed calls, sampled for the rest), so a flood of unsigned calls is not
// stored here either.
func (a *API) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a.cfg.Logs == nil || r.URL.Path == gatewayHookPath {
			next.ServeHTTP(w, r)
			return
		}
		start := a.clock.Now()
		var reqBody []byte
		if r.Body != nil {
			reqBody, _ = io.ReadAll(io.LimitReader(r.Body, int64(maxBodyForLog)))
			r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(reqBody), r.Body))
		}
		rec := &record{}
		c := &capture{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(c, r.WithContext(context.WithValue(r.Context(), recordKey{}, rec)))
		a.cfg.Logs.LogRequest(RequestRecord{
			ClientID: rec.clientID, Method: r.Method, Endpoint: r.URL.Path, StatusCode: c.status,
			RequestBody: redact.JSON(reqBody), ResponseBody: redact.JSON(c.body.Bytes()),
			IP: a.clientIP(r), Latency: a.clock.Now().Sub(start), At: start,
		})
	})
}

// maxBodyForLog reads a little past the cap so redaction sees whole JSON.
const maxBodyForLog = 64<<10 + 1
