package ports

import (
	"context"
	"time"
)

// GatewayHookRecord is one call to the incoming gateway webhook, as logged.
type GatewayHookRecord struct {
	Gateway   string
	EventID   string
	Event     string
	PaymentID string
	SourceIP  string
	Headers   map[string]string
	Body      string
	Verdict   string // accepted, duplicate, unknown_gateway, bad_signature, forbidden_source, unknown_transaction, invalid, rejected
	Detail    string
	At        time.Time
}

// GatewayHookLog stores every incoming gateway webhook, whatever its
// verdict.
type GatewayHookLog interface {
	// RecordHook stores r; domain.ErrDuplicate when r is "accepted" and the
	// gateway's event id was accepted before.
	RecordHook(ctx context.Context, r GatewayHookRecord) error
	// HookAccepted reports whether the gateway's event id was accepted
	// before.
	HookAccepted(ctx context.Context, gateway, eventID string) (bool, error)
}

// GatewayHookMetrics counts calls to the incoming gateway webhook by
// verdict (every call, stored or not; "rate_limited" for calls refused
// before they were read).
type GatewayHookMetrics interface {
	HookVerdict(verdict string)
}
