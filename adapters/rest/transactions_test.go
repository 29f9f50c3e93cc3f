package rest_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestTransactionOtherClientIs404(t *testing.T) {
	e := newEnv(t)
	pa := e.createPayment(t, asA, "order-a", "10")
	pb := e.createPayment(t, asB, "order-b", "10")

	if got := e.getPayment(t, asA, pa.TransactionID); got.TransactionID != pa.TransactionID || got.PaymentURL == "" {
		t.Fatalf("own payment: %+v", got)
	}
	rep := wantErr(t, e.call(asA, http.MethodGet, "/api/v1/transaction/"+pb.TransactionID, ""), http.StatusNotFound)
	noneSuch := wantErr(t, e.call(asA, http.MethodGet, "/api/v1/transaction/txn_doesnotexist", ""), http.StatusNotFound)
	if rep.Message != noneSuch.Message {
		t.Errorf("another client's payment (%q) is told apart from a missing one (%q)", rep.Message, noneSuch.Message)
	}
	// Odd IDs are never a 500: NUL or invalid UTF-8 is a 422 naming the
	// field, anything else a 404.
	for _, id := range []string{"%00", "%FF%FE", "txn_%00x"} {
		r := wantErr(t, e.call(asA, http.MethodGet, "/api/v1/transaction/"+id, ""), http.StatusUnprocessableEntity)
		if len(r.Errors) != 1 || len(r.Errors["transaction_id"]) == 0 {
			t.Errorf("%s: errors %v, want transaction_id only", id, r.Errors)
		}
	}
	wantErr(t, e.call(asA, http.MethodGet, "/api/v1/transaction/..%2F..%2Fetc", ""), http.StatusNotFound)
}

func TestTransactionsPaging(t *testing.T) {
	e := newEnv(t)
	var ids []string
	for i := range 5 {
		ids = append(ids, e.createPayment(t, asA, fmt.Sprintf("order-%d", i), "10").TransactionID)
		e.clock.Advance(time.Hour)
	}
	e.createPayment(t, asB, "order-b", "10")

	w := e.call(asA, http.MethodGet, "/api/v1/transactions?page=2&limit=2", "")
	rep := wantOK(t, w, http.StatusOK)
	if rep.Meta == nil || rep.Meta.Page != 2 || rep.Meta.Limit != 2 || rep.Meta.Total != 5 || rep.Meta.TotalIsCapped || rep.Meta.NextCursor == nil {
		t.Fatalf("meta %+v", rep.Meta)
	}
	got := unmarshal[[]payment](t, rep.Data)
	// newest first: page 2 of 2 holds the 3rd and 4th newest
	if len(got) != 2 || got[0].TransactionID != ids[2] || got[1].TransactionID != ids[1] {
		t.Fatalf("page 2: %+v", got)
	}
	if got[0].PaymentURL != "" {
		t.Errorf("list items carry payment_url")
	}

	// defaults
	rep = wantOK(t, e.call(asA, http.MethodGet, "/api/v1/transactions", ""), http.StatusOK)
	if *rep.Meta != (pageMeta{Page: 1, Limit: 20, Total: 5}) {
		t.Errorf("default meta %+v", rep.Meta)
	}
	// a page past the end is empty, not an error; data is [] not null
	w = e.call(asA, http.MethodGet, "/api/v1/transactions?page=9", "")
	rep = wantOK(t, w, http.StatusOK)
	if string(rep.Data) != "[]" {
		t.Errorf("data %s, want []", rep.Data)
	}

	// filters: status, order_id, dates (Dhaka time; to_date includes its day)
	rep = wantOK(t, e.call(asA, http.MethodGet, "/api/v1/transactions?status=pending&order_id=order-3", ""), http.StatusOK)
	if got := unmarshal[[]payment](t, rep.Data); len(got) != 1 || got[0].TransactionID != ids[3] {
		t.Errorf("order_id filter: %+v", got)
	}
	// created at 08:00..12:00 UTC = 14:00..18:00 Dhaka on 2026-06-18
	q := url.Values{"from_date": {"2026-06-18 15:00:00"}, "to_date": {"2026-06-18 17:00:00"}}.Encode()
	rep = wantOK(t, e.call(asA, http.MethodGet, "/api/v1/transactions?"+q, ""), http.StatusOK)
	if rep.Meta.Total != 3 {
		t.Errorf("15:00..17:00 Dhaka: total %d, want 3 (to_date includes its second)", rep.Meta.Total)
	}
	rep = wantOK(t, e.call(asA, http.MethodGet, "/api/v1/transactions?from_date=2026-06-18&to_date=2026-06-18", ""), http.StatusOK)
	if rep.Meta.Total != 5 {
		t.Errorf("one whole day: total %d, want 5", rep.Meta.Total)
	}
	rep = wantOK(t, e.call(asA, http.MethodGet, "/api/v1/transactions?to_date=2026-06-17", ""), http.StatusOK)
	if rep.Meta.Total != 0 {
		t.Errorf("the day before: total %d, want 0", rep.Meta.Total)
	}
}

