// Package sms holds paycore's SMS providers behind ports.SMSSender.
package sms

import (
	"context"
	"log/slog"

	"github.com/paycore/paycore/ports"
)

// LogSender is the default provider: it sends nothing and logs the message
// instead (the text itself stays in the notifications table). Its reference
// is "log-" + the notification ID.
type LogSender struct{ Log *slog.Logger }

var _ ports.SMSSender = LogSender{}

// Provider is "log".
func (LogSender) Provider() string { return "log" }

// Send logs msg and never fails.
func (s LogSender) Send(ctx context.Context, msg ports.SMS) (string, error) {
	if s.Log != nil {
		s.Log.InfoContext(ctx, "sms (log provider)", "id", msg.ID, "to", msg.To, "chars", len([]rune(msg.Body)))
	}
	return "log-" + msg.ID, nil
}
