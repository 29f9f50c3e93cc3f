package ports

import "context"

// SMS is one text message to send.
type SMS struct {
	ID   string // our notification ID: the provider's idempotency key where it has one
	To   string // 8801XXXXXXXXX
	Body string
}

// SMSSender sends SMS through one provider.
type SMSSender interface {
	// Provider names the provider ("log", "bulksmsbd", …).
	Provider() string
	// Send submits msg and returns the provider's message reference. A
	// *SMSError tells whether trying again may help.
	Send(ctx context.Context, msg SMS) (providerRef string, err error)
}

// SMSError is a provider's refusal.
type SMSError struct {
	Code      string
	Message   string
	Retryable bool
}

func (e *SMSError) Error() string { return "sms: " + e.Code + " " + e.Message }

// SMSBalance is implemented by SMS providers that report the account's
// remaining credit (BulkSMSBD, GreenWeb; docs/gateways/sms.md).
type SMSBalance interface {
	// Balance returns the remaining credit in Taka as a decimal string with
	// two decimals ("1234.50"), as the provider reports it. Failures are
	// *SMSError values, like SMSSender.Send's.
	Balance(ctx context.Context) (string, error)
}
