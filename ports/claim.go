package ports

import (
	"context"
	"errors"

	"github.com/paycore/paycore/domain"
)

// GatewayClaim is what a gateway's server-to-server notification (bKash's
// IPN) says happened, once its signature is verified. It is a claim, not an
// answer: app.GatewayHooks.HandleClaim decides what it may change.
type GatewayClaim struct {
	Gateway    domain.Gateway
	EventID    string       // the notification's id (SNS MessageId): applied once
	AttemptRef string       // our attempt ID as the gateway echoes it (bKash merchantInvoiceNumber)
	GatewayRef string       // the gateway's payment ID (bKash paymentID), "" if not sent
	TrxID      string       // the gateway's transaction ID
	Amount     domain.Money // zero when not sent
	Status     string       // the gateway's transaction status ("Completed")
}

// NotificationReader verifies and reads a gateway's server-to-server
// notifications (bKash's IPN, delivered as AWS SNS messages).
type NotificationReader interface {
	// Read verifies body (signature, certificate source). A subscription
	// confirmation is confirmed and gives claim=false; a verified
	// notification gives its claim. Errors: ErrNotificationRefused (bad
	// signature, certificate from a host not allowed, unreadable body) or
	// a failure to fetch the certificate or to confirm.
	Read(ctx context.Context, body []byte) (c GatewayClaim, claim bool, err error)
}

// ErrNotificationRefused: a notification that is not provably the
// gateway's (bad signature, certificate from a host not allowed) or cannot
// be read. Nothing was done.
var ErrNotificationRefused = errors.New("notification refused")
