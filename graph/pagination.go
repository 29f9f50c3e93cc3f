package graph

import (
	"context"
	"encoding/base64"
	"math"
	"strconv"
	"strings"

	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/graph/model"
)

// Cursor connections over app.ListPayments.
//
// A cursor is the unpadded base64url of "offset:N", N being the edge's
// 0-based position in the filtered, newest-first list; `after` resumes at
// N+1. Positions are exact whatever `first` each page asks for:
// app.ListPayments reads pages (offset = (page-1) × limit), so the window
// [start, start+first) is read
//   - with one call when a page of some size L in [first, 100] holds the
//     whole window (start mod L + first ≤ L): always so when a client keeps
//     the same `first`, for start is then a multiple of it;
//   - else with two calls: the two pages of size `first` that hold it.
//
// Like REST's page/limit, positions shift when payments are created in front
// of the list between two pages; cursors carry no snapshot.

const (
	defaultPageSize = 20
	maxPageSize     = 100
	// maxCursorOffset bounds a decoded position: the window after it and a
	// second page read ahead stay within 32 bits.
	maxCursorOffset = math.MaxInt32 - 2*maxPageSize - 1
	cursorPrefix    = "offset:"
)

// encodeCursor returns the cursor of the edge at position offset.
func encodeCursor(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + strconv.Itoa(offset)))
}

// decodeCursor returns the position a cursor names; false for anything
// encodeCursor did not make.
func decodeCursor(c string) (int, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, false
	}
	digits, ok := strings.CutPrefix(string(raw), cursorPrefix)
	if !ok || digits == "" || (len(digits) > 1 && digits[0] == '0') ||
		strings.IndexFunc(digits, func(r rune) bool { return r < '0' || r > '9' }) >= 0 {
		return 0, false
	}
	n, err := strconv.Atoi(digits)
	if err != nil || n > maxCursorOffset {
		return 0, false
	}
	return n, true
}

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

// pageArgs checks a connection's first and after: the page size (nil → 20)
// and the position of its first edge. A *domain.ValidationError names the
// arguments as GraphQL does (REST has no counterpart).
func pageArgs(first *int32, after *string) (size, start int, err error) {
	var v domain.ValidationError
	size = defaultPageSize
	if first != nil {
		size = int(*first)
		if size < 1 || size > maxPageSize {
			v.Add("first", "first must be between 1 and 100")
		}
	}
	if after != nil {
		n, ok := decodeCursor(*after)
		if !ok {
			v.Add("after", "after must be a cursor from this list")
		}
		start = n + 1
	}
	return size, start, v.Err()
}

// pageFor returns the page app.ListPayments must read for the window
// [start, start+first): its size, its number (from 1), where the window
// starts in it, and whether it holds the whole window (else the next page of
// the same size holds the rest).
func pageFor(start, first int) (size, page, skip int, whole bool) {
	for l := first; l <= maxPageSize; l++ {
		if start%l+first <= l {
			return l, start/l + 1, start % l, true
		}
	}
	return first, start/first + 1, start % first, false
}

// listWindow returns up to first of the principal's payments from position
// start on, newest first, and how many match in all.
func (r *Resolver) listWindow(ctx context.Context, pr app.Principal, in app.ListInput, start, first int) ([]*domain.Payment, int, error) {
	size, page, skip, whole := pageFor(start, first)
	in.Page, in.Limit = page, size
	res, err := r.app.Payments.List(ctx, pr, in)
	if err != nil {
		return nil, 0, err
	}
	items := res.Payments[min(skip, len(res.Payments)):]
	total := res.Total
	if !whole && len(res.Payments) == size {
		in.Page++
		next, err := r.app.Payments.List(ctx, pr, in)
		if err != nil {
			return nil, 0, err
		}
		items = append(items[:len(items):len(items)], next.Payments...)
		total = next.Total
	}
	return items[:min(first, len(items))], total, nil
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

// toModelPaymentConnection builds the page of payments found at position
// start, of total matching.
func toModelPaymentConnection(items []*domain.Payment, start, total int, paymentURL func(string) string) *model.PaymentConnection {
	out := &model.PaymentConnection{
		Edges:      make([]*model.PaymentEdge, 0, len(items)),
		PageInfo:   &model.PageInfo{HasNextPage: start+len(items) < total, HasPreviousPage: start > 0},
		TotalCount: int64(total),
	}
	for i, p := range items {
		out.Edges = append(out.Edges, &model.PaymentEdge{
			Cursor: encodeCursor(start + i),
			Node:   toModelListedPayment(p, paymentURL(p.ID)),
		})
	}
	if n := len(out.Edges); n > 0 {
		out.PageInfo.StartCursor = &out.Edges[0].Cursor
		out.PageInfo.EndCursor = &out.Edges[n-1].Cursor
	}
	return out
}
