package app

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// smsTemplates holds the customer SMS texts by template and language.
// Placeholders: {amount} "250.00 BDT", {order} order_id, {merchant}, {trx}.
var smsTemplates = map[string]map[string]string{
	"payment_success": {
		"en": "Payment of {amount} for order {order} at {merchant} received. TrxID {trx}. Thank you.",
		"bn": "{merchant}-এ অর্ডার {order}-এর {amount} পেমেন্ট গৃহীত হয়েছে। TrxID {trx}। ধন্যবাদ।",
	},
}

// queuePaymentSMS stores an SMS about p for its customer and enqueues its
// sending in the same transaction. A payment without a valid customer phone
// gets none.
func (s *Service) queuePaymentSMS(ctx context.Context, tx ports.Tx, p *domain.Payment, template string) error {
	to, ok := NormalizeBDMobile(p.Order.CustomerPhone)
	if !ok || s.sms == nil {
		return nil
	}
	c, err := tx.Clients().Get(ctx, p.Order.ClientID)
	if err != nil {
		return err
	}
	lang := c.Language
	if _, ok := smsTemplates[template][lang]; !ok {
		lang = "en"
	}
	body := strings.NewReplacer(
		"{amount}", p.Amount.String(), "{order}", p.Order.OrderID,
		"{merchant}", c.Name, "{trx}", p.TrxID,
	).Replace(smsTemplates[template][lang])
	n := &domain.Notification{
		ID: domain.NewID(domain.PrefixNotice), PaymentID: p.ID, ClientID: c.ID,
		Recipient: to, Template: template, Language: lang, Body: body,
		Status: domain.NotificationQueued, CreatedAt: s.clock.Now(),
	}
	if err := tx.Notifications().Create(ctx, n); err != nil {
		return err
	}
	return tx.Jobs().EnqueueSMS(ctx, n.ID)
}

// ErrRetryable wraps an error worth trying again later (a provider's
// temporary failure); job workers retry on it and give up on others.
var ErrRetryable = errors.New("retryable")

// SendSMS sends a queued notification through the SMS provider and records
// the result. It never touches the payment. A notification already sent is
// not sent again. It returns an error wrapping ErrRetryable when trying
// again may help; a permanent refusal marks the notification failed and
// returns nil.
func (s *Service) SendSMS(ctx context.Context, notificationID string) error {
	if s.sms == nil {
		return fmt.Errorf("send sms %s: no SMS provider", notificationID)
	}
	var n *domain.Notification
	err := s.tx.Transact(ctx, func(ctx context.Context, tx ports.Tx) error {
		var err error
		n, err = tx.Notifications().Get(ctx, notificationID, false)
		return err
	})
	if err != nil {
		return err
	}
	if n.Status != domain.NotificationQueued {
		return nil
	}
	ref, sendErr := s.sms.Send(ctx, ports.SMS{ID: n.ID, To: n.Recipient, Body: n.Body})
	var smsErr *ports.SMSError
	if sendErr != nil && (!errors.As(sendErr, &smsErr) || smsErr.Retryable) {
		return fmt.Errorf("send sms %s: %w: %w", n.ID, ErrRetryable, sendErr)
	}
	return s.tx.Transact(ctx, func(ctx context.Context, tx ports.Tx) error {
		n, err := tx.Notifications().Get(ctx, notificationID, true)
		if err != nil {
			return err
		}
		now := s.clock.Now()
		n.Provider = s.sms.Provider()
		if sendErr != nil {
			n.Status, n.Error = domain.NotificationFailed, sendErr.Error()
		} else {
			n.Status, n.ProviderRef, n.SentAt = domain.NotificationSent, ref, &now
		}
		return tx.Notifications().Update(ctx, n)
	})
}
