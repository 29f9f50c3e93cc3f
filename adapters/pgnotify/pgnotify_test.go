package pgnotify_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/paycore/paycore/adapters/pgnotify"
	"github.com/paycore/paycore/adapters/postgres/pgtest"
	"github.com/paycore/paycore/domain"
)

// A NOTIFY committed on one connection reaches the subscribers of its
// transaction on a listener, in order, and not the subscribers of another.
func TestFanOut(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db, _ := pgtest.New(t)
	l := pgnotify.New(db.Pool, "test_channel", nil)
	go l.Run(ctx)
	select {
	case <-l.Ready():
	case <-time.After(10 * time.Second):
		t.Fatal("listener not ready")
	}
	a, stopA := l.Subscribe(ctx, "txn_a")
	defer stopA()
	b, stopB := l.Subscribe(ctx, "txn_b")
	defer stopB()
	send := func(id string, st domain.PaymentStatus, v int) {
		payload, _ := json.Marshal(domain.PaymentChanged{TransactionID: id, Status: st, Version: v})
		if _, err := db.Pool.Exec(ctx, "SELECT pg_notify('test_channel', $1)", string(payload)); err != nil {
			t.Fatal(err)
		}
	}
	send("txn_a", domain.StatusProcessing, 2)
	send("txn_a", domain.StatusSuccess, 3)
	for _, want := range []domain.PaymentStatus{domain.StatusProcessing, domain.StatusSuccess} {
		select {
		case e := <-a:
			if e.Status != want {
				t.Fatalf("got %s, want %s", e.Status, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no %s event", want)
		}
	}
	select {
	case e := <-b:
		t.Fatalf("txn_b got %v", e)
	case <-time.After(100 * time.Millisecond):
	}
	// Stopping a subscription closes its channel.
	stopA()
	if _, open := <-a; open {
		t.Fatal("channel open after stop")
	}
}

// A subscriber that stops reading is dropped (its channel closed) rather
// than blocking everyone else.
func TestSlowSubscriberDropped(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db, _ := pgtest.New(t)
	l := pgnotify.New(db.Pool, "slow_channel", nil)
	go l.Run(ctx)
	<-l.Ready()
	slow, stop := l.Subscribe(ctx, "txn_s")
	defer stop()
	// A second subscriber, on another payment, hears a marker sent after
	// the 40 events: once it has, all 40 were dispatched to slow, which has
	// read none of them (it has fallen behind).
	marker, stopMarker := l.Subscribe(ctx, "txn_marker")
	defer stopMarker()
	notify := func(txn string, version int) {
		payload, _ := json.Marshal(domain.PaymentChanged{TransactionID: txn, Status: domain.StatusPending, Version: version})
		if _, err := db.Pool.Exec(ctx, "SELECT pg_notify('slow_channel', $1)", string(payload)); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 40 {
		notify("txn_s", i)
	}
	notify("txn_marker", 0)
	select {
	case <-marker:
	case <-time.After(10 * time.Second):
		t.Fatal("the marker event never arrived")
	}
	n := 0
	for open := true; open; { // what was buffered, then closed
		select {
		case _, open = <-slow:
			if open {
				n++
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("slow subscriber never dropped (read %d)", n)
		}
	}
	if n == 0 || n >= 40 {
		t.Fatalf("slow subscriber read %d events before it was dropped; want its buffer's worth", n)
	}
}
