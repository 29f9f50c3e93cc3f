package bkash_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/paycore/paycore/adapters/bkash"
	"github.com/paycore/paycore/adapters/bkashsim"
	"github.com/paycore/paycore/ports"
)

// A token outage over a simulated hour, with many payments on two nodes
// sharing the token store: token calls back off (docs/gateways/bkash.md
// §4.3), so bKash sees a handful of grants, not one per payment; calls
// needing a token fail at once (nothing sent); the operator sees the state
// (TokenHealth, metrics). When bKash is back, the next call after the
// backoff grants once and everything works again.
func TestTokenOutageBacksOffAcrossNodes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newSimEnv(t, 2*time.Second)
	reg := prometheus.NewRegistry()
	creds := s.sim.Credentials()
	node := func() *bkash.Client {
		c, err := bkash.New(bkash.Config{
			BaseURL: s.baseURL, Username: creds.Username, Password: creds.Password,
			AppKey: creds.AppKey, AppSecret: creds.AppSecret, CallbackURL: callbackURL,
			Timeout: 2 * time.Second, Clock: s.clock, Metrics: reg,
		}, s.store)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	nodes := []*bkash.Client{node(), node()}
	s.sim.SetFault(bkashsim.EndpointGrant, bkashsim.Fault{Mode: bkashsim.Fault503}) // until cleared

	payments := 0
	for minute := range 60 {
		for i := range 5 {
			c := nodes[i%2]
			payments++
			_, err := c.Create(ctx, ports.CreateRequest{AttemptID: fmt.Sprintf("att_%d_%d", minute, i), Amount: bdt(10000)})
			if !errors.Is(err, bkash.ErrNoToken) || !errors.Is(err, ports.ErrNotSent) {
				t.Fatalf("minute %d: Create err = %v, want ErrNoToken (not sent)", minute, err)
			}
			if minute > 0 && i > 0 && !errors.Is(err, bkash.ErrTokenBackoff) {
				t.Fatalf("minute %d: Create err = %v, want ErrTokenBackoff", minute, err)
			}
		}
		s.clock.Advance(time.Minute)
	}
	grants := s.stat(bkashsim.EndpointGrant)
	t.Logf("%d grant calls for %d payments", grants, payments)
	if grants < 2 || grants > 5 {
		t.Fatalf("%d grant calls for %d payments over an hour of outage; want a handful (backoff 5, 10, 20, 40 min)", grants, payments)
	}
	eq(t, "creates sent", s.stat(bkashsim.EndpointCreate), 0)
	h, err := nodes[1].TokenHealth(ctx)
	if err != nil || !h.Degraded || h.Failures != grants || h.LastError == "" || !h.BackoffUntil.After(s.clock.Now()) {
		t.Fatalf("TokenHealth = %+v, %v; want degraded after %d failures", h, err, grants)
	}
	eq(t, "bkash_token_degraded", metric(t, reg, "bkash_token_degraded"), 1.0)
	eq(t, "bkash_token_failures_total", metric(t, reg, "bkash_token_failures_total"), float64(grants))

	// bKash is back: nothing happens before the backoff ends, then one grant.
	s.sim.ClearFaults()
	s.clock.Advance(h.BackoffUntil.Sub(s.clock.Now()) + time.Second)
	for i := range 10 {
		if _, err := nodes[i%2].Create(ctx, ports.CreateRequest{AttemptID: fmt.Sprintf("att_ok_%d", i), Amount: bdt(10000)}); err != nil {
			t.Fatalf("Create after the outage: %v", err)
		}
	}
	eq(t, "grants after recovery", s.stat(bkashsim.EndpointGrant), grants+1)
	if h, _ := nodes[0].TokenHealth(ctx); h.Degraded {
		t.Fatalf("TokenHealth after recovery = %+v", h)
	}
	eq(t, "bkash_token_degraded after recovery", metric(t, reg, "bkash_token_degraded"), 0.0)
}

// metric returns the value of an unlabelled gauge or counter in reg.
func metric(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name && len(mf.GetMetric()) == 1 {
			m := mf.GetMetric()[0]
			if g := m.GetGauge(); g != nil {
				return g.GetValue()
			}
			return m.GetCounter().GetValue()
		}
	}
	t.Fatalf("metric %s not registered", name)
	return 0
}
