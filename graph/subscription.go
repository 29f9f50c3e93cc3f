package graph

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/graph/model"
)

// Re-read and re-subscribe back-off of paymentUpdated after a failed read, a
// dropped event stream or a client too slow to take what was sent.
const (
	feedMinBackoff = time.Second
	feedMaxBackoff = 30 * time.Second
)

// feedOutBuffer is how many payments a paymentUpdated client may fall
// behind: past it, the subscriber stops listening and re-reads the payment
// after a pause (so it still ends on the latest state).
const feedOutBuffer = 8

// feedPendingMax is how many updates are kept while the first read is on
// its way; past it, the payment is read again afterwards.
const feedPendingMax = 8

// followPayment serves paymentUpdated (docs/architecture.md §4, step 5):
//
//  1. subscribe to the event bus first, so no change between the read and
//     the subscription is lost;
//  2. read the payment through app.Payments.Get, which also checks the caller
//     may see it (NOT_FOUND otherwise), and send it;
//  3. on every event re-read the payment — once per node for all its
//     subscribers (feedHub), each checking it may see it — and send it as it
//     was at the event's version (the event carries the fields that change, so a
//     subscriber sees every state in order, pending → processing → success,
//     even when it reads after the next change committed), unless nothing
//     the client sees changed (status, version, attempts: a cancelled attempt
//     leaves the payment's version as it was, yet the customer must see it);
//  4. complete after sending a payment whose outcome is settled
//     (PaymentStatus.Final: anything but pending and processing). Refunds and
//     disputes come days later and reach merchants by webhook; a client that
//     wants them subscribes again.
//
// A subscription has no goroutine of its own (an idle one costs a few
// hundred bytes, issue 13): the payment's feedHub goroutine hands it each
// update, a timer re-reads after a failure, and on a websocket the
// transport is told of each send (wsStream) instead of waiting on the
// channel. Sends never wait: a client
// feedOutBuffer payments behind is dropped from the bus and re-reads the
// payment after a pause (as after the bus dropped it, or a failed read), so
// it still sees the latest state. On ctx.Done (client stop, socket closed,
// token expired) it unsubscribes and closes the channel.
func (r *Resolver) followPayment(ctx context.Context, pr app.Principal, transactionID string) (<-chan *model.Payment, error) {
	f := &paymentFeed{r: r, ctx: ctx, pr: pr, transactionID: transactionID, stream: streamFrom(ctx),
		out: make(chan *model.Payment, feedOutBuffer), backoff: feedMinBackoff}
	f.mu.Lock()
	f.subscribeLocked() // updates until the first send wait in f.pending
	f.mu.Unlock()
	v, err := r.app.Payments.Get(ctx, pr, transactionID)
	f.mu.Lock()
	defer f.mu.Unlock()
	if err != nil {
		f.finishLocked()
		return nil, err
	}
	f.started = true
	f.showLocked(v)
	for _, u := range f.pending {
		f.applyLocked(u)
	}
	f.pending = nil
	if f.overflow {
		f.laterLocked()
	}
	if !f.done {
		f.stop = context.AfterFunc(ctx, f.finish)
	}
	f.stream.claim() // every send and the close are signalled: no goroutine waits on out
	return f.out, nil
}

// paymentFeed is one paymentUpdated subscription. Everything but the
// immutable fields is guarded by mu; the hub's goroutine and the re-read
// timer take it, and never wait for the client.
type paymentFeed struct {
	r             *Resolver
	ctx           context.Context
	pr            app.Principal
	transactionID string
	stream        *wsStream // the websocket's, told of every send and the close; nil over HTTP

	mu          sync.Mutex
	out         chan *model.Payment
	done        bool          // out closed
	started     bool          // the first read was sent
	pending     []feedUpdate  // updates before started
	overflow    bool          // pending overflowed: read again once started
	gen         uint64        // current hub subscription; older ones' callbacks are ignored
	unsubscribe func()        // nil while not subscribed
	retry       *time.Timer   // pending re-read
	backoff     time.Duration // next re-read's pause
	stop        func() bool   // ends the context.AfterFunc
	last        string        // fingerprint of the last payment sent
	lastVersion int           // version of the last payment sent
}

// subscribeLocked subscribes to the payment's updates on the node's hub.
func (f *paymentFeed) subscribeLocked() {
	f.gen++
	gen := f.gen
	f.unsubscribe = f.r.feeds.subscribe(f.transactionID,
		func(u feedUpdate) { f.onUpdate(gen, u) },
		func() { f.onDropped(gen) })
}

// onUpdate takes one update from the hub.
func (f *paymentFeed) onUpdate(gen uint64, u feedUpdate) {
	f.mu.Lock()
	defer f.mu.Unlock()
	defer func() {
		// On the hub's goroutine, not under gqlgen's recovery: a panic here
		// would end the process.
		if p := recover(); p != nil {
			f.r.log.ErrorContext(f.ctx, "paymentUpdated panic", "transaction_id", f.transactionID, "panic", p)
			f.finishLocked()
		}
	}()
	if f.done || gen != f.gen {
		return
	}
	f.backoff = feedMinBackoff
	if !f.started {
		if len(f.pending) < feedPendingMax {
			f.pending = append(f.pending, u)
		} else {
			f.overflow = true
		}
		return
	}
	f.applyLocked(u)
}

