package graph

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/graph/model"
	"github.com/paycore/paycore/ports"
	"github.com/paycore/paycore/ports/portstest"
)

// TestPaymentFeedDropsSlowClient: a paymentUpdated client that stops
// taking payments is dropped once feedOutBuffer are waiting (its hub
// subscription ends, so it no longer costs the payment's goroutine
// anything), and after it catches up a re-read brings it the latest state.
func TestPaymentFeedDropsSlowClient(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	store := portstest.NewStore()
	store.AddClient(domain.Client{ID: "cli_1", Name: "Shop", Status: domain.ClientActive, Language: "en"})
	now := time.Now().UTC().Truncate(time.Second)
	p, err := domain.NewPayment(domain.Order{ClientID: "cli_1", OrderID: "o-1"}, domain.MustMoney(25000, "BDT"), now, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	put := func(version int) {
		t.Helper()
		q := *p
		q.Version = version
		stored := domain.PaymentFromDB(q, domain.StatusPending)
		if err := store.Transact(ctx, func(ctx context.Context, tx ports.Tx) error {
			if version == p.Version {
				return tx.Payments().Create(ctx, stored)
			}
			return tx.Payments().Update(ctx, p.ID, func(x *domain.Payment) error { *x = *stored; return nil })
		}); err != nil {
			t.Fatal(err)
		}
	}
	put(p.Version)
	a := app.New(app.Config{}, app.Deps{Tx: store, Clock: ports.SystemClock{}})
	bus := &oneBus{}
	r := &Resolver{app: a, feeds: newFeedHub(bus, a.Payments.View), paymentURL: func(id string) string { return "/pay/" + id },
		log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	out, err := r.followPayment(ctx, app.Principal{ClientID: "cli_1"}, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	topics := func() int {
		r.feeds.mu.Lock()
		defer r.feeds.mu.Unlock()
		return len(r.feeds.topics)
	}
	if topics() != 1 {
		t.Fatal("not subscribed")
	}

	// Ten changes while the client reads nothing: the first feedOutBuffer-1
	// fit beside the first payment, the next one finds no room.
	last := p.Version + 10
	put(last)
	for v := p.Version + 1; v <= last; v++ {
		bus.publish(domain.PaymentChanged{TransactionID: p.ID, Status: domain.StatusPending, Version: v})
	}
	portstest.WaitFor(t, "the slow client dropped from the hub", func() bool { return topics() == 0 })

	// The client catches up: what was waiting, then the latest state, read
	// again after the back-off.
	got := 0
	var seen *model.Payment
	for got < feedOutBuffer {
		seen = <-out
		got++
	}
	select {
	case seen = <-out:
	case <-time.After(5 * feedMinBackoff):
		t.Fatalf("no re-read after the client caught up (last seen %+v)", seen)
	}
	if seen.Status != model.PaymentStatusPending {
		t.Fatalf("re-read %+v", seen)
	}
	portstest.WaitFor(t, "subscribed again", func() bool { return topics() == 1 })
}
