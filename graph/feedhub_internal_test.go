package graph

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
)

// oneBus is an event bus for one payment that counts its subscriptions.
type oneBus struct {
	mu   sync.Mutex
	subs []chan domain.PaymentChanged
}

func (b *oneBus) Subscribe(ctx context.Context, _ string) (<-chan domain.PaymentChanged, func()) {
	ch := make(chan domain.PaymentChanged, 16)
	b.mu.Lock()
	b.subs = append(b.subs, ch)
	b.mu.Unlock()
	return ch, func() {}
}

func (b *oneBus) publish(e domain.PaymentChanged) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, ch := range b.subs {
		ch <- e
	}
}

// TestFeedHubReadsOncePerEvent: ten paymentUpdated subscribers of one
// payment on a node share one bus subscription and one read per event.
func TestFeedHubReadsOncePerEvent(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	p, err := domain.NewPayment(domain.Order{ClientID: "cli_1", OrderID: "o"}, domain.MustMoney(25000, "BDT"), now, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	var reads atomic.Int64
	bus := &oneBus{}
	hub := newFeedHub(bus, func(context.Context, string) (app.PaymentView, error) {
		reads.Add(1)
		return app.PaymentView{Payment: p}, nil
	})
	var chans []chan feedUpdate
	var unsubs []func()
	for range 10 {
		ch := make(chan feedUpdate, 4)
		unsubs = append(unsubs, hub.subscribe(p.ID, func(u feedUpdate) { ch <- u }, func() { close(ch) }))
		chans = append(chans, ch)
	}
	if len(bus.subs) != 1 {
		t.Fatalf("%d bus subscriptions for one payment, want 1", len(bus.subs))
	}
	for i := 1; i <= 3; i++ {
		bus.publish(domain.PaymentChanged{TransactionID: p.ID, Status: domain.StatusPending, Version: i})
		for j, ch := range chans {
			select {
			case u := <-ch:
				if u.event.Version != i || u.view.Payment != p {
					t.Fatalf("subscriber %d got %+v", j, u.event)
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("subscriber %d got no update %d", j, i)
			}
		}
		if n := reads.Load(); n != int64(i) {
			t.Fatalf("after %d events: %d reads, want one per event", i, n)
		}
	}
	// The last subscriber leaving ends the payment's subscription.
	for i, unsubscribe := range unsubs {
		unsubscribe()
		hub.mu.Lock()
		open := len(hub.topics)
		hub.mu.Unlock()
		want := 1
		if i == len(unsubs)-1 {
			want = 0
		}
		if open != want {
			t.Fatalf("after %d of %d left: %d topics open, want %d", i+1, len(unsubs), open, want)
		}
	}
}
