package bkash_test

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/paycore/paycore/adapters/bkash"
)

func counter(t *testing.T, reg *prometheus.Registry, name string, labels map[string]string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	metric:
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if labels[lp.GetName()] != lp.GetValue() {
					continue metric
				}
			}
			return m.GetCounter().GetValue()
		}
	}
	return 0
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	e := newEnv(t, func(c *bkash.Config) { c.Metrics = reg })
	// A second client on the same registerer shares the counters.
	if _, err := bkash.New(e.f.config(e.clock), e.store); err != nil {
		t.Fatal(err)
	}
	cfg := e.f.config(e.clock)
	cfg.Metrics = reg
	if _, err := bkash.New(cfg, e.store); err != nil {
		t.Fatalf("second client on the same registry: %v", err)
	}

	queryOK(t, e.client)
	e.clock.Advance(56 * time.Minute)
	queryOK(t, e.client)
	e.f.answer("search", 503, `down`)
	_, _ = e.client.Search(context.Background(), fxTrxID)

	eq(t, "grants", counter(t, reg, "bkash_token_grants_total", nil), 1.0)
	eq(t, "refreshes", counter(t, reg, "bkash_token_refreshes_total", nil), 1.0)
	eq(t, "query ok", counter(t, reg, "bkash_calls_total", map[string]string{"op": "query", "result": "ok"}), 2.0)
	eq(t, "search no_answer", counter(t, reg, "bkash_calls_total", map[string]string{"op": "search", "result": "no_answer"}), 1.0)
	eq(t, "grant ok", counter(t, reg, "bkash_calls_total", map[string]string{"op": "grant", "result": "ok"}), 1.0)
}
