package main

// The small adapters cmd/paycore writes between packages that must not know
// each other: postgres's stores and recorder as the REST and GraphQL edges'
// ports, and Prometheus as app's webhook-verdict counter.

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/paycore/paycore/adapters/postgres"
	"github.com/paycore/paycore/adapters/rest"
	"github.com/paycore/paycore/graph"
)

// idempotencyStore adapts postgres's store to rest.IdempotencyStore.
type idempotencyStore struct{ db *postgres.DB }

func (i idempotencyStore) Begin(ctx context.Context, clientID, key string, hash []byte, ttl time.Duration) (*rest.StoredResponse, error) {
	r, err := i.db.BeginIdempotent(ctx, clientID, key, hash, ttl)
	switch {
	case errors.Is(err, postgres.ErrIdempotencyMismatch):
		return nil, rest.ErrIdempotencyMismatch
	case errors.Is(err, postgres.ErrIdempotencyInProgress):
		return nil, rest.ErrIdempotencyInProgress
	case err != nil || r == nil:
		return nil, err
	}
	return &rest.StoredResponse{Status: r.Status, Body: r.Body}, nil
}

func (i idempotencyStore) Finish(ctx context.Context, clientID, key string, status int, body []byte) error {
	return i.db.FinishIdempotent(ctx, clientID, key, status, body)
}

func (i idempotencyStore) Abandon(ctx context.Context, clientID, key string) error {
	return i.db.AbandonIdempotent(ctx, clientID, key)
}

// graphIdempotency adapts postgres's idempotency store (REST's) to
// graph.IdempotencyStore; GraphQL's keys are prefixed per operation, so
// they never meet REST's.
type graphIdempotency struct{ db *postgres.DB }

func (i graphIdempotency) Begin(ctx context.Context, scope, key string, hash []byte, ttl time.Duration) ([]byte, error) {
	r, err := i.db.BeginIdempotent(ctx, scope, key, hash, ttl)
	switch {
	case errors.Is(err, postgres.ErrIdempotencyMismatch):
		return nil, graph.ErrIdempotencyMismatch
	case errors.Is(err, postgres.ErrIdempotencyInProgress):
		return nil, graph.ErrIdempotencyInProgress
	case err != nil || r == nil:
		return nil, err
	}
	return r.Body, nil
}

func (i graphIdempotency) Finish(ctx context.Context, scope, key string, result []byte) error {
	return i.db.FinishIdempotent(ctx, scope, key, http.StatusOK, result)
}

func (i graphIdempotency) Abandon(ctx context.Context, scope, key string) error {
	return i.db.AbandonIdempotent(ctx, scope, key)
}

// graphRequestLogger adapts the recorder to graph.RequestLogger: GraphQL
// operations go to the same request log as REST's requests.
type graphRequestLogger struct{ r *postgres.Recorder }

func (l graphRequestLogger) LogRequest(x graph.RequestRecord) {
	l.r.LogRequest(postgres.RequestLog(x))
}

// hookMetrics counts incoming gateway webhook verdicts for Prometheus
// (ports.GatewayHookMetrics).
type hookMetrics struct{ c *prometheus.CounterVec }

func (m hookMetrics) HookVerdict(verdict string) { m.c.WithLabelValues(verdict).Inc() }

// requestLogger adapts the recorder to rest.RequestLogger.
type requestLogger struct{ r *postgres.Recorder }

func (l requestLogger) LogRequest(x rest.RequestRecord) {
	l.r.LogRequest(postgres.RequestLog(x))
}
