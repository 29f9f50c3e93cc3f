package graph

import (
	"encoding/json"
	"math"
	"strings"
	"time"

	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/graph/model"
	"github.com/paycore/paycore/ports"
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
	domain.GatewaySSLCommerz: model.GatewaySslcommerz,
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
// hosted page for it. Attempts is never nil: Payment.attempts serves it as
// it is (see toModelListedPayment).
func toModelPayment(v app.PaymentView, paymentURL string) *model.Payment {
	p := v.Payment
	out := &model.Payment{
		TransactionID: p.ID,
		OrderID:       p.Order.OrderID,
		Amount:        toModelMoney(p.Amount),
		Status:        toModelPaymentStatus(p.Status()),
		TrxID:         optional(p.TrxID),
		PaymentURL:    paymentURL,
		CancelURL:     optional(p.Order.CancelURL),
		FailureURL:    optional(p.Order.FailureURL),
		CreatedAt:     p.CreatedAt,
		UpdatedAt:     p.UpdatedAt,
		ExpiresAt:     p.ExpiresAt,
		Refunded:      toModelMoney(refunded(p)),
	}
	if p.Gateway != "" {
		g := toModelGateway(p.Gateway)
		out.Gateway = &g
	}
	out.Attempts = toModelAttempts(v.Attempts)
	return out
}

// toModelAttempts converts a payment's attempts, never nil.
func toModelAttempts(as []*domain.Attempt) []*model.Attempt {
	out := make([]*model.Attempt, 0, len(as))
	for _, a := range as {
		out = append(out, toModelAttempt(a))
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
		CancelURL:     deref(in.CancelURL),
		FailureURL:    deref(in.FailureURL),
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

// toModelListedPayment converts a payment read without its attempts (a
// payments page). Attempts stays nil, which tells Payment.attempts to read
// them.
func toModelListedPayment(p *domain.Payment, paymentURL string) *model.Payment {
	out := toModelPayment(app.PaymentView{Payment: p}, paymentURL)
	out.Attempts = nil
	return out
}

// refunded returns what p has refunded, as zero of p's currency if it was
// never set.
func refunded(p *domain.Payment) domain.Money {
	if p.Refunded.Currency().Code == "" {
		if zero, err := domain.NewMoney(0, p.Amount.Currency().Code); err == nil {
			return zero
		}
	}
	return p.Refunded
}

// toDomainPaymentStatus maps a GraphQL payment status back to the core's
// name ("partially_refunded"), which app parses.
func toDomainPaymentStatus(s model.PaymentStatus) string {
	for d, m := range paymentStatuses {
		if m == s {
			return string(d)
		}
	}
	return strings.ToLower(string(s))
}

var refundStatuses = map[domain.RefundStatus]model.RefundStatus{
	domain.RefundPending:   model.RefundStatusPending,
	domain.RefundSubmitted: model.RefundStatusSubmitted,
	domain.RefundSucceeded: model.RefundStatusSucceeded,
	domain.RefundFailed:    model.RefundStatusFailed,
}

// toModelRefund converts a refund.
func toModelRefund(r *domain.Refund) *model.Refund {
	st, ok := refundStatuses[r.Status()]
	if !ok {
		st = model.RefundStatus(strings.ToUpper(string(r.Status())))
	}
	return &model.Refund{
		ID:             r.ID,
		TransactionID:  r.PaymentID,
		Amount:         toModelMoney(r.Amount),
		Status:         st,
		Reason:         r.Reason,
		FailureCode:    optional(r.FailureCode),
		FailureMessage: optional(r.FailureMessage),
		CreatedAt:      r.CreatedAt,
	}
}

// toModelRefunds converts a payment's refunds, never nil.
func toModelRefunds(rs []*domain.Refund) []*model.Refund {
	out := make([]*model.Refund, 0, len(rs))
	for _, r := range rs {
		out = append(out, toModelRefund(r))
	}
	return out
}

// toModelDashboard converts a client's totals.
func toModelDashboard(d app.Dashboard) *model.Dashboard {
	return &model.Dashboard{
		TotalTransactions: d.TotalTransactions,
		TotalSuccess:      d.TotalSuccess,
		TotalFailed:       d.TotalFailed,
		TotalAmount:       toModelMoney(d.TotalAmount),
		TotalRefunded:     toModelMoney(d.TotalRefunded),
		Commission:        toModelMoney(d.Commission),
	}
}

var clientStatuses = map[domain.ClientStatus]model.ClientStatus{
	domain.ClientActive:    model.ClientStatusActive,
	domain.ClientSuspended: model.ClientStatusSuspended,
}

// toModelClientProfile converts a client's account; the API key is null
// when the client has none.
func toModelClientProfile(p app.Profile) *model.ClientProfile {
	c := p.Client
	st, ok := clientStatuses[c.Status]
	if !ok {
		st = model.ClientStatus(strings.ToUpper(string(c.Status)))
	}
	return &model.ClientProfile{
		ID:            c.ID,
		Name:          c.Name,
		Status:        st,
		WebhookURL:    optional(c.WebhookURL),
		CommissionBps: clampInt32(int64(c.CommissionBPS)),
		Language:      c.Language,
		APIKey:        optional(p.APIKey),
		CreatedAt:     c.CreatedAt,
	}
}

// toModelGatewayInfo converts an active gateway's description.
func toModelGatewayInfo(g app.GatewayInfo) *model.GatewayInfo {
	return &model.GatewayInfo{
		Code:       toModelGateway(g.Code),
		Name:       g.Name,
		Currencies: append([]string{}, g.Currencies...),
		MinAmount:  toModelMoney(g.MinAmount),
		MaxAmount:  toModelMoney(g.MaxAmount),
	}
}

var gatewayStatuses = map[string]model.GatewayStatus{
	"up":       model.GatewayStatusUp,
	"degraded": model.GatewayStatusDegraded,
	"down":     model.GatewayStatusDown,
}

// toModelGatewayHealth converts a gateway's health; latency in whole
// milliseconds.
// operator is whether the reader may see who switched the gateway.
func toModelGatewayHealth(h app.GatewayHealth, operator bool) *model.GatewayHealth {
	st, ok := gatewayStatuses[h.Status]
	if !ok {
		st = model.GatewayStatus(strings.ToUpper(h.Status))
	}
	return &model.GatewayHealth{
		Code:          toModelGateway(h.Code),
		Status:        st,
		SuccessRate:   h.SuccessRate,
		P95LatencyMs:  clampInt32(h.P95Latency.Milliseconds()),
		UptimePercent: h.UptimePercent,
		Calls:         clampInt32(h.Calls),
		WindowHours:   clampInt32(int64(app.HealthWindow / time.Hour)),
		Enabled:       h.Switch.Enabled,
		Switch:        toModelGatewaySwitch(h.Switch, operator),
	}
}

// toModelGatewaySwitch converts an operator's gateway switch; who made it
// only for operators (operator true).
func toModelGatewaySwitch(s ports.GatewaySwitch, operator bool) *model.GatewaySwitch {
	out := &model.GatewaySwitch{Code: toModelGateway(s.Gateway), Enabled: s.Enabled, Reason: optional(s.Reason)}
	if !s.At.IsZero() {
		at := s.At
		out.SwitchedAt = &at
		if operator {
			out.SwitchedBy = optional(s.By)
		}
	}
	return out
}

// clampInt32 fits n into a GraphQL Int (32 bits), saturating.
func clampInt32(n int64) int32 {
	return int32(max(min(n, math.MaxInt32), math.MinInt32))
}

var deliveryStatuses = map[domain.DeliveryStatus]model.WebhookDeliveryStatus{
	domain.DeliveryPending:   model.WebhookDeliveryStatusPending,
	domain.DeliveryDelivered: model.WebhookDeliveryStatusDelivered,
	domain.DeliveryFailed:    model.WebhookDeliveryStatusFailed,
}

// toModelWebhookDelivery converts a delivery with its event and attempts;
// a missing event leaves event and transactionId empty.
func toModelWebhookDelivery(v app.DeliveryView) *model.WebhookDelivery {
	d := v.Delivery
	st, ok := deliveryStatuses[d.Status]
	if !ok {
		st = model.WebhookDeliveryStatus(strings.ToUpper(string(d.Status)))
	}
	out := &model.WebhookDelivery{
		ID:          d.ID,
		EventID:     d.EventID,
		ClientID:    d.ClientID,
		URL:         d.URL,
		Status:      st,
		Attempts:    make([]*model.WebhookAttempt, 0, len(v.Attempts)),
		CreatedAt:   d.CreatedAt,
		DeliveredAt: d.DeliveredAt,
	}
	if v.Event != nil {
		out.Event, out.TransactionID = string(v.Event.Type), v.Event.PaymentID
	}
	for _, a := range v.Attempts {
		out.Attempts = append(out.Attempts, toModelWebhookAttempt(a))
	}
	return out
}

// toModelWebhookDeliveries converts a list of deliveries, never nil.
func toModelWebhookDeliveries(vs []app.DeliveryView) []*model.WebhookDelivery {
	out := make([]*model.WebhookDelivery, 0, len(vs))
	for _, v := range vs {
		out = append(out, toModelWebhookDelivery(v))
	}
	return out
}

// toModelWebhookAttempt converts one attempt; status 0 (no HTTP answer) and
// an empty error become null.
func toModelWebhookAttempt(a domain.WebhookAttempt) *model.WebhookAttempt {
	out := &model.WebhookAttempt{
		Attempt:   clampInt32(int64(a.Attempt)),
		At:        a.At,
		LatencyMs: clampInt32(a.Latency.Milliseconds()),
		Response:  a.Response,
		Error:     optional(a.Error),
	}
	if a.StatusCode != 0 {
		sc := clampInt32(int64(a.StatusCode))
		out.StatusCode = &sc
	}
	return out
}

// toModelRequestLogs converts request logs, never nil; an empty client
// (a request that failed authentication) becomes null.
func toModelRequestLogs(ls []RequestLogView) []*model.RequestLog {
	out := make([]*model.RequestLog, 0, len(ls))
	for _, l := range ls {
		out = append(out, &model.RequestLog{
			ClientID:     optional(l.ClientID),
			Method:       l.Method,
			Endpoint:     l.Endpoint,
			StatusCode:   clampInt32(int64(l.StatusCode)),
			RequestBody:  l.RequestBody,
			ResponseBody: l.ResponseBody,
			IP:           l.IP,
			LatencyMs:    clampInt32(l.Latency.Milliseconds()),
			At:           l.At,
		})
	}
	return out
}
