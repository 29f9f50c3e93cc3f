package rest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"regexp"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/paycore/paycore/adapters/httpauth"
	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// dhaka is Bangladesh time (UTC+6, no daylight saving): the merchant API's
// "2026-06-18 20:00:00" timestamps and date-only filters use it.
var dhaka = domain.Dhaka

const apiTime = "2006-01-02 15:04:05"

// APIConfig wires the merchant REST API v1.
type APIConfig struct {
	App  *app.App
	Auth *app.Authenticator
	// Idempotency stores first responses per Idempotency-Key; nil disables it.
	Idempotency IdempotencyStore
	// Logs receives one record per request (batched by the store); nil: none.
	Logs RequestLogger
	// Sandbox allows plain HTTP; otherwise requests must arrive over TLS or
	// from a TrustedProxies address with X-Forwarded-Proto: https.
	Sandbox        bool
	TrustedProxies []netip.Prefix
	// DefaultRatePerMinute applies to clients without their own limit; 0 → 120.
	DefaultRatePerMinute int
	// RateLimiter holds the per-client buckets; share one with the GraphQL
	// edge. nil → a limiter of the API's own.
	RateLimiter *RateLimiter
	// GatewayHookRatePerMinute limits calls to POST /api/v1/webhook per
	// source IP (429 beyond it); 0 → DefaultGatewayHookRatePerMinute,
	// negative → no limit.
	GatewayHookRatePerMinute int
	// PaymentURL builds the hosted page URL of a transaction.
	PaymentURL func(transactionID string) string
	Clock      ports.Clock
	Logger     *slog.Logger
}

// API is the merchant REST API v1 (docs/merchant-api.md), a driving adapter
// over the same app use cases as GraphQL. Mount it at /api/v1.
type API struct {
	cfg   APIConfig
	app   *app.App
	log   *slog.Logger
	clock ports.Clock
	rate  *RateLimiter
	// hookRate limits POST /api/v1/webhook per source IP; nil: no limit.
	hookRate *sourceLimiter
	mux      chi.Router
}

// NewAPI builds the API's router; its routes carry the /api/v1 prefix.
func NewAPI(cfg APIConfig) *API {
	if cfg.App == nil || cfg.Auth == nil {
		panic("rest.NewAPI: nil App or Auth")
	}
	if cfg.Clock == nil {
		cfg.Clock = ports.SystemClock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.DefaultRatePerMinute == 0 {
		cfg.DefaultRatePerMinute = 120
	}
	if cfg.PaymentURL == nil {
		cfg.PaymentURL = func(id string) string { return "/pay/" + id }
	}
	if cfg.RateLimiter == nil {
		cfg.RateLimiter = NewRateLimiter(cfg.Clock)
	}
	if cfg.GatewayHookRatePerMinute == 0 {
		cfg.GatewayHookRatePerMinute = DefaultGatewayHookRatePerMinute
	}
	a := &API{cfg: cfg, app: cfg.App, log: cfg.Logger, clock: cfg.Clock, rate: cfg.RateLimiter}
	if cfg.GatewayHookRatePerMinute > 0 {
		a.hookRate = newSourceLimiter(cfg.Clock, cfg.GatewayHookRatePerMinute)
	}
	r := chi.NewRouter()
	r.Use(a.logRequests, a.requireHTTPS, a.limitBody)
	r.NotFound(func(w http.ResponseWriter, r *http.Request) { fail(w, http.StatusNotFound, "Not found") })
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		fail(w, http.StatusMethodNotAllowed, "Method not allowed")
	})
	r.Get("/api/v1/openapi.json", serveOpenAPI)
	r.Post(gatewayHookPath, a.limitHookSources(a.gatewayWebhook))
	r.Group(func(r chi.Router) {
		r.Use(a.authenticate, a.rateLimit, a.checkParams, a.idempotent)
		r.Post("/api/v1/pay", a.createPayment)
		r.Get("/api/v1/transaction/{transaction_id}", a.getTransaction)
		r.Get("/api/v1/transactions", a.listTransactions)
		r.Post("/api/v1/refund", a.refund)
		r.Post("/api/v1/api-keys/regenerate", a.regenerateKeys)
		r.Get("/api/v1/client/profile", a.profile)
		r.Get("/api/v1/client/dashboard", a.dashboard)
		r.Get("/api/v1/gateways", a.gateways)
		r.Get("/api/v1/gateways/health", a.gatewaysHealth)
		r.Get("/api/v1/webhooks", a.listWebhooks)
		r.Post("/api/v1/webhooks/{event_id}/redeliver", a.redeliver)
	})
	a.mux = r
	return a
}

