package app

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// Listing a client's payments (GET /api/v1/transactions, GraphQL payments;
// docs/merchant-api.md §7.3): newest first by (created_at, transaction ID),
// read from an index whatever the client's history (docs/scaling.md, read
// side).

// MaxOffset is how deep page/limit paging reaches: page × limit ≤ MaxOffset.
// Further rows are read with a cursor (keyset paging), which costs the same
// at any depth; an OFFSET costs the rows it skips.
const MaxOffset = 10_000

// MaxPage is the highest page List serves (with limit 1).
const MaxPage = MaxOffset

// MaxCount bounds the total of a list filtered by date: at most MaxCount
// payments are counted, and PaymentPage.TotalCapped says more match. Lists
// without a date range have an exact total (kept, not counted).
const MaxCount = 10_000

// cursorPrefix marks a cursor of this format; the rest is
// "<created_at as Unix nanoseconds>:<transaction ID>".
const cursorPrefix = "p1:"

// PaymentCursor is a position in a newest-first list of payments: the
// payment the page before it ended with. Encoded it is opaque to clients.
type PaymentCursor struct {
	CreatedAt time.Time
	ID        string
}

// CursorOf returns the cursor that continues after p.
func CursorOf(p *domain.Payment) string {
	return base64.RawURLEncoding.EncodeToString(
		[]byte(cursorPrefix + strconv.FormatInt(p.CreatedAt.UnixNano(), 10) + ":" + p.ID))
}

// ParseCursor decodes a cursor made by CursorOf; false for anything else.
func ParseCursor(s string) (PaymentCursor, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return PaymentCursor{}, false
	}
	rest, ok := strings.CutPrefix(string(raw), cursorPrefix)
	if !ok {
		return PaymentCursor{}, false
	}
	nanos, id, ok := strings.Cut(rest, ":")
	if !ok || id == "" || len(id) > 64 {
		return PaymentCursor{}, false
	}
	n, err := strconv.ParseInt(nanos, 10, 64)
	if err != nil || n < 0 {
		return PaymentCursor{}, false
	}
	return PaymentCursor{CreatedAt: time.Unix(0, n).UTC(), ID: id}, true
}

// ListInput selects a page of a client's payments: by Page (from 1) or, to
// read past MaxOffset, by Cursor (a PaymentPage.NextCursor, or an edge's
// cursor); Limit is 1..100 (0 → 20).
type ListInput struct {
	Status   string
	OrderID  string
	From, To time.Time
	Page     int
	Limit    int
	Cursor   string
}

// PaymentPage is one page of payments and how many match in all.
type PaymentPage struct {
	Payments    []*domain.Payment
	Page, Limit int
	// Total is how many match; with a date range at most MaxCount are
	// counted, and TotalCapped says more match.
	Total       int
	TotalCapped bool
	// NextCursor continues after this page; "" when it is the last.
	NextCursor string
}

// List returns a page of the principal's own payments, newest first.
// Errors: *domain.ValidationError for a bad status, page (past MaxOffset, or
// with a cursor), limit, cursor or date range; domain.ErrForbidden for a
// payment-scoped principal.
func (s *Payments) List(ctx context.Context, pr Principal, in ListInput) (PaymentPage, error) {
	var v domain.ValidationError
	if pr.TransactionID != "" {
		return PaymentPage{}, domain.ErrForbidden
	}
	if in.Page == 0 {
		in.Page = 1
	}
	if in.Limit == 0 {
		in.Limit = 20
	}
	if in.Limit < 1 || in.Limit > 100 {
		v.Add("limit", "limit must be between 1 and 100")
	}
	var after PaymentCursor
	if in.Cursor != "" {
		var ok bool
		if after, ok = ParseCursor(in.Cursor); !ok {
			v.Add("cursor", "cursor must be a next_cursor this API returned")
		}
		if in.Page != 1 {
			v.Add("page", "page must be 1 or absent with a cursor")
		}
	}
	if in.Page < 1 || in.Page > MaxPage {
		v.Add("page", fmt.Sprintf("page must be between 1 and %d", MaxPage))
	} else if in.Limit >= 1 && in.Page*in.Limit > MaxOffset {
		v.Add("page", fmt.Sprintf("page × limit must be at most %d; to read further, pass meta.next_cursor as cursor", MaxOffset))
	}
	var st domain.PaymentStatus
	if in.Status != "" {
		var err error
		if st, err = domain.ParsePaymentStatus(in.Status); err != nil {
			v.Add("status", "status must be one of pending, processing, success, failed, cancelled, expired, partially_refunded, refunded, disputed")
		}
	}
	if !in.From.IsZero() && !in.To.IsZero() && in.To.Before(in.From) {
		v.Add("to_date", "to_date must not be before from_date")
	}
	if err := v.Err(); err != nil {
		return PaymentPage{}, err
	}
	out := PaymentPage{Page: in.Page, Limit: in.Limit}
	err := s.tx.Transact(ctx, func(ctx context.Context, tx ports.Tx) error {
		l, err := tx.Queries().List(ctx, ports.PaymentFilter{
			ClientID: pr.ClientID, Status: st, OrderID: in.OrderID, From: in.From, To: in.To,
			AfterCreated: after.CreatedAt, AfterID: after.ID,
			Offset: (in.Page - 1) * in.Limit, Limit: in.Limit + 1, CountCap: MaxCount,
		})
		if err != nil {
			return err
		}
		out.Payments, out.Total, out.TotalCapped = l.Payments, l.Total, l.TotalCapped
		return nil
	})
	if err != nil {
		return PaymentPage{}, err
	}
	if len(out.Payments) > in.Limit {
		out.Payments = out.Payments[:in.Limit]
		out.NextCursor = CursorOf(out.Payments[in.Limit-1])
	}
	return out, nil
}
