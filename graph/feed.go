package graph

import (
	"context"
	"errors"
	"time"

	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/graph/model"
)

// The console's live feed, paymentEvents (issue 12): every change of every
// payment the caller may see, from the node's one LISTEN connection
// (adapters/pgnotify SubscribeAll), so a change committed on any node
// reaches dashboards on all of them. For each change the payment is re-read
// through app.Console (which authorizes: others' payments are skipped) and
// sent as it was at the event's version, with type "payment.<status>".
//
// When the event stream breaks (the listener reconnects, or this feed fell
// behind) the feed subscribes again after a pause and sends RESYNC: the
// dashboard re-reads its list, as NOTIFY does not replay. A client that
// does not read its events (the buffer of feedBuffer fills) is dropped: the
// subscription completes.

// EventTypeResync tells a dashboard to re-read: events may have been lost.
const EventTypeResync = "RESYNC"

const feedBuffer = 64

func (r *Resolver) followAll(ctx context.Context, c *app.Console, pr app.Principal, f *model.PaymentEventFilter) (<-chan *model.PaymentEvent, error) {
	if r.feed == nil {
		return nil, errors.New("paymentEvents: no event feed")
	}
	var want struct {
		client, txn string
		status      domain.PaymentStatus
	}
	if f != nil {
		want.client, want.txn = deref(f.ClientID), deref(f.TransactionID)
		if f.Status != nil {
			want.status = domain.PaymentStatus(toDomainPaymentStatus(*f.Status))
		}
	}
	// A merchant may not even ask for another client's feed.
	if _, err := app.ScopeClient(pr, want.client); err != nil {
		return nil, err
	}
	events, cancel := r.feed.SubscribeAll(ctx)
	out := make(chan *model.PaymentEvent, feedBuffer)
	go func() {
		defer close(out)
		defer func() { cancel() }()
		defer func() {
			if p := recover(); p != nil {
				r.log.ErrorContext(ctx, "paymentEvents panic", "panic", p)
			}
		}()
		backoff := feedMinBackoff / 10
		for {
			select {
			case <-ctx.Done():
				return
			case e, ok := <-events:
				if !ok {
					cancel()
					select {
					case <-ctx.Done():
						return
					case <-time.After(backoff):
					}
					backoff = min(2*backoff, feedMaxBackoff)
					events, cancel = r.feed.SubscribeAll(ctx)
					if !offer(out, &model.PaymentEvent{Type: EventTypeResync}) {
						return
					}
					continue
				}
				backoff = feedMinBackoff / 10
				if (want.txn != "" && e.TransactionID != want.txn) || (want.status != "" && e.Status != want.status) {
					continue
				}
				row, err := c.PaymentRow(ctx, pr, e.TransactionID)
				switch {
				case errors.Is(err, domain.ErrNotFound), errors.Is(err, domain.ErrForbidden):
					continue // not the caller's
				case err != nil:
					if ctx.Err() != nil {
						return
					}
					r.log.WarnContext(ctx, "paymentEvents re-read", "transaction_id", e.TransactionID, "err", err)
					continue
				}
				if want.client != "" && row.ClientID != want.client {
					continue
				}
				// As it was at the event's version.
				row.Status, row.Gateway, row.TrxID, row.Refunded = string(e.Status), string(e.Gateway), e.TrxID, e.Refunded
				if !e.UpdatedAt.IsZero() {
					row.UpdatedAt = e.UpdatedAt.UTC()
				}
				if !offer(out, &model.PaymentEvent{Type: "payment." + string(e.Status), Payment: toModelConsolePayment(row)}) {
					r.log.InfoContext(ctx, "paymentEvents: slow subscriber dropped", "user", pr.Email)
					return
				}
			}
		}
	}()
	return out, nil
}

// offer sends ev unless the client is feedBuffer events behind.
func offer(out chan<- *model.PaymentEvent, ev *model.PaymentEvent) bool {
	select {
	case out <- ev:
		return true
	default:
		return false
	}
}