func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.mux.ServeHTTP(w, r) }

// ==== middleware

// requireHTTPS refuses plain HTTP outside sandbox mode (docs/merchant-api.md
// §1.1). X-Forwarded-Proto counts only from a trusted
// proxy.
func (a *API) requireHTTPS(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !a.cfg.Sandbox && r.TLS == nil && !a.httpsAtTrustedProxy(r) {
			fail(w, http.StatusForbidden, "HTTPS required")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// httpsAtTrustedProxy reports whether a trusted proxy says (X-Forwarded-Proto)
// that the client reached it over HTTPS.
func (a *API) httpsAtTrustedProxy(r *http.Request) bool {
	return httpauth.HTTPSAtTrustedProxy(r, a.cfg.TrustedProxies)
}

// clientIP is the peer's address, or the nearest address a trusted proxy
// put in X-Forwarded-For.
func (a *API) clientIP(r *http.Request) string { return httpauth.ClientIP(r, a.cfg.TrustedProxies) }

// limitBody answers 413 for a body over httpauth.MaxBody (64 KiB).
func (a *API) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > httpauth.MaxBody {
			fail(w, http.StatusRequestEntityTooLarge, "Request body too large")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// authenticate checks the X-API-* signature (app.Authenticator) and puts the
// client in the context.
func (a *API) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sr, err := httpauth.Signed(r)
		if errors.Is(err, httpauth.ErrBodyTooLarge) {
			fail(w, http.StatusRequestEntityTooLarge, "Request body too large")
			return
		}
		if err != nil {
			fail(w, http.StatusBadRequest, "Could not read the request body")
			return
		}
		if r.Method == http.MethodPost && r.URL.Path == "/api/v1/pay" {
			// The create records the nonce in its own transaction: one
			// commit per create. Whatever path does not (an idempotent
			// replay, an error before the use case) records it here.
			pr, n, err := a.cfg.Auth.AuthenticateDeferred(r.Context(), sr)
			if err != nil {
				a.failErr(w, r, err)
				return
			}
			if rec := recordFrom(r.Context()); rec != nil {
				rec.clientID = pr.ClientID
			}
			next.ServeHTTP(w, r.WithContext(app.WithPendingNonce(app.WithPrincipal(r.Context(), pr), n)))
			if err := a.cfg.Auth.UseNonce(context.WithoutCancel(r.Context()), n); err != nil {
				a.log.Error("record nonce", "err", err)
			}
			return
		}
		pr, err := a.cfg.Auth.Authenticate(r.Context(), sr)
		if err != nil {
			a.failErr(w, r, err)
			return
		}
		if rec := recordFrom(r.Context()); rec != nil {
			rec.clientID = pr.ClientID
		}
		next.ServeHTTP(w, r.WithContext(app.WithPrincipal(r.Context(), pr)))
	})
}

func principal(r *http.Request) app.Principal {
	p, _ := app.PrincipalFrom(r.Context())
	return p
}

// ==== decoding helpers

