package rest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"time"
)

// MaxLoggedBody is how much of a request or response body is logged: 4 KiB.
const MaxLoggedBody = 4 << 10

// RequestRecord is one merchant API request as logged (merchant API
// document §9): bodies redacted and capped, headers (and so signatures) not
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
			RequestBody: redactBody(reqBody), ResponseBody: redactBody(c.body.Bytes()),
			IP: a.clientIP(r), Latency: a.clock.Now().Sub(start), At: start,
		})
	})
}

// maxBodyForLog reads a little past the cap so redaction sees whole JSON.
const maxBodyForLog = 64<<10 + 1

// secretKey matches JSON keys holding secrets, as whole words of the key
// ("secret_key", "client_token", "pin"), not inside others ("shipping").
var secretKey = regexp.MustCompile(`(?i)(^|[_\-])(secret|password|passwd|token|signature|api_?key|apikey|pin|otp|authorization)($|[_\-])|^(secretkey|apikey|clienttoken|webhooksecret)$`)

// redactBody replaces the values of secret-looking keys in a JSON body with
// "[REDACTED]" and caps the result at MaxLoggedBody; a body that is not
// JSON is capped only.
func redactBody(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber() // keep amounts as written: 1500.00 stays 1500.00
	if dec.Decode(&v) == nil {
		if out, err := json.Marshal(redact(v)); err == nil {
			b = out
		}
	}
	if len(b) > MaxLoggedBody {
		return string(b[:MaxLoggedBody]) + "…[truncated]"
	}
	return string(b)
}

func redact(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			if secretKey.MatchString(k) {
				x[k] = "[REDACTED]"
			} else {
				x[k] = redact(val)
			}
		}
	case []any:
		for i := range x {
			x[i] = redact(x[i])
		}
	}
	return v
}
