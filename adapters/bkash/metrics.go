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