// decode reads a JSON object into v: malformed JSON → 400, a field of the
// wrong type → 422 naming it. It reports whether the handler may go on.
func (a *API) decode(w http.ResponseWriter, r *http.Request, v any) bool {
	body, err := io.ReadAll(io.LimitReader(r.Body, httpauth.MaxBody+1))
	if err != nil {
		fail(w, http.StatusBadRequest, "Could not read the request body")
		return false
	}
	if len(body) > httpauth.MaxBody {
		fail(w, http.StatusRequestEntityTooLarge, "Request body too large")
		return false
	}
	if ve := checkJSONText(body); ve != nil {
		a.failErr(w, r, ve)
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	err = dec.Decode(v)
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			fail(w, http.StatusBadRequest, "Malformed JSON: the body must be a JSON object")
			return false
		}
		writeEnvelope(w, http.StatusUnprocessableEntity, envelope{Message: "Validation failed", Code: 422,
			Errors: map[string][]string{field: {field + " must be a " + jsonKind(te.Type.Kind().String())}}})
		return false
	case err != nil:
		fail(w, http.StatusBadRequest, "Malformed JSON")
		return false
	case dec.More():
		fail(w, http.StatusBadRequest, "Malformed JSON: trailing data after the object")
		return false
	}
	return true
}

func jsonKind(k string) string {
	switch k {
	case "string":
		return "string"
	case "int", "int64", "float64":
		return "number"
	case "map", "struct":
		return "JSON object"
	}
	return k
}

// amountText turns a JSON amount (number or decimal string) into the
// decimal text app parses; "" when absent or null.
func amountText(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	if raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			if s == "" {
				return "invalid"
			}
			return s
		}
	}
	return string(raw)
}

// money writes an amount as a JSON number with the currency's decimals
// (1500.00), never through a float.
func money(m domain.Money) json.Number { return json.Number(m.Decimal()) }

func apiTimeOf(t time.Time) string { return t.In(dhaka).Format(apiTime) }

// Dates from_date and to_date may name: from 1970-01-01 up to, not
// including, 9999-01-01 (Dhaka time). Year 0 and year 9999 are refused: no
// payment is that old, and a to_date of 9999-12-31 would step past what
// RFC 3339 can write.
var (
	minFilterDate = time.Date(1970, 1, 1, 0, 0, 0, 0, dhaka)
	maxFilterDate = time.Date(9999, 1, 1, 0, 0, 0, 0, dhaka)
)

// parseDate reads from_date/to_date: RFC 3339, "2006-01-02 15:04:05" or
// "2006-01-02" (Dhaka time), naming a moment from minFilterDate to before
// maxFilterDate. A to_date includes what it names: the whole day of a bare
// date, the whole second of a time; its result is at most maxFilterDate.
func parseDate(s string, end bool) (time.Time, bool) {
	t, day, ok := parseDateOnly(s)
	if !ok || t.Before(minFilterDate) || !t.Before(maxFilterDate) {
		return time.Time{}, false
	}
	// A to_date names a moment to include: a whole second (as created_at is
	// shown) or a whole day.
	switch {
	case end && day:
		t = t.AddDate(0, 0, 1)
	case end && t.Nanosecond() == 0:
		t = t.Add(time.Second)
	}
	return t, true
}

// parseDateOnly reads the three layouts; day reports a bare date.
func parseDateOnly(s string) (t time.Time, day, ok bool) {
	// Go's parsers are lenient (a one-digit hour, a comma before the
	// fraction): only the documented shapes are read.
	switch {
	case rfc3339Shape.MatchString(s):
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			return t, false, true
		}
	case apiTimeShape.MatchString(s):
		if t, err := time.ParseInLocation(apiTime, s, dhaka); err == nil {
			return t, false, true
		}
	case dayShape.MatchString(s):
		if t, err := time.ParseInLocation("2006-01-02", s, dhaka); err == nil {
			return t, true, true
		}
	}
	return time.Time{}, false, false
}

// The shapes from_date and to_date may take (docs/merchant-api.md §7.3).
var (
	rfc3339Shape = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})$`)
	apiTimeShape = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$`)
	dayShape     = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)
)

func atoiOr(s string, def int) (int, bool) {
	if s == "" {
		return def, true
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

// strconvF writes a percentage with two decimals.
func strconvF(f float64) string { return strconv.FormatFloat(f, 'f', 2, 64) }
