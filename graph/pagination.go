package graph

import (
	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/graph/model"
)

// Cursor connections over app.Payments.List: keyset paging.
//
// An edge's cursor is app.CursorOf its payment (its created_at and
// transaction ID, opaque to clients); `after` resumes right after that
// payment in the newest-first list, whatever `first` each page asks for, at
// the same cost at any depth (docs/scaling.md, read side). A payment created
// between two pages appears in front of the list, not in the next page.

const (
	defaultPageSize = 20
	maxPageSize     = 100
)

// listSize checks the first of a plain list (not a connection): def for
// nil, else 1-100; a *domain.ValidationError on "first" otherwise.
func listSize(first *int32, def int) (int, error) {
	if first == nil {
		return def, nil
	}
	if n := int(*first); n >= 1 && n <= maxPageSize {
		return n, nil
	}
	var v domain.ValidationError
	v.Add("first", "first must be between 1 and 100")
	return 0, v.Err()
}

// pageArgs checks a connection's first and after: the page size (nil →
// 20) and the cursor to resume after ("" for the first page). A
// *domain.ValidationError names the arguments as GraphQL does.
func pageArgs(first *int32, after *string) (size int, cursor string, err error) {
	var v domain.ValidationError
	size = defaultPageSize
	if first != nil {
		size = int(*first)
		if size < 1 || size > maxPageSize {
			v.Add("first", "first must be between 1 and 100")
		}
	}
	if after != nil {
		if _, ok := app.ParseCursor(*after); !ok {
			v.Add("after", "after must be a cursor from this list")
		}
		cursor = *after
	}
	return size, cursor, v.Err()
}

// toAppListInput converts a payments filter (nil: every payment).
func toAppListInput(f *model.PaymentFilter) app.ListInput {
	var in app.ListInput
	if f == nil {
		return in
	}
	if f.Status != nil {
		in.Status = toDomainPaymentStatus(*f.Status)
	}
	in.OrderID = deref(f.OrderID)
	if f.From != nil {
		in.From = *f.From
	}
	if f.To != nil {
		in.To = *f.To
	}
	return in
}

// toModelPaymentConnection builds a page of payments; hasPrevious when it
// was read after a cursor.
func toModelPaymentConnection(res app.PaymentPage, hasPrevious bool, paymentURL func(string) string) *model.PaymentConnection {
	out := &model.PaymentConnection{
		Edges:              make([]*model.PaymentEdge, 0, len(res.Payments)),
		PageInfo:           &model.PageInfo{HasNextPage: res.NextCursor != "", HasPreviousPage: hasPrevious},
		TotalCount:         int64(res.Total),
		TotalCountIsCapped: res.TotalCapped,
	}
	for _, p := range res.Payments {
		out.Edges = append(out.Edges, &model.PaymentEdge{
			Cursor: app.CursorOf(p),
			Node:   toModelListedPayment(p, paymentURL(p.ID)),
		})
	}
	if n := len(out.Edges); n > 0 {
		out.PageInfo.StartCursor = &out.Edges[0].Cursor
		out.PageInfo.EndCursor = &out.Edges[n-1].Cursor
	}
	return out
}
