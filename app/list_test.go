package app_test

import (
	"encoding/base64"
	"testing"
	"time"

	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
)

func TestCursorRoundTrip(t *testing.T) {
	at := time.Date(2026, 12, 6, 10, 0, 0, 123456000, time.UTC)
	p := domain.PaymentFromDB(domain.Payment{ID: "txn_abc", CreatedAt: at}, domain.StatusPending)
	c, ok := app.ParseCursor(app.CursorOf(p))
	if !ok || c.ID != "txn_abc" || !c.CreatedAt.Equal(at) {
		t.Fatalf("round trip: %+v %v", c, ok)
	}
	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	for _, bad := range []string{"", "x", "!!!", enc("offset:3"), enc("p1:"), enc("p1:12"), enc("p1:12:"),
		enc("p1:-1:txn_a"), enc("p1:x:txn_a"), enc("p1:99999999999999999999:txn_a"),
		enc("p1:1:" + string(make([]byte, 65)))} {
		if c, ok := app.ParseCursor(bad); ok {
			t.Errorf("%q parsed to %+v", bad, c)
		}
	}
}

// Cursor pages walk the same list as numbered pages, and numbered pages stop
// at app.MaxOffset.
func TestListByCursor(t *testing.T) {
	e := newEnv(t)
	var ids []string
	for i, o := range []string{"O1", "O2", "O3", "O4", "O5"} {
		e.clock.Set(t0.Add(time.Duration(i/2) * time.Hour)) // pairs share an instant
		ids = append(ids, e.pay(o, "10").ID)
	}
	var walked []string
	in := app.ListInput{Limit: 2}
	for range 5 {
		pg, err := e.app.Payments.List(e.ctx, principal(cliA), in)
		if err != nil {
			t.Fatal(err)
		}
		wantEqual(t, "total", pg.Total, 5)
		for _, p := range pg.Payments {
			walked = append(walked, p.ID)
		}
		if pg.NextCursor == "" {
			break
		}
		in.Cursor = pg.NextCursor
	}
	var paged []string
	for page := 1; page <= 3; page++ {
		pg, err := e.app.Payments.List(e.ctx, principal(cliA), app.ListInput{Page: page, Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range pg.Payments {
			paged = append(paged, p.ID)
		}
		if (pg.NextCursor == "") != (page == 3) {
			t.Errorf("page %d: next cursor %q", page, pg.NextCursor)
		}
	}
	wantSlice(t, "cursor walk = page walk", walked, paged)
	wantEqual(t, "walked", len(walked), 5)
	wantEqual(t, "newest first", walked[4] == ids[0] || walked[4] == ids[1], true)

	for name, in := range map[string]app.ListInput{
		"page":   {Page: app.MaxOffset/20 + 1, Limit: 20},
		"cursor": {Cursor: "nonsense"},
	} {
		_, err := e.app.Payments.List(e.ctx, principal(cliA), in)
		if len(validationFields(t, err)[name]) == 0 {
			t.Errorf("%s not reported", name)
		}
	}
	p := domain.PaymentFromDB(domain.Payment{ID: ids[0], CreatedAt: t0}, domain.StatusPending)
	_, err := e.app.Payments.List(e.ctx, principal(cliA), app.ListInput{Page: 2, Cursor: app.CursorOf(p)})
	if fs := validationFields(t, err); len(fs["page"]) == 0 || len(fs["cursor"]) != 0 {
		t.Errorf("page with a cursor: %v", fs)
	}
	if _, err := e.app.Payments.List(e.ctx, principal(cliA), app.ListInput{Page: app.MaxOffset / 20, Limit: 20}); err != nil {
		t.Errorf("deepest numbered page: %v", err)
	}
}
