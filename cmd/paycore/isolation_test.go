package main

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paycore/paycore/ports/portstest"
)

// TestDeadEndpointDoesNotDelayOthers: a merchant endpoint that never
// answers holds at most jobs.Config.WebhooksPerEndpoint webhook workers (its
// other deliveries are snoozed), and SMS have a queue of their own, so
// another merchant's webhook and the customer's SMS go out on time while
// dozens of deliveries to the dead endpoint wait out their 10 s timeout.
func TestDeadEndpointDoesNotDelayOthers(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	hang := make(chan struct{})
	var hits atomic.Int32
	dead := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(dead.Close)
	t.Cleanup(func() { close(hang) })
	for range 40 {
		createFor(t, ts, dead.URL+"/hooks", "100.00")
	}
	// The dead endpoint's deliveries have taken the workers they can.
	portstest.WaitFor(t, "deliveries hanging at the dead endpoint", func() bool { return hits.Load() >= 2 })
	rc := newReceiver(t)
	start := time.Now()
	txn := createFor(t, ts, rc.srv.URL+"/hooks", "250.00")
	portstest.WaitFor(t, "the other merchant's payment.pending webhook", func() bool { return len(rc.events("payment.pending")) == 1 })
	portstest.WaitFor(t, "the customer's order-placed SMS", func() bool {
		var sent int
		ts.queryRow(t, `SELECT count(*) FROM notifications WHERE payment_id = $1 AND status = 'sent'`, []any{txn}, &sent)
		return sent == 1
	})
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("webhook and SMS took %s behind a dead endpoint, want well under its 10 s timeout", d)
	}
}
