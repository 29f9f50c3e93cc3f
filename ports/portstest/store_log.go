package portstest

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// The Store's event log and webhook deliveries, gateway hooks, review
// queue and job queue.

type eventLog struct{ d *data }

func (l eventLog) CreateEvent(_ context.Context, e *domain.Event) error {
	if _, ok := l.d.events[e.ID]; ok {
		return fmt.Errorf("%w: events_pkey", domain.ErrDuplicate)
	}
	l.d.events[e.ID] = *e
	return nil
}

func (l eventLog) GetEvent(_ context.Context, id string) (*domain.Event, error) {
	e, ok := l.d.events[id]
	if !ok {
		return nil, domain.ErrNotFound
	}
	return &e, nil
}

func (l eventLog) CreateDelivery(_ context.Context, x *domain.WebhookDelivery) error {
	if _, ok := l.d.deliveries[x.ID]; ok {
		return fmt.Errorf("%w: webhook_deliveries_pkey", domain.ErrDuplicate)
	}
	if _, ok := l.d.events[x.EventID]; !ok {
		return fmt.Errorf("portstest: delivery %s: no event %s", x.ID, x.EventID)
	}
	l.d.deliveries[x.ID] = *x
	l.d.delSeq[x.ID] = l.d.next()
	return nil
}

func (l eventLog) GetDelivery(_ context.Context, id string) (*domain.WebhookDelivery, error) {
	x, ok := l.d.deliveries[id]
	if !ok {
		return nil, domain.ErrNotFound
	}
	return &x, nil
}

func (l eventLog) GetDeliveryEvent(ctx context.Context, id string) (*domain.WebhookDelivery, *domain.Event, error) {
	x, err := l.GetDelivery(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	e, err := l.GetEvent(ctx, x.EventID)
	return x, e, err
}

func (l eventLog) UpdateDelivery(ctx context.Context, id string, fn func(*domain.WebhookDelivery) error) error {
	x, err := l.GetDelivery(ctx, id)
	if err != nil {
		return err
	}
	if err := fn(x); err != nil {
		return err
	}
	l.d.deliveries[id] = *x
	return nil
}

// UpdateDeliverySeen runs fn on the stored delivery: the store's
// transactions never overlap, so it has what a retry under lock would read.
func (l eventLog) UpdateDeliverySeen(ctx context.Context, seen *domain.WebhookDelivery, fn func(*domain.WebhookDelivery) error) error {
	return l.UpdateDelivery(ctx, seen.ID, fn)
}

func (l eventLog) AddAttempt(_ context.Context, a domain.WebhookAttempt) error {
	if _, ok := l.d.deliveries[a.DeliveryID]; !ok {
		return fmt.Errorf("portstest: webhook attempt: no delivery %s", a.DeliveryID)
	}
	l.d.tries = append(l.d.tries, a)
	return nil
}

func (l eventLog) ListDeliveries(_ context.Context, clientID, eventID string, limit int) ([]*domain.WebhookDelivery, error) {
	var out []*domain.WebhookDelivery
	for _, x := range l.d.deliveries {
		if (clientID == "" || x.ClientID == clientID) && (eventID == "" || x.EventID == eventID) {
			out = append(out, &x)
		}
	}
	slices.SortFunc(out, func(a, b *domain.WebhookDelivery) int {
		return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), cmp.Compare(l.d.delSeq[b.ID], l.d.delSeq[a.ID]))
	})
	return out[:min(limit, len(out))], nil
}

func (l eventLog) ListAttempts(_ context.Context, deliveryID string) ([]domain.WebhookAttempt, error) {
	var out []domain.WebhookAttempt
	for _, a := range l.d.tries {
		if a.DeliveryID == deliveryID {
			out = append(out, a)
		}
	}
	slices.SortStableFunc(out, func(a, b domain.WebhookAttempt) int { return cmp.Compare(a.Attempt, b.Attempt) })
	return out, nil
}

// ==== gateway hooks, reviews, jobs

type hookLog struct{ d *data }

func (l hookLog) RecordHook(ctx context.Context, r ports.GatewayHookRecord) error {
	if r.Verdict == "accepted" {
		if seen, _ := l.HookAccepted(ctx, r.Gateway, r.EventID); seen {
			return fmt.Errorf("%w: gateway_webhooks_accepted_key", domain.ErrDuplicate)
		}
	}
	l.d.hooks = append(l.d.hooks, r)
	return nil
}

func (l hookLog) HookAccepted(_ context.Context, gateway, eventID string) (bool, error) {
	for _, h := range l.d.hooks {
		if h.Gateway == gateway && h.EventID == eventID && h.Verdict == "accepted" {
			return true, nil
		}
	}
	return false, nil
}

type reviews struct{ d *data }

func (r reviews) Open(_ context.Context, x *domain.Review) error {
	if old, ok := r.d.reviews[x.AttemptID]; ok {
		// Replaces the earlier review of the attempt, keeping when it was
		// first opened.
		x2 := *x
		x2.CreatedAt, x2.DecidedBy, x2.Note, x2.DecidedAt = old.CreatedAt, "", "", time.Time{}
		r.d.reviews[x.AttemptID] = x2
		return nil
	}
	r.d.reviews[x.AttemptID] = *x
	r.d.revSeq[x.AttemptID] = r.d.next()
	return nil
}

func (r reviews) Get(_ context.Context, attemptID string) (*domain.Review, error) {
	x, ok := r.d.reviews[attemptID]
	if !ok {
		return nil, domain.ErrNotFound
	}
	return &x, nil
}

func (r reviews) List(_ context.Context, st domain.ReviewStatus, limit int) ([]*domain.Review, error) {
	var out []*domain.Review
	for _, x := range r.d.reviews {
		if st == "" || x.Status == st {
			out = append(out, &x)
		}
	}
	slices.SortFunc(out, func(a, b *domain.Review) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.AttemptID, b.AttemptID))
	})
	return out[:min(limit, len(out))], nil
}

func (r reviews) Update(ctx context.Context, attemptID string, fn func(*domain.Review) error) error {
	x, err := r.Get(ctx, attemptID)
	if err != nil {
		return err
	}
	if err := fn(x); err != nil {
		return err
	}
	r.d.reviews[attemptID] = *x
	return nil
}

type jobs struct{ d *data }

func (j jobs) EnqueueSMS(_ context.Context, id string) error {
	j.d.jobs = append(j.d.jobs, Job{Kind: "sms", ID: id})
	return nil
}

func (j jobs) EnqueueRefund(_ context.Context, id string) error {
	j.d.jobs = append(j.d.jobs, Job{Kind: "refund", ID: id})
	return nil
}

func (j jobs) EnqueueWebhook(_ context.Context, id, _ string) error {
	j.d.jobs = append(j.d.jobs, Job{Kind: "webhook", ID: id})
	return nil
}

func (j jobs) PaymentChanged(_ context.Context, e domain.PaymentChanged) error {
	j.d.changes = append(j.d.changes, e)
	return nil
}
