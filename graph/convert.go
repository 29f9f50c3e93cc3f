package graph

import (
	"encoding/json"
	"strings"

	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/graph/model"
)

// Converters between the core's types and the GraphQL models. They are the
// only place where both meet; each is total (no panics, no errors) so that
// they are safe inside subscription goroutines.

var paymentStatuses = map[domain.PaymentStatus]model.PaymentStatus{
	domain.StatusPending:           model.PaymentStatusPending,
	domain.StatusProcessing:        model.PaymentStatusProcessing,
	domain.StatusSuccess:           model.PaymentStatusSuccess,
	domain.StatusFailed:            model.PaymentStatusFailed,
	domain.StatusCancelled:         model.PaymentStatusCancelled,
	domain.StatusExpired:           model.PaymentStatusExpired,
	domain.StatusPartiallyRefunded: model.PaymentStatusPartiallyRefunded,
	domain.StatusRefunded:          model.PaymentStatusRefunded,
	domain.StatusDisputed:          model.PaymentStatusDisputed,
}

var attemptStatuses = map[domain.AttemptStatus]model.AttemptStatus{
	domain.AttemptCreated:    model.AttemptStatusCreated,
	domain.AttemptRedirected: model.AttemptStatusRedirected,
	domain.AttemptConfirming: model.AttemptStatusConfirming,
	domain.AttemptUnresolved: model.AttemptStatusUnresolved,
	domain.AttemptSucceeded:  model.AttemptStatusSucceeded,
	domain.AttemptFailed:     model.AttemptStatusFailed,
	domain.AttemptCancelled:  model.AttemptStatusCancelled,
	domain.AttemptExpired:    model.AttemptStatusExpired,
}

var gateways = map[domain.Gateway]model.Gateway{
	domain.GatewayBkash:      model.GatewayBkash,
	domain.GatewayNagad:      model.GatewayNagad,
	domain.GatewayRedirectGW: model.GatewayRedirectgw,
}

// toModelPaymentStatus maps a payment status; an unknown one (none exists:
// the tests cover every domain.PaymentStatuses entry) is upper-cased.
func toModelPaymentStatus(s domain.PaymentStatus) model.PaymentStatus {
	if m, ok := paymentStatuses[s]; ok {
		return m
	}
	return model.PaymentStatus(strings.ToUpper(string(s)))
}

// toModelAttemptStatus maps an attempt status, like toModelPaymentStatus.
func toModelAttemptStatus(s domain.AttemptStatus) model.AttemptStatus {
	if m, ok := attemptStatuses[s]; ok {
		return m
	}
	return model.AttemptStatus(strings.ToUpper(string(s)))
}

// toModelGateway maps a gateway name, like toModelPaymentStatus.
func toModelGateway(g domain.Gateway) model.Gateway {
	if m, ok := gateways[g]; ok {
		return m
	}
	return model.Gateway(strings.ToUpper(string(g)))
}

// toDomainGateway maps a GraphQL gateway back; domain.ErrGatewayUnavailable
// for a value the core does not know.
func toDomainGateway(g model.Gateway) (domain.Gateway, error) {
	for d, m := range gateways {
		if m == g {
			return d, nil
		}
	}
	return domain.ParseGateway(strings.ToLower(string(g)))
}

// toModelMoney writes money as a decimal string with the currency's
// decimals: 150000 BDT → {amount: "1500.00", currency: "BDT"}.
func toModelMoney(m domain.Money) *model.Money {
	return &model.Money{Amount: m.Decimal(), Currency: m.Currency().Code}
}

// toModelPayment converts a payment with its attempts; paymentURL is the
// hosted page for it.
func toModelPayment(v app.PaymentView, paymentURL string) *model.Payment {
	p := v.Payment
	out := &model.Payment{
		TransactionID: p.ID,
		OrderID:       p.Order.OrderID,
		Amount:        toModelMoney(p.Amount),
		Status:        toModelPaymentStatus(p.Status()),
		TrxID:         optional(p.TrxID),
		PaymentURL:    paymentURL,
		Attempts:      make([]*model.Attempt, 0, len(v.Attempts)),
		CreatedAt:     p.CreatedAt,
		UpdatedAt:     p.UpdatedAt,
		ExpiresAt:     p.ExpiresAt,
	}
	if p.Gateway != "" {
		g := toModelGateway(p.Gateway)
		out.Gateway = &g
	}
	for _, a := range v.Attempts {
		out.Attempts = append(out.Attempts, toModelAttempt(a))
	}
	return out
}

// toModelAttempt converts one attempt.
func toModelAttempt(a *domain.Attempt) *model.Attempt {
	return &model.Attempt{
		ID:             a.ID,
		Gateway:        toModelGateway(a.Gateway),
		Status:         toModelAttemptStatus(a.Status()),
		FailureCode:    optional(a.FailureCode),
		FailureMessage: optional(a.FailureMessage),
		CreatedAt:      a.CreatedAt,
	}
}

// toAppCreatePaymentInput converts createPayment's input. The core
// validates it; the only failure here is metadata that is not JSON, as a
// *domain.ValidationError on "metadata".
func toAppCreatePaymentInput(in model.CreatePaymentInput) (app.CreatePaymentInput, error) {
	out := app.CreatePaymentInput{
		OrderID:       in.OrderID,
		Amount:        in.Amount,
		Currency:      in.Currency,
		CustomerName:  deref(in.CustomerName),
		CustomerEmail: deref(in.CustomerEmail),
		CustomerPhone: deref(in.CustomerPhone),
		ReturnURL:     in.ReturnURL,
		WebhookURL:    deref(in.WebhookURL),
	}
	if in.Metadata != nil {
		raw, err := json.Marshal(in.Metadata)
		if err != nil {
			var v domain.ValidationError
			v.Add("metadata", "metadata must be a JSON object")
			return app.CreatePaymentInput{}, &v
		}
		out.Metadata = raw
	}
	return out, nil
}

// optional returns nil for "", else a pointer to s.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// deref returns *p, or "" for nil.
func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
