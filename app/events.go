package app

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// webhookPayload is the body of a merchant webhook (ARCHITECTURE.md §4
// "Outgoing merchant webhooks"); it is stored as the event's payload and
// sent byte for byte.
type webhookPayload struct {
	ID             string      `json:"id"`
	Event          string      `json:"event"`
	TransactionID  string      `json:"transaction_id"`
	OrderID        string      `json:"order_id"`
	Amount         json.Number `json:"amount"`
	Currency       string      `json:"currency"`
	Status         string      `json:"status"`
	GatewayRef     string      `json:"gateway_ref"`
	RefundedAmount json.Number `json:"refunded_amount"`
	Timestamp      string      `json:"timestamp"`
}

// publish announces a change of p inside the use case's transaction: a
// pg_notify for live subscribers and, when ev is set, an event in the event
// log plus a webhook delivery job for the payment's webhook_url. All of it
// commits or rolls back with the change itself.
func (s *Service) publish(ctx context.Context, tx ports.Tx, p *domain.Payment, ev domain.EventType) error {
	if err := tx.Events().PaymentChanged(ctx, changed(p)); err != nil {
		return err
	}
	if ev == "" {
		return nil
	}
	now := s.clock.Now()
	e := &domain.Event{ID: domain.NewID(domain.PrefixEvent), Type: ev, ClientID: p.Order.ClientID, PaymentID: p.ID, CreatedAt: now}
	body, err := json.Marshal(webhookPayload{
		ID: e.ID, Event: string(ev), TransactionID: p.ID, OrderID: p.Order.OrderID,
		Amount: json.Number(p.Amount.Decimal()), Currency: p.Amount.Currency().Code, Status: string(p.Status()),
		GatewayRef: p.TrxID, RefundedAmount: json.Number(p.Refunded.Decimal()), Timestamp: now.UTC().Format(time.RFC3339),
	})
	if err != nil {
		return err
	}
	e.Payload = body
	if err := tx.EventLog().CreateEvent(ctx, e); err != nil {
		return err
	}
	if p.Order.WebhookURL == "" {
		return nil
	}
	d := &domain.WebhookDelivery{ID: domain.NewID(domain.PrefixDelivery), EventID: e.ID, ClientID: e.ClientID,
		URL: p.Order.WebhookURL, Status: domain.DeliveryPending, CreatedAt: now, UpdatedAt: now}
	if err := tx.EventLog().CreateDelivery(ctx, d); err != nil {
		return err
	}
	return tx.Jobs().EnqueueWebhook(ctx, d.ID)
}

// WebhookTimeout is how long a merchant has to answer 2xx.
const WebhookTimeout = 10 * time.Second

// SignWebhook returns the X-Webhook-Signature value for body sent at t:
// "t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>" (ARCHITECTURE.md §4).
func SignWebhook(secret, body []byte, t time.Time) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts + "."))
	m.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(m.Sum(nil))
}

// ErrWebhookNotDelivered: the merchant did not answer 2xx in time; the job
// retries (after 1, 5 and 15 minutes).
var ErrWebhookNotDelivered = errors.New("webhook not delivered")

// DeliverWebhook makes one attempt at a delivery: signs the stored payload
// with the client's webhook secret, POSTs it, and records the attempt (time,
// status, latency, first 1 KiB of the answer, error). A 2xx marks it
// delivered. Otherwise it returns ErrWebhookNotDelivered so the job tries
// again, unless lastTry, which marks the delivery failed. A delivery already
// delivered or failed is left alone.
func (s *Service) DeliverWebhook(ctx context.Context, deliveryID string, lastTry bool) error {
	if s.webhooks == nil || s.secrets == nil {
		return errors.New("deliver webhook: no sender wired")
	}
	var (
		d *domain.WebhookDelivery
		e *domain.Event
	)
	err := s.tx.Transact(ctx, func(ctx context.Context, tx ports.Tx) error {
		var err error
		if d, err = tx.EventLog().GetDelivery(ctx, deliveryID, false); err != nil {
			return err
		}
		e, err = tx.EventLog().GetEvent(ctx, d.EventID)
		return err
	})
	if err != nil || d.Status != domain.DeliveryPending {
		return err
	}
	secret, err := s.secrets.WebhookSecret(ctx, d.ClientID)
	if err != nil {
		return fmt.Errorf("deliver webhook %s: %w", d.ID, err)
	}
	sendCtx, cancel := context.WithTimeout(ctx, WebhookTimeout)
	resp, sendErr := s.webhooks.Send(sendCtx, ports.WebhookRequest{URL: d.URL, Body: e.Payload, Headers: map[string]string{
		"Content-Type":        "application/json",
		"User-Agent":          "paycore-webhooks/1",
		"X-Webhook-Id":        e.ID,
		"X-Webhook-Event":     string(e.Type),
		"X-Webhook-Signature": SignWebhook(secret, e.Payload, s.clock.Now()),
	}})
	cancel()
	delivered := sendErr == nil && resp.StatusCode >= 200 && resp.StatusCode < 300
	err = s.tx.Transact(context.WithoutCancel(ctx), func(ctx context.Context, tx ports.Tx) error {
		cur, err := tx.EventLog().GetDelivery(ctx, deliveryID, true)
		if err != nil {
			return err
		}
		now := s.clock.Now()
		cur.Attempts++
		cur.LastStatus, cur.UpdatedAt = resp.StatusCode, now
		a := domain.WebhookAttempt{DeliveryID: cur.ID, Attempt: cur.Attempts, At: now, StatusCode: resp.StatusCode,
			Latency: resp.Latency, Response: resp.Body}
		if sendErr != nil {
			a.Error = sendErr.Error()
		}
		switch {
		case delivered:
			cur.Status, cur.DeliveredAt = domain.DeliveryDelivered, &now
		case lastTry:
			cur.Status = domain.DeliveryFailed
		}
		if err := tx.EventLog().AddAttempt(ctx, a); err != nil {
			return err
		}
		return tx.EventLog().UpdateDelivery(ctx, cur)
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

// ListDeliveries returns up to limit webhook deliveries of the principal's
// client (every client's for an admin principal), newest first; eventID
// narrows to one event.
func (s *Service) ListDeliveries(ctx context.Context, pr Principal, eventID string, limit int) ([]DeliveryView, error) {
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
	err := s.tx.Transact(ctx, func(ctx context.Context, tx ports.Tx) error {
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
// Only the owning client (or an admin) may; domain.ErrNotFound otherwise.
func (s *Service) Redeliver(ctx context.Context, pr Principal, eventID string) (*domain.WebhookDelivery, error) {
	if pr.TransactionID != "" {
		return nil, domain.ErrForbidden
	}
	var out *domain.WebhookDelivery
	err := s.tx.Transact(ctx, func(ctx context.Context, tx ports.Tx) error {
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
		d, err := tx.EventLog().GetDelivery(ctx, ds[0].ID, true)
		if err != nil {
			return err
		}
		d.Status, d.UpdatedAt, d.DeliveredAt = domain.DeliveryPending, s.clock.Now(), nil
		if err := tx.EventLog().UpdateDelivery(ctx, d); err != nil {
			return err
		}
		out = d
		return tx.Jobs().EnqueueWebhook(ctx, d.ID)
	})
	return out, err
}
