package pgnotify

import (
	"context"
	"sync"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// allBufferSize is how many events a subscriber to every payment may fall
// behind before it is dropped.
const allBufferSize = 256

var _ ports.EventFeed = (*Listener)(nil)

// allSubs are the subscribers to every payment's changes (the console's
// live feed, issue 12), fed by the same LISTEN connection.
type allSubs struct {
	mu  sync.Mutex
	set map[*sub]struct{}
}

// SubscribeAll implements ports.EventFeed: every change of every payment
// committed on any node. The channel is closed on cancel, when ctx ends,
// when the subscriber falls allBufferSize events behind, and when the
// listener reconnects (NOTIFY does not replay: re-read state then).
func (l *Listener) SubscribeAll(ctx context.Context) (<-chan domain.PaymentChanged, func()) {
	s := &sub{ch: make(chan domain.PaymentChanged, allBufferSize)}
	a := &l.all
	a.mu.Lock()
	if a.set == nil {
		a.set = map[*sub]struct{}{}
	}
	a.set[s] = struct{}{}
	a.mu.Unlock()
	remove := func() {
		a.mu.Lock()
		a.removeLocked(s)
		a.mu.Unlock()
	}
	stop := context.AfterFunc(ctx, remove)
	return s.ch, func() {
		stop()
		remove()
	}
}

func (a *allSubs) removeLocked(s *sub) {
	if s.closed {
		return
	}
	s.closed = true
	close(s.ch)
	delete(a.set, s)
}

// dispatch hands e to every subscriber, dropping those too slow.
func (a *allSubs) dispatch(e domain.PaymentChanged) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for s := range a.set {
		select {
		case s.ch <- e:
		default:
			a.removeLocked(s)
		}
	}
}

// drop closes every subscriber (the listener lost its connection).
func (a *allSubs) drop() {
	a.mu.Lock()
	defer a.mu.Unlock()
	for s := range a.set {
		a.removeLocked(s)
	}
}

// AllSubscribers returns how many subscribers follow every payment's
// changes on this node (the console feeds open now).
func (l *Listener) AllSubscribers() int {
	l.all.mu.Lock()
	defer l.all.mu.Unlock()
	return len(l.all.set)
}
