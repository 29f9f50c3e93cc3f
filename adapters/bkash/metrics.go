package bkash

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the client's prometheus counters.
type metrics struct {
	grants    prometheus.Counter
	refreshes prometheus.Counter
	calls     *prometheus.CounterVec
	// token backoff (docs/gateways/bkash.md §4.3)
	degraded        prometheus.Gauge
	tokenFailures   prometheus.Counter
	backoffRefusals prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		grants: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "bkash_token_grants_total",
			Help: "bKash id_token grants obtained (rules 1-3: a handful per hour at most).",
		}),
		refreshes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "bkash_token_refreshes_total",
			Help: "bKash id_token refreshes obtained.",
		}),
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bkash_calls_total",
			Help: "HTTP calls to bKash by operation and result (ok, refused, no_answer).",
		}, []string{"op", "result"}),
		degraded: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "bkash_token_degraded",
			Help: "1 while the last bKash grant/refresh this node saw failed (token calls back off, payments needing a new token fail), else 0.",
		}),
		tokenFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "bkash_token_failures_total",
			Help: "bKash grant/refresh calls that failed (each starts or lengthens the shared backoff).",
		}),
		backoffRefusals: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "bkash_token_backoff_refusals_total",
			Help: "bKash calls not sent because token calls back off and no unexpired id_token was stored.",
		}),
	}
	var err error
	if m.grants, err = register(reg, m.grants); err != nil {
		return nil, err
	}
	if m.refreshes, err = register(reg, m.refreshes); err != nil {
		return nil, err
	}
	if m.calls, err = register(reg, m.calls); err != nil {
		return nil, err
	}
	if m.degraded, err = register(reg, m.degraded); err != nil {
		return nil, err
	}
	if m.tokenFailures, err = register(reg, m.tokenFailures); err != nil {
		return nil, err
	}
	if m.backoffRefusals, err = register(reg, m.backoffRefusals); err != nil {
		return nil, err
	}
	return m, nil
}

// register registers c, or returns the collector already registered under
// the same name so that several clients share one registerer.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing, nil
			}
		}
		return c, err
	}
	return c, nil
}
