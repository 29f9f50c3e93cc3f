package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
	"github.com/paycore/paycore/webhook"
)

// Webhooks delivers merchant webhooks (the events publish wrote) and lets
// merchants and operators list and redeliver them.
type Webhooks struct {
	tx      ports.TxProvider
	clock   ports.Clock
	sender  ports.WebhookSender  // nil: Deliver fails
	secrets ports.WebhookSecrets // nil: Deliver fails
	// secretCache keeps the secrets read, by client ID: a client's webhook
	// secret is set when the client is created and never changes
	// (Console.CreateClient), so a node reads each at most once per
	// DefaultKeyCacheTTL instead of once per delivery. nil: none kept.
	secretCache *ttlCache[string, []byte]
}

// secret returns clientID's webhook signing secret.
func (w *Webhooks) secret(ctx context.Context, clientID string) ([]byte, error) {
	now := w.clock.Now()
	if w.secretCache != nil {
		if s, ok := w.secretCache.get(clientID, now); ok {
			return s, nil
		}
	}
	s, err := w.secrets.WebhookSecret(ctx, clientID)
	if err == nil && w.secretCache != nil {
		w.secretCache.put(clientID, s, now)
	}
	return s, err
}

// WebhookTimeout is how long a merchant has to answer 2xx.
const WebhookTimeout = 10 * time.Second

// ErrWebhookNotDelivered: the merchant did not answer 2xx in time; the job
// retries (after 1, 5 and 15 minutes).
var ErrWebhookNotDelivered = errors.New("webhook not delivered")

// Deliver makes one attempt at a delivery: signs the stored payload with
// the client's webhook secret, POSTs it, and records the attempt (time,
// status, latency, first 1 KiB of the answer, error). A 2xx marks it
// delivered. Otherwise it returns ErrWebhookNotDelivered so the job tries
// again, unless lastTry, which marks the delivery failed. A delivery already
// delivered or failed is left alone.
func (w *Webhooks) Deliver(ctx context.Context, deliveryID string, lastTry bool) error {
	if w.sender == nil || w.secrets == nil {
		return errors.New("deliver webhook: no sender wired")
	}
	var (
		d *domain.WebhookDelivery
		e *domain.Event
	)
	err := read(ctx, w.tx, func(ctx context.Context, tx ports.Tx) error {
		var err error
		d, e, err = tx.EventLog().GetDeliveryEvent(ctx, deliveryID)
		return err
	})
	if err != nil || d.Status != domain.DeliveryPending {
		return err
	}
	secret, err := w.secret(ctx, d.ClientID)
	if err != nil {
		return fmt.Errorf("deliver webhook %s: %w", d.ID, err)
	}
	sendCtx, cancel := context.WithTimeout(ctx, WebhookTimeout)
	resp, sendErr := w.sender.Send(sendCtx, ports.WebhookRequest{URL: d.URL, Body: e.Payload, Headers: map[string]string{
		"Content-Type":          "application/json",
		"User-Agent":            "paycore-webhooks/1",
		webhook.IDHeader:        e.ID,
		webhook.EventHeader:     string(e.Type),
		webhook.SignatureHeader: webhook.Sign(secret, e.Payload, w.clock.Now()),
	}})
	cancel()
	delivered := sendErr == nil && resp.StatusCode >= 200 && resp.StatusCode < 300
	err = w.tx.Transact(context.WithoutCancel(ctx), func(ctx context.Context, tx ports.Tx) error {
		var try domain.WebhookAttempt
		err := tx.EventLog().UpdateDeliverySeen(ctx, d, func(d *domain.WebhookDelivery) error {
			try = d.Record(resp.StatusCode, delivered, lastTry, w.clock.Now())
			return nil
		})
		if err != nil {
			return err
		}
		try.Latency, try.Response = resp.Latency, resp.Body
		if sendErr != nil {
			try.Error = sendErr.Error()
		}
		return tx.EventLog().AddAttempt(ctx, try)
	})
	if err != nil {
		return err
	}
	if !delivered && !lastTry {
		return fmt.Errorf("%w: %s answered %d %v", ErrWebhookNotDelivered, d.ID, resp.StatusCode, sendErr)
	}
	return nil
}

// DeliveryView is a delivery with its attempts.
type DeliveryView struct {
	Delivery *domain.WebhookDelivery
	Event    *domain.Event
	Attempts []domain.WebhookAttempt
}

// List returns up to limit webhook deliveries of the principal's client
// (every client's for an admin principal), newest first; eventID narrows to
// one event. limit outside 1..100 → 50. domain.ErrForbidden for a
// payment-scoped principal.
func (w *Webhooks) List(ctx context.Context, pr Principal, eventID string, limit int) ([]DeliveryView, error) {
	if pr.TransactionID != "" {
		return nil, domain.ErrForbidden
	}
	if limit < 1 || limit > 100 {
		limit = 50
	}
	clientID := pr.ClientID
	if pr.Admin {
		clientID = ""
	}
	var out []DeliveryView
	err := w.tx.Transact(ctx, func(ctx context.Context, tx ports.Tx) error {
		out = nil
		ds, err := tx.EventLog().ListDeliveries(ctx, clientID, eventID, limit)
		if err != nil {
			return err
		}
		for _, d := range ds {
			v := DeliveryView{Delivery: d}
			if v.Event, err = tx.EventLog().GetEvent(ctx, d.EventID); err != nil {
				return err
			}
			if v.Attempts, err = tx.EventLog().ListAttempts(ctx, d.ID); err != nil {
				return err
			}
			out = append(out, v)
		}
		return nil
	})
	return out, err
}

// Redeliver sends an event's webhook again: its latest delivery goes back
// to pending with a fresh job (and a fresh 1, 5, 15 minute retry schedule).
// Only the owning client (or an admin) may; domain.ErrNotFound otherwise,
// domain.ErrForbidden for a payment-scoped principal.
func (w *Webhooks) Redeliver(ctx context.Context, pr Principal, eventID string) (*domain.WebhookDelivery, error) {
	if pr.TransactionID != "" {
		return nil, domain.ErrForbidden
	}
	var out *domain.WebhookDelivery
	err := w.tx.Transact(ctx, func(ctx context.Context, tx ports.Tx) error {
		e, err := tx.EventLog().GetEvent(ctx, eventID)
		if err != nil {
			return err
		}
		if e.ClientID != pr.ClientID && !pr.Admin {
			return domain.ErrNotFound
		}
		ds, err := tx.EventLog().ListDeliveries(ctx, e.ClientID, e.ID, 1)
		if err != nil {
			return err
		}
		if len(ds) == 0 {
			return fmt.Errorf("%w: event %s has no webhook_url to deliver to", domain.ErrNotFound, e.ID)
		}
		err = tx.EventLog().UpdateDelivery(ctx, ds[0].ID, func(d *domain.WebhookDelivery) error {
			d.Redeliver(w.clock.Now())
			out = d
			return nil
		})
		if err != nil {
			return err
		}
		return tx.Jobs().EnqueueWebhook(ctx, out.ID, out.URL)
	})
	return out, err
}