// applyLocked shows one update: the payment as at the event's version, if
// the subscriber may see it.
func (f *paymentFeed) applyLocked(u feedUpdate) {
	if f.done || u.event.Version < f.lastVersion {
		return // already shown
	}
	switch {
	case u.err == nil:
		// The read shared by every subscriber of this payment on the node:
		// check this one may see it, as Payments.Get would.
		if !f.pr.CanSee(u.view.Payment) {
			f.finishLocked()
			return
		}
		f.showLocked(atVersion(u.view, u.event))
	case errors.Is(u.err, domain.ErrNotFound):
		f.finishLocked()
	default:
		f.r.log.WarnContext(f.ctx, "paymentUpdated re-read", "transaction_id", f.transactionID, "err", u.err)
		f.laterLocked()
	}
}

// onDropped: the bus dropped the payment's subscription (events are not
// replayed): subscribe again after a pause, then re-read.
func (f *paymentFeed) onDropped(gen uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.done || gen != f.gen {
		return
	}
	f.unsubscribe = nil
	f.laterLocked()
}

// laterLocked schedules a re-read (and re-subscription) after the back-off.
func (f *paymentFeed) laterLocked() {
	if f.retry != nil || f.done {
		return
	}
	f.retry = time.AfterFunc(f.backoff, f.reread)
	f.backoff = min(2*f.backoff, feedMaxBackoff)
}

// reread subscribes again if it was dropped, reads the payment and shows
// it.
func (f *paymentFeed) reread() {
	f.mu.Lock()
	f.retry = nil
	if f.done {
		f.mu.Unlock()
		return
	}
	if f.unsubscribe == nil {
		f.subscribeLocked()
	}
	f.mu.Unlock()
	v, err := f.r.app.Payments.Get(f.ctx, f.pr, f.transactionID)
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case f.done:
	case err == nil:
		if v.Payment.Version >= f.lastVersion {
			f.showLocked(v)
		}
	case f.ctx.Err() != nil, errors.Is(err, domain.ErrNotFound):
		f.finishLocked()
	default:
		f.r.log.WarnContext(f.ctx, "paymentUpdated re-read", "transaction_id", f.transactionID, "err", err)
		f.laterLocked()
	}
}

// showLocked gives v to the client unless it shows nothing new, and ends
// the subscription after a final state. A client too far behind is
// dropped from the bus and re-reads later.
func (f *paymentFeed) showLocked(v app.PaymentView) {
	fp := fingerprint(v)
	if fp == f.last {
		return
	}
	select {
	case f.out <- toModelPayment(v, f.r.paymentURL(v.Payment.ID)):
		f.stream.ready()
	default:
		if f.unsubscribe != nil {
			f.unsubscribe()
			f.unsubscribe = nil
			f.gen++
		}
		f.laterLocked()
		return
	}
	f.last, f.lastVersion = fp, v.Payment.Version
	if v.Payment.Status().Final() {
		f.finishLocked()
	}
}

// finish ends the subscription (its context ended).
func (f *paymentFeed) finish() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.finishLocked()
}

// finishLocked closes the channel, unsubscribes and stops the timers; only
// the first call counts.
func (f *paymentFeed) finishLocked() {
	if f.done {
		return
	}
	f.done = true
	close(f.out)
	f.stream.ready()
	if f.unsubscribe != nil {
		f.unsubscribe()
		f.unsubscribe = nil
	}
	if f.retry != nil {
		f.retry.Stop()
		f.retry = nil
	}
	if f.stop != nil {
		f.stop()
	}
	f.pending = nil
}

// atVersion returns v as it was at the event's version when the stored
// payment has moved on since: the event's status, references, refunded
// total and time over the stored order and amount. Attempts stay as read.
func atVersion(v app.PaymentView, e domain.PaymentChanged) app.PaymentView {
	if v.Payment.Version <= e.Version {
		return v
	}
	p := *v.Payment
	p.Version, p.Gateway, p.TrxID, p.UpdatedAt = e.Version, e.Gateway, e.TrxID, e.UpdatedAt
	if refunded, err := domain.NewMoney(e.Refunded, p.Amount.Currency().Code); err == nil {
		p.Refunded = refunded
	}
	return app.PaymentView{Payment: domain.PaymentFromDB(p, e.Status), Attempts: v.Attempts}
}

// fingerprint identifies what a client sees of a payment that can change:
// status, version and each attempt's status.
func fingerprint(v app.PaymentView) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s/%d", v.Payment.Status(), v.Payment.Version)
	for _, a := range v.Attempts {
		fmt.Fprintf(&b, "|%s:%s", a.ID, a.Status())
	}
	return b.String()
}
