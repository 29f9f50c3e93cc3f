// Package rest is paycore's HTTP edge other than GraphQL: the hosted payment
// page, the gateways' browser callbacks and result page, health checks, and
// (mounted beside them) the merchant REST API v1.
package rest

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// Config wires the edge.
type Config struct {
	App    *app.App
	Clock  ports.Clock
	Logger *slog.Logger
	// Ready reports whether the node can serve (database reachable,
	// migrations current); GET /readyz answers 503 with its error.
	Ready func(ctx context.Context) error
	// Degraded, if set, names the gateways that work only in part, with why
	// (bKash: its token calls back off after a failed grant). /readyz still
	// answers 200 — the node serves everything else, and a 503 on every node
	// would take the whole service out of its load balancer — with
	// "status": "degraded" and a "degraded" object {gateway: detail}.
	Degraded func(ctx context.Context) map[string]string
	// Mounts are further handlers by path prefix: "/graphql", "/api/v1",
	// "/sandbox/bkash" (mounted with the prefix stripped when it ends in
	// "/*"... see NewHandler).
	Mounts map[string]http.Handler
	// BkashIPN verifies bKash's server-to-server notifications (AWS SNS
	// messages) for POST /callbacks/bkash/ipn; nil: the route answers 404.
	BkashIPN ports.NotificationReader
	// TrustedProxies may set X-Forwarded-For (the IPN's logged source).
	TrustedProxies []netip.Prefix
	// Sandbox marks the customer pages as test mode and sends GET / to the
	// sandbox index (/sandbox) instead of a status page.
	Sandbox bool
}

// Handler serves the customer's routes of docs/architecture.md §4, steps 2
// and 3 (hosted page, gateway callbacks, result page) and health checks;
// Config.Mounts adds the merchant API (docs/merchant-api.md §7), GraphQL and,
// in sandbox mode, the simulators (docs/platform.md §3, §4).
type Handler struct {
	app      *app.App
	clock    ports.Clock
	log      *slog.Logger
	ready    func(ctx context.Context) error
	degraded func(ctx context.Context) map[string]string
	sandbox  bool
	mux      chi.Router
	ipn      ports.NotificationReader
	proxy    []netip.Prefix
}

// NewHandler builds the router. Each Mounts entry is served under its
// prefix with the full path intact (handlers that want it stripped wrap
// themselves in http.StripPrefix).
func NewHandler(cfg Config) *Handler {
	if cfg.App == nil {
		panic("rest.NewHandler: nil App")
	}
	if cfg.Clock == nil {
		cfg.Clock = ports.SystemClock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	h := &Handler{app: cfg.App, clock: cfg.Clock, log: cfg.Logger, ready: cfg.Ready, degraded: cfg.Degraded,
		ipn: cfg.BkashIPN, proxy: cfg.TrustedProxies, sandbox: cfg.Sandbox}
	r := chi.NewRouter()
	r.Use(middleware.RequestID, h.recoverer)
	r.Get("/healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	r.Get("/readyz", h.readyz)
	r.Get("/", h.home)
	r.Handle("GET /assets/pay/*", assets())
	r.Get("/pay/{transaction_id}", h.checkout)
	r.Post("/pay/{transaction_id}/{gateway}", h.startAttempt)
	r.Get("/pay/{transaction_id}/result", h.result)
	r.Get("/callbacks/bkash", h.bkashCallback)
	r.Post("/callbacks/bkash/ipn", h.bkashIPN)
	// Nagad inserts "/" before the query (docs/gateways/nagad.md §7.2): route
	// both.
	r.Get("/callbacks/nagad", h.nagadCallback)
	r.Get("/callbacks/nagad/", h.nagadCallback)
	r.Get("/callbacks/redirectgw/success", h.signedReturn(domain.GatewayRedirectGW, ports.ReturnSuccess))
	r.Get("/callbacks/redirectgw/cancel", h.signedReturn(domain.GatewayRedirectGW, ports.ReturnCancel))
	// SSLCommerz posts the browser back cross-site, and its IPN server to
	// server (docs/gateways/sslcommerz.md §3, §4).
	r.Post("/callbacks/sslcommerz/{kind:success|fail|cancel}", h.sslcommerzReturn)
	r.Post("/callbacks/sslcommerz/ipn", h.sslcommerzIPN)
	for prefix, mh := range cfg.Mounts {
		r.Handle(prefix, mh)
		r.Handle(prefix+"/*", mh)
	}
	h.mux = r
	return h
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

func (h *Handler) readyz(w http.ResponseWriter, r *http.Request) {
	if h.ready != nil {
		ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
		defer cancel()
		if err := h.ready(ctx); err != nil {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": err.Error()})
			return
		}
	}
	if h.degraded != nil {
		ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
		defer cancel()
		if d := h.degraded(ctx); len(d) > 0 {
			writeJSON(w, http.StatusOK, map[string]any{"status": "degraded", "degraded": d})
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// recoverer turns a panic into a 500 without leaking its details.
func (h *Handler) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				h.log.Error("panic", "path", r.URL.Path, "panic", v)
				writeJSON(w, http.StatusInternalServerError, map[string]any{"success": false, "message": "Internal Server Error", "code": 500})
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
