package graph

import (
	"context"
	"sync"

	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// feedHub shares what paymentUpdated subscribers of one payment need on a
// node: one subscription to the event bus per payment, and one database
// read per event, whose result every subscriber of that payment gets (each
// checks it may see it). Without it, n subscribers of a payment cost n
// reads per change.
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
	subs   map[*hubSub]struct{}
	cancel context.CancelFunc
}

type hubSub struct {
	ch     chan feedUpdate
	closed bool
}

// hubBuffer is how many updates a subscriber may fall behind before it is
// dropped (its channel closed): it then re-subscribes and re-reads.
const hubBuffer = 4

func newFeedHub(events ports.EventSubscriber, load func(ctx context.Context, transactionID string) (app.PaymentView, error)) *feedHub {
	return &feedHub{events: events, load: load, topics: map[string]*feedTopic{}}
}

// subscribe returns the updates of transactionID until ctx ends or the
// returned func is called; the channel is closed then, or when the bus
// dropped the payment's subscription (the caller re-subscribes and
// re-reads).
func (h *feedHub) subscribe(ctx context.Context, transactionID string) (<-chan feedUpdate, func()) {
	s := &hubSub{ch: make(chan feedUpdate, hubBuffer)}
	h.mu.Lock()
	t := h.topics[transactionID]
	if t == nil {
		tctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		t = &feedTopic{subs: map[*hubSub]struct{}{}, cancel: cancel}
		h.topics[transactionID] = t
		events, unsubscribe := h.events.Subscribe(tctx, transactionID)
		go h.run(tctx, transactionID, t, events, unsubscribe)
	}
	t.subs[s] = struct{}{}
	h.mu.Unlock()
	remove := func() {
		h.mu.Lock()
		h.removeLocked(transactionID, t, s)
		h.mu.Unlock()
	}
	stop := context.AfterFunc(ctx, remove)
	return s.ch, func() {
		stop()
		remove()
	}
}

func (h *feedHub) removeLocked(transactionID string, t *feedTopic, s *hubSub) {
	if !s.closed {
		s.closed = true
		close(s.ch)
		delete(t.subs, s)
	}
	if len(t.subs) == 0 && h.topics[transactionID] == t {
		delete(h.topics, transactionID)
		t.cancel()
	}
}

// run reads the payment once per event and hands it to every subscriber.
func (h *feedHub) run(ctx context.Context, transactionID string, t *feedTopic, events <-chan domain.PaymentChanged, unsubscribe func()) {
	defer unsubscribe()
	defer func() {
		h.mu.Lock()
		for s := range t.subs {
			h.removeLocked(transactionID, t, s)
		}
		if h.topics[transactionID] == t {
			delete(h.topics, transactionID)
		}
		h.mu.Unlock()
		t.cancel()
	}()
	for {
		select {
		case <-ctx.Done():
			return
		case e, ok := <-events:
			if !ok {
				return
			}
			v, err := h.load(ctx, transactionID)
			u := feedUpdate{event: e, view: v, err: err}
			h.mu.Lock()
			for s := range t.subs {
				select {
				case s.ch <- u:
				default: // too slow: dropped; it re-subscribes and re-reads
					h.removeLocked(transactionID, t, s)
				}
			}
			h.mu.Unlock()
		}
	}
}
