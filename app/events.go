package app

import (
	"context"
	"encoding/json"
	"time"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// webhookPayload is the body of a merchant webhook (docs/merchant-api.md
// §8.2); it is stored as the event's payload and sent byte for
// byte.
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

// publisher announces payment changes inside the changing transaction.
type publisher struct{ clock ports.Clock }

// publish announces a change of p inside the use case's transaction: a
// notification for live subscribers and, when ev is set, an event in the
// event log plus a webhook delivery job for the payment's webhook_url. All
// of it commits or rolls back with the change itself.
func (pb publisher) publish(ctx context.Context, tx ports.Tx, p *domain.Payment, ev domain.EventType) error {
	if err := tx.Events().PaymentChanged(ctx, changed(p)); err != nil {
		return err
	}
	return pb.record(ctx, tx, p, ev)
}

// record writes event ev of p to the event log with a webhook delivery job
// for the payment's webhook_url; nothing when ev is "".
func (pb publisher) record(ctx context.Context, tx ports.Tx, p *domain.Payment, ev domain.EventType) error {
	if ev == "" {
		return nil
	}
	now := pb.clock.Now()
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
	return tx.Jobs().EnqueueWebhook(ctx, d.ID, d.URL)
}

func changed(p *domain.Payment) domain.PaymentChanged {
	return domain.PaymentChanged{
		TransactionID: p.ID, Status: p.Status(), Version: p.Version, Gateway: p.Gateway,
		TrxID: p.TrxID, Refunded: p.Refunded.Minor(), UpdatedAt: p.UpdatedAt,
	}
}
