package graph

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/graph/model"
)

// Re-read and re-subscribe back-off of paymentUpdated after a failed read or
// a dropped event stream.
const (
	feedMinBackoff = time.Second
	feedMaxBackoff = 30 * time.Second
)

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
// Sends wait for the client (bounded by the event bus, which drops a
// subscriber that falls too far behind; the feed then re-subscribes and
// re-reads). On ctx.Done (client stop, socket closed, token expired) it
// unsubscribes and closes the channel.
func (r *Resolver) followPayment(ctx context.Context, pr app.Principal, transactionID string) (<-chan *model.Payment, error) {
	events, unsubscribe := r.feeds.subscribe(ctx, transactionID)
	v, err := r.app.Payments.Get(ctx, pr, transactionID)
	if err != nil {
		unsubscribe()
		return nil, err
	}
	f := &paymentFeed{
		r: r, pr: pr, transactionID: transactionID,
		events: events, unsubscribe: unsubscribe,
		out: make(chan *model.Payment, 16),
	}
	f.send(ctx, v)
	if v.Payment.Status().Final() {
		unsubscribe()
		close(f.out)
		return f.out, nil
	}
	go f.run(ctx)
	return f.out, nil
}

// paymentFeed is one paymentUpdated subscription.
type paymentFeed struct {
	r             *Resolver
	pr            app.Principal
	transactionID string
	events        <-chan feedUpdate // nil while re-subscribing
	unsubscribe   func()
	out           chan *model.Payment
	last          string // fingerprint of the last payment sent
	lastVersion   int    // version of the last payment sent
}

func (f *paymentFeed) run(ctx context.Context) {
	defer close(f.out)
	defer func() { f.unsubscribe() }()
	defer func() {
		// Not under gqlgen's recovery: a panic here would end the process.
		if p := recover(); p != nil {
			f.r.log.ErrorContext(ctx, "paymentUpdated panic", "transaction_id", f.transactionID, "panic", p)
		}
	}()
	var wake <-chan time.Time
	backoff := feedMinBackoff
	later := func() {
		wake = time.After(backoff)
		backoff = min(2*backoff, feedMaxBackoff)
	}
	for {
		var (
			v   app.PaymentView
			err error
		)
		select {
		case <-ctx.Done():
			return
		case u, ok := <-f.events:
			if !ok {
				// The bus dropped this subscriber (it fell behind, or its
				// listener is reconnecting). Events are not replayed:
				// subscribe again after a pause, then re-read.
				f.unsubscribe()
				f.events, f.unsubscribe = nil, func() {}
				later()
				continue
			}
			backoff = feedMinBackoff
			if u.event.Version < f.lastVersion {
				continue // already shown
			}
			// The read shared by every subscriber of this payment on the
			// node: check this one may see it, as Payments.Get would.
			v, err = u.view, u.err
			if err == nil {
				if !f.pr.CanSee(v.Payment) {
					return
				}
				v = atVersion(v, u.event)
			}
		case <-wake:
			wake = nil
			if f.events == nil {
				f.events, f.unsubscribe = f.r.feeds.subscribe(ctx, f.transactionID)
			}
			v, err = f.r.app.Payments.Get(ctx, f.pr, f.transactionID)
		}
		switch {
		case err == nil:
			f.send(ctx, v)
			if v.Payment.Status().Final() {
				return
			}
		case ctx.Err() != nil, errors.Is(err, domain.ErrNotFound):
			return
		default:
			f.r.log.WarnContext(ctx, "paymentUpdated re-read", "transaction_id", f.transactionID, "err", err)
			if wake == nil {
				later()
			}
		}
	}
}

// send gives v to the client unless it shows nothing new, waiting for the
// client or ctx.
func (f *paymentFeed) send(ctx context.Context, v app.PaymentView) {
	fp := fingerprint(v)
	if fp == f.last {
		return
	}
	f.last, f.lastVersion = fp, v.Payment.Version
	select {
	case f.out <- toModelPayment(v, f.r.paymentURL(v.Payment.ID)):
	case <-ctx.Done():
	}
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
