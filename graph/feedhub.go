package graph

import (
	"context"
	"sync"

	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// feedHub shares what paymentUpdated subscribers of one payment need on a
// node: one subscription to the event bus per payment, one goroutine per
// payment, and one database read per event, whose result every subscriber
// of that payment gets (each checks it may see it). Without it, n
// subscribers of a payment cost n reads per change. Subscribers are
// callbacks, not goroutines: an idle subscriber costs a map entry (issue
// 13: ≤ 32 KB per idle subscriber).
type feedHub struct {
	events ports.EventSubscriber
	load   func(ctx context.Context, transactionID string) (app.PaymentView, error)

	mu     sync.Mutex
	topics map[string]*feedTopic
}

// feedUpdate is one event with the payment as read once for it.
type feedUpdate struct {
	event domain.PaymentChanged
	view  app.PaymentView
	err   error
}

type feedTopic struct {
	subs        map[*hubSub]struct{}
	cancel      context.CancelFunc
	unsubscribe func() // the bus subscription's
}

// hubSub is one subscriber: deliver gets every update, in order, from the
// payment's goroutine and must not block; dropped is called once when the
// bus dropped the payment's subscription (its listener reconnected, or the
// hub fell behind), after which deliver is not called again.
type hubSub struct {
	deliver func(feedUpdate)
	dropped func()
}

func newFeedHub(events ports.EventSubscriber, load func(ctx context.Context, transactionID string) (app.PaymentView, error)) *feedHub {
	return &feedHub{events: events, load: load, topics: map[string]*feedTopic{}}
}

// subscribe calls deliver with every update of transactionID until the
// returned func is called (deliver may still be running then, once), or
// dropped when the bus dropped the payment's subscription (the caller
// re-subscribes and re-reads). deliver and dropped must not block and must
// not call the hub.
func (h *feedHub) subscribe(transactionID string, deliver func(feedUpdate), dropped func()) (unsubscribe func()) {
	s := &hubSub{deliver: deliver, dropped: dropped}
	h.mu.Lock()
	t := h.topics[transactionID]
	if t == nil {
		tctx, cancel := context.WithCancel(context.Background())
		events, unsubscribe := h.events.Subscribe(tctx, transactionID)
		t = &feedTopic{subs: map[*hubSub]struct{}{}, cancel: cancel, unsubscribe: unsubscribe}
		h.topics[transactionID] = t
		go h.run(tctx, transactionID, t, events, unsubscribe)
	}
	t.subs[s] = struct{}{}
	h.mu.Unlock()
	return func() {
		h.mu.Lock()
		delete(t.subs, s)
		last := len(t.subs) == 0 && h.topics[transactionID] == t
		if last {
			delete(h.topics, transactionID)
		}
		h.mu.Unlock()
		if last {
			// The last subscriber leaving ends the bus subscription now,
			// not when the topic's goroutine next runs.
			t.cancel()
			t.unsubscribe()
		}
	}
}

// run reads the payment once per event and hands it to every subscriber.
func (h *feedHub) run(ctx context.Context, transactionID string, t *feedTopic, events <-chan domain.PaymentChanged, unsubscribe func()) {
	defer unsubscribe()
	var subs []*hubSub
	snapshot := func() []*hubSub {
		subs = subs[:0]
		for s := range t.subs {
			subs = append(subs, s)
		}
		return subs
	}
	for {
		select {
		case <-ctx.Done():
			return
		case e, ok := <-events:
			if !ok {
				// Dropped by the bus: every subscriber re-subscribes (to a
				// new topic) and re-reads.
				h.mu.Lock()
				if h.topics[transactionID] == t {
					delete(h.topics, transactionID)
				}
				dropped := snapshot()
				clear(t.subs)
				h.mu.Unlock()
				t.cancel()
				for _, s := range dropped {
					s.dropped()
				}
				return
			}
			v, err := h.load(ctx, transactionID)
			u := feedUpdate{event: e, view: v, err: err}
			h.mu.Lock()
			now := snapshot()
			h.mu.Unlock()
			for _, s := range now {
				s.deliver(u)
			}
		}
	}
}
