package graph

import (
	"context"
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/graph/model"
	"github.com/paycore/paycore/ports"
)

// The console's converters and search cursors (console.graphqls).

// console returns the console use case, or an error when the server has
// none.
func (r *Resolver) console() (*app.Console, error) {
	if r.app.Console == nil {
		return nil, domain.ErrNotFound
	}
	return r.app.Console, nil
}

// searchCursor is a search position: the last payment's creation time and
// ID (keyset paging, stable while payments are added).
func searchCursor(p ports.PaymentRow) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(p.CreatedAt.UnixNano(), 10) + "|" + p.ID))
}

func parseSearchCursor(c string) (time.Time, string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return time.Time{}, "", false
	}
	ns, id, ok := strings.Cut(string(b), "|")
	n, err := strconv.ParseInt(ns, 10, 64)
	if !ok || err != nil || id == "" {
		return time.Time{}, "", false
	}
	return time.Unix(0, n).UTC(), id, true
}

func money(minor int64, currency string) *model.Money {
	m, err := domain.NewMoney(minor, currency)
	if err != nil {
		return &model.Money{Amount: strconv.FormatInt(minor, 10), Currency: currency}
	}
	return toModelMoney(m)
}

func toModelConsolePayment(p ports.PaymentRow) *model.ConsolePayment {
	out := &model.ConsolePayment{TransactionID: p.ID, OrderID: p.OrderID, ClientID: p.ClientID, ClientName: p.ClientName,
		Status: toModelPaymentStatus(domain.PaymentStatus(p.Status)), Amount: money(p.Amount, p.Currency),
		Refunded: money(p.Refunded, p.Currency), CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt, TrxID: optional(p.TrxID)}
	if p.Gateway != "" {
		g := toModelGateway(domain.Gateway(p.Gateway))
		out.Gateway = &g
	}
	return out
}

func toModelConsoleClient(c ports.ClientRow) *model.ConsoleClient {
	out := &model.ConsoleClient{ID: c.ID, Name: c.Name, Status: model.ClientStatus(strings.ToUpper(c.Status)),
		WebhookURL: optional(c.WebhookURL), CommissionBps: int32(c.CommissionBPS), Language: c.Language,
		APIKey: optional(c.APIKey), CreatedAt: c.CreatedAt}
	if c.RatePerMinute > 0 {
		n := int32(min(c.RatePerMinute, 1<<31-1))
		out.RateLimit = &n
	}
	return out
}

func toModelReview(v app.ReviewView) *model.ReviewItem {
	rv := v.Review
	out := &model.ReviewItem{AttemptID: rv.AttemptID, TransactionID: rv.PaymentID, Gateway: toModelGateway(rv.Gateway),
		Reason: rv.Reason, Detail: rv.Detail, TrxID: optional(rv.TrxID),
		Status: model.ReviewState(strings.ToUpper(string(rv.Status))), DecidedBy: optional(rv.DecidedBy),
		Note: optional(rv.Note), CreatedAt: rv.CreatedAt, Amount: &model.Money{}}
	if v.Payment != nil {
		out.ClientID = v.Payment.Order.ClientID
		out.Amount = toModelMoney(v.Payment.Amount)
	}
	if v.Attempt != nil {
		out.Amount = toModelMoney(v.Attempt.Amount)
	}
	return out
}

func toModelAudit(e domain.AuditEntry) *model.AuditEntry {
	s := func(b []byte) *string {
		if len(b) == 0 {
			return nil
		}
		v := string(b)
		return &v
	}
	return &model.AuditEntry{ID: strconv.FormatInt(e.ID, 10), ActorID: e.ActorID, Actor: e.ActorEmail, Role: e.ActorRole,
		Action: e.Action, Target: e.Target, ClientID: optional(e.ClientID), Before: s(e.Before), After: s(e.After), At: e.At}
}

// consoleOp is the principal and console of a console field.
func (r *Resolver) consoleOp(ctx context.Context) (app.Principal, *app.Console, error) {
	c, err := r.console()
	if err != nil {
		return app.Principal{}, nil, err
	}
	pr, err := principal(ctx)
	return pr, c, err
}
