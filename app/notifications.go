package app

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// SMS templates (the transaction alerts of docs/gateways/sms.md §10: order
// placed, payment, failure, refund), by template and language ("en", "bn";
// the client's setting). Placeholders: {merchant}, {order}, {amount},
// {trx}, {refund} (refunded amount). Amounts are written as the language
// reads them (smsAmount): "250.00 BDT" in English, "৳২৫০.০০" in Bangla.
var smsTemplates = map[string]map[string]string{
	TemplateOrderPlaced: {
		"en": "{merchant}: order {order} placed. Amount due {amount}. Pay with bKash, Nagad or card.",
		"bn": "{merchant}: অর্ডার {order} গ্রহণ করা হয়েছে। পরিশোধযোগ্য {amount}।",
	},
	TemplatePaymentSuccess: {
		"en": "{merchant}: payment of {amount} for order {order} received. TrxID {trx}. Thank you.",
		"bn": "{merchant}: অর্ডার {order}-এর {amount} পেমেন্ট গৃহীত হয়েছে। TrxID {trx}। ধন্যবাদ।",
	},
	TemplatePaymentFailed: {
		"en": "{merchant}: payment for order {order} ({amount}) was not completed. No money was taken.",
		"bn": "{merchant}: অর্ডার {order}-এর {amount} পেমেন্ট সম্পন্ন হয়নি। কোনো টাকা কাটা হয়নি।",
	},
	TemplateRefund: {
		"en": "{merchant}: {refund} refunded for order {order}. It reaches your account shortly.",
		"bn": "{merchant}: অর্ডার {order}-এর {refund} ফেরত দেওয়া হয়েছে।",
	},
}

// SMS template names.
const (
	TemplateOrderPlaced    = "order_placed"
	TemplatePaymentSuccess = "payment_success"
	TemplatePaymentFailed  = "payment_failed"
	TemplateRefund         = "refund"
)

// renderSMS fills a template in the client's language (English when the
// client's language has no text).
func renderSMS(template, lang string, c domain.Client, p *domain.Payment, refund domain.Money) (string, string) {
	texts := smsTemplates[template]
	if _, ok := texts[lang]; !ok {
		lang = "en"
	}
	r := strings.NewReplacer("{merchant}", c.Name, "{order}", p.Order.OrderID, "{amount}", smsAmount(p.Amount, lang),
		"{trx}", p.TrxID, "{refund}", smsAmount(refund, lang))
	return r.Replace(texts[lang]), lang
}

// smsAmount writes m for an SMS in lang: Bangla SMS as the Bangla customer
// pages do (domain.Money.FormatBD: ৳১২,৩৪৫.৫০); English ones keep
// "12345.50 BDT", since ৳ is outside GSM-7 and would make every English SMS
// UCS-2, doubling its segments.
func smsAmount(m domain.Money, lang string) string {
	if lang == "bn" {
		return m.FormatBD(lang)
	}
	return m.String()
}

// smsQueue queues customer SMS inside the changing transaction.
type smsQueue struct {
	clock   ports.Clock
	enabled bool // false: no SMS provider, nothing is queued
}

// queue stores an SMS about p for its customer, with its encoding and
// segment count, and enqueues sending it in the same transaction. A payment
// without a valid Bangladeshi mobile number gets none. refund is the
// refunded amount for TemplateRefund.
func (q smsQueue) queue(ctx context.Context, tx ports.Tx, p *domain.Payment, template string, refund domain.Money) error {
	if _, ok := domain.NormalizeMobile(p.Order.CustomerPhone); !ok || !q.enabled {
		return nil
	}
	c, err := tx.Clients().Get(ctx, p.Order.ClientID)
	if err != nil {
		return err
	}
	return q.queueFor(ctx, tx, c, p, template, refund)
}

// queueFor is queue with p's client already read in the transaction.
func (q smsQueue) queueFor(ctx context.Context, tx ports.Tx, c domain.Client, p *domain.Payment, template string, refund domain.Money) error {
	to, ok := domain.NormalizeMobile(p.Order.CustomerPhone)
	if !ok || !q.enabled {
		return nil
	}
	body, lang := renderSMS(template, c.Language, c, p, refund)
	enc, segs := domain.SMSSegments(body)
	n := &domain.Notification{
		ID: domain.NewID(domain.PrefixNotice), PaymentID: p.ID, ClientID: c.ID,
		Recipient: to, Template: template, Language: lang, Body: body, Encoding: enc, Segments: segs,
		Status: domain.NotificationQueued, CreatedAt: q.clock.Now(),
	}
	if err := tx.Notifications().Create(ctx, n); err != nil {
		return err
	}
	return tx.Jobs().EnqueueSMS(ctx, n.ID)
}

// ErrRetryable wraps an error worth trying again later (a provider's
// temporary failure); job workers retry on it and give up on others.
var ErrRetryable = errors.New("retryable")

// Notifications sends the customer SMS that use cases queued.
type Notifications struct {
	tx     ports.TxProvider
	clock  ports.Clock
	sender ports.SMSSender // nil: Send fails
}

// Send sends a queued notification through the SMS provider and records
// the result; it never touches the payment. A notification already sent or
// failed is left alone. A provider refusal that retrying cannot help marks
// it failed and returns nil. A retryable failure returns an error wrapping
// ErrRetryable so the job tries again — unless lastTry, which marks the
// notification failed.
func (s *Notifications) Send(ctx context.Context, notificationID string, lastTry bool) error {
	if s.sender == nil {
		return fmt.Errorf("send sms %s: no SMS provider", notificationID)
	}
	var n *domain.Notification
	err := read(ctx, s.tx, func(ctx context.Context, tx ports.Tx) error {
		var err error
		n, err = tx.Notifications().Get(ctx, notificationID)
		return err
	})
	if err != nil {
		return err
	}
	if n.Status != domain.NotificationQueued {
		return nil
	}
	ref, sendErr := s.sender.Send(ctx, ports.SMS{ID: n.ID, To: n.Recipient, Body: n.Body})
	var smsErr *ports.SMSError
	retryable := sendErr != nil && (!errors.As(sendErr, &smsErr) || smsErr.Retryable)
	err = s.tx.Transact(context.WithoutCancel(ctx), func(ctx context.Context, tx ports.Tx) error {
		err := tx.Notifications().UpdateSeen(ctx, n, func(n *domain.Notification) error {
			if sendErr == nil {
				return n.Sent(s.sender.Provider(), ref, s.clock.Now())
			}
			return n.Failed(s.sender.Provider(), sendErr.Error(), retryable && !lastTry)
		})
		if errors.Is(err, domain.ErrInvalidTransition) {
			return nil // settled by another run meanwhile
		}
		return err
	})
	if err != nil {
		return err
	}
	if retryable && !lastTry {
		return fmt.Errorf("send sms %s: %w: %w", notificationID, ErrRetryable, sendErr)
	}
	return nil
}