func TestTransactionsValidation(t *testing.T) {
	cases := []struct {
		query  string
		fields []string
	}{
		{"page=0", []string{"page"}},
		{"page=-1", []string{"page"}},
		{"page=abc", []string{"page"}},
		{"page=1.5", []string{"page"}},
		{"page=99999999999999999999999", []string{"page"}},
		{"limit=0", []string{"limit"}},
		{"limit=101", []string{"limit"}},
		{"limit=x", []string{"limit"}},
		{"from_date=yesterday", []string{"from_date"}},
		{"to_date=2026-02-30", []string{"to_date"}},
		{"from_date=2026-06-18%00", []string{"from_date"}},
		{"from_date=2026-06-18&to_date=2026-06-17", []string{"to_date"}},
		{"status=paid", []string{"status"}},
		{"page=0&limit=500&from_date=x&to_date=y", []string{"page", "limit", "from_date", "to_date"}},
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			e := newEnv(t)
			wantFields(t, e.call(asA, http.MethodGet, "/api/v1/transactions?"+c.query, ""), c.fields...)
		})
	}
}

// A page number that parses but whose offset overflows must not be a 500.
func TestTransactionsHugePage(t *testing.T) {
	e := newEnv(t)
	e.createPayment(t, asA, "order-1", "10")
	for _, q := range []string{"page=9223372036854775807", "page=9223372036854775807&limit=100",
		"page=461168601842738791&limit=20", "page=1000000000&limit=100"} {
		t.Run(q, func(t *testing.T) {
			w := e.call(asA, http.MethodGet, "/api/v1/transactions?"+q, "")
			if w.Code >= 500 {
				t.Fatalf("status %d; body %s", w.Code, w.Body)
			}
			if w.Code == http.StatusOK {
				if rep := wantOK(t, w, http.StatusOK); string(rep.Data) != "[]" {
					t.Errorf("data %s, want []", rep.Data)
				}
				return
			}
			wantFields(t, w, "page")
		})
	}
}

// Keyset paging (docs/merchant-api.md §7.3): next_cursor walks the same
// list page/limit does, ends with null, and page/limit stops at a depth
// with a 422 on page that points at the cursor.
func TestTransactionsCursor(t *testing.T) {
	e := newEnv(t)
	var ids []string
	for i := range 5 {
		ids = append(ids, e.createPayment(t, asA, fmt.Sprintf("order-%d", i), "10").TransactionID)
		if i != 2 { // two created at the same instant: the ID breaks the tie
			e.clock.Advance(time.Hour)
		}
	}
	e.createPayment(t, asB, "order-b", "10")

	var walked []string
	path, pages := "/api/v1/transactions?limit=2", 0
	for {
		rep := wantOK(t, e.call(asA, http.MethodGet, path, ""), http.StatusOK)
		for _, p := range unmarshal[[]payment](t, rep.Data) {
			walked = append(walked, p.TransactionID)
		}
		if pages++; rep.Meta.Total != 5 || rep.Meta.TotalIsCapped || pages > 5 {
			t.Fatalf("page %d: meta %+v", pages, rep.Meta)
		}
		if rep.Meta.NextCursor == nil {
			break
		}
		path = "/api/v1/transactions?limit=2&cursor=" + url.QueryEscape(*rep.Meta.NextCursor)
	}
	var paged []string
	for page := 1; page <= 3; page++ {
		rep := wantOK(t, e.call(asA, http.MethodGet, fmt.Sprintf("/api/v1/transactions?limit=2&page=%d", page), ""), http.StatusOK)
		for _, p := range unmarshal[[]payment](t, rep.Data) {
			paged = append(paged, p.TransactionID)
		}
	}
	if pages != 3 || fmt.Sprint(walked) != fmt.Sprint(paged) || len(walked) != 5 {
		t.Fatalf("cursor walk %v in %d pages, page walk %v", walked, pages, paged)
	}
	seen := map[string]bool{}
	for _, id := range walked {
		seen[id] = true
	}
	if len(seen) != 5 || !seen[ids[0]] || !seen[ids[4]] || walked[0] != ids[4] {
		t.Fatalf("walk %v, want each of %v once, newest first", walked, ids)
	}

	// The cursor keeps the filter's total; another client's list never
	// shows A's payments whatever cursor it sends.
	rep := wantOK(t, e.call(asA, http.MethodGet, "/api/v1/transactions?limit=1&status=pending", ""), http.StatusOK)
	rep = wantOK(t, e.call(asB, http.MethodGet, "/api/v1/transactions?cursor="+url.QueryEscape(*rep.Meta.NextCursor), ""), http.StatusOK)
	if got := unmarshal[[]payment](t, rep.Data); len(got) != 0 || rep.Meta.Total != 1 {
		t.Errorf("client B after A's cursor: %+v, meta %+v", got, rep.Meta)
	}

	wantFields(t, e.call(asA, http.MethodGet, "/api/v1/transactions?cursor=nonsense", ""), "cursor")
	wantFields(t, e.call(asA, http.MethodGet, "/api/v1/transactions?cursor=cDE6MTp0eG5fYQ&page=2", ""), "page")
	// page × limit past app.MaxOffset (10 000): a 422 on page naming the cursor.
	w := e.call(asA, http.MethodGet, "/api/v1/transactions?page=501&limit=20", "")
	r := wantErr(t, w, http.StatusUnprocessableEntity)
	if msgs := r.Errors["page"]; len(msgs) != 1 || !strings.Contains(msgs[0], "cursor") {
		t.Errorf("page 501 × 20: errors %v, want page naming the cursor", r.Errors)
	}
	wantOK(t, e.call(asA, http.MethodGet, "/api/v1/transactions?page=500&limit=20", ""), http.StatusOK)
}
