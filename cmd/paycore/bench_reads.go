package main

// The bench kit's `reads` phase (issue 13 §4): one merchant with a long
// history (-read-rows payments, 1M by default, loaded with generate_series
// in SQL, not through the API), then the merchant's reads over HTTP, one
// request at a time: the first page of GET /api/v1/transactions, pages by
// cursor deep in history, a date-range page (capped count), the REST and
// GraphQL dashboard; each p50/p99 beside the goal (≤ 20 ms), with what the
// same answer cost computed the old way (count(*) over the client's rows,
// OFFSET, a scan for the dashboard) in the note.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/paycore/paycore/adapters/postgres"
	"github.com/paycore/paycore/adapters/secret"
	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// readsSeedSQL loads $2 payments for client $1, one every 30 s up to an
// hour before $3, statuses spread over all nine. Like the migration's
// backfill it adds the rows' figures to client_payment_stats in one
// aggregate, with the per-row trigger off for the load: a million upserts
// of one merchant's few rows inside one transaction would each walk the
// versions the transaction made before (each create in production is its
// own transaction).
// The statements run in one transaction.
var readsSeedSQL = []string{`ALTER TABLE payments DISABLE TRIGGER payments_client_stats`, `
INSERT INTO payments (id, client_id, order_id, amount, currency, status, return_url, version,
	expires_at, created_at, updated_at, refunded, gateway, trx_id)
SELECT 'txn_r' || lpad(g::text, 15, '0'), $1, 'R-' || g, a, 'BDT', st, 'https://shop.example.com/r', 1,
	t + interval '1 hour', t, t,
	CASE st WHEN 'refunded' THEN a WHEN 'partially_refunded' THEN a / 2 ELSE 0 END,
	CASE WHEN st IN ('pending', 'expired') THEN '' ELSE 'bkash' END,
	CASE WHEN st IN ('pending', 'expired', 'failed', 'cancelled') THEN '' ELSE 'TRXR' || g END
FROM (SELECT g, 100 + (g::bigint * 7919) % 500000 AS a,
		(ARRAY['success','success','success','success','pending','failed','expired','cancelled','partially_refunded','refunded'])[1 + (g * 31) % 10] AS st,
		$3::timestamptz - interval '1 hour' - ($2 - g) * interval '30 seconds' AS t
	FROM generate_series(1, $2::int) g) s`, `
INSERT INTO client_payment_stats AS c (client_id, status, currency, shard, n, amount, refunded)
SELECT client_id, status, currency, 0, count(*), sum(amount), sum(refunded) FROM payments
WHERE client_id = $1 AND id LIKE 'txn\_r%' GROUP BY client_id, status, currency
ON CONFLICT (client_id, status, currency, shard) DO UPDATE
SET n = c.n + excluded.n, amount = c.amount + excluded.amount, refunded = c.refunded + excluded.refunded`,
	`ALTER TABLE payments ENABLE TRIGGER payments_client_stats`}

// oldWay is what the reads cost before issue 13 §4, timed once each in SQL.
var readsOldWay = []struct{ name, sql string }{
	{"count(*)", `SELECT count(*) FROM payments WHERE client_id = $1`},
	{"OFFSET 900000", `SELECT id FROM payments WHERE client_id = $1 ORDER BY created_at DESC, id DESC LIMIT 20 OFFSET 900000`},
	{"dashboard scan", `SELECT currency, count(*), count(*) FILTER (WHERE status IN ('success', 'partially_refunded', 'refunded', 'disputed')),
		coalesce(sum(amount) FILTER (WHERE status IN ('success', 'partially_refunded', 'refunded', 'disputed')), 0), coalesce(sum(refunded), 0)
		FROM payments WHERE client_id = $1 GROUP BY currency`},
}

type listAnswer struct {
	Meta struct {
		Total         int     `json:"total"`
		TotalIsCapped bool    `json:"total_is_capped"`
		NextCursor    *string `json:"next_cursor"`
	} `json:"meta"`
}

// signedGet sends a signed GET and decodes a 200's body into out.
func signedGet(ctx context.Context, m merchant, target string, out any) error {
	req, err := m.signedRequest(ctx, http.MethodGet, target, nil)
	if err != nil {
		return err
	}
	resp, err := m.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: HTTP %d %s", target, resp.StatusCode, trunc(string(raw), 200))
	}
	return json.Unmarshal(raw, out)
}

// adapterTimes runs read 300 times in its own transaction through
// adapters/postgres (no HTTP, auth, nonce or request log) and returns the
// p50 and p99 in ms: the database's part of a request.
func adapterTimes(ctx context.Context, tp ports.TxProvider, read func(ctx context.Context, tx ports.Tx) error) (p50, p99 float64, err error) {
	var ms []float64
	for range 300 {
		t := time.Now()
		if err := tp.Transact(ctx, read); err != nil {
			return 0, 0, err
		}
		ms = append(ms, float64(time.Since(t).Microseconds())/1000)
	}
	return pct(ms, 50), pct(ms, 99), nil
}

func (b *bench) reads(ctx context.Context) ([]benchRow, error) {
	n := b.o.readRows
	t0 := time.Now()
	if err := pgx.BeginFunc(ctx, b.admin, func(tx pgx.Tx) error {
		for i, q := range readsSeedSQL {
			var args []any
			switch i {
			case 1:
				args = []any{demoClientID, n, t0}
			case 2:
				args = []any{demoClientID}
			}
			if _, err := tx.Exec(ctx, q, args...); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("load %d payments: %w", n, err)
	}
	load := time.Since(t0)
	if _, err := b.admin.Exec(ctx, "VACUUM ANALYZE payments"); err != nil {
		return nil, err
	}
	b.logf("reads: %d payments for %s loaded in %.1f s (%.0f rows/s, figures added in one aggregate), vacuumed in %.1f s",
		n, demoClientID, load.Seconds(), float64(n)/load.Seconds(), time.Since(t0).Seconds()-load.Seconds())

	old := map[string]float64{}
	for _, q := range readsOldWay {
		var ms []float64
		for range 3 {
			t := time.Now()
			rows, err := b.admin.Query(ctx, q.sql, demoClientID)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", q.name, err)
			}
			for rows.Next() {
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return nil, fmt.Errorf("%s: %w", q.name, err)
			}
			ms = append(ms, float64(time.Since(t).Microseconds())/1000)
		}
		slices.Sort(ms)
		old[q.name] = ms[1]
		b.logf("reads: the old way, %s: %.1f ms (median of 3)", q.name, ms[1])
	}

	// The payment 90 % deep in the newest-first list: where the cursor walk starts.
	var deep struct {
		at time.Time
		id string
	}
	if err := b.admin.QueryRow(ctx, `SELECT created_at, id FROM payments WHERE client_id = $1
		ORDER BY created_at DESC, id DESC OFFSET $2 LIMIT 1`, demoClientID, n*9/10).Scan(&deep.at, &deep.id); err != nil {
		return nil, err
	}
	deepCursor := app.CursorOf(domain.PaymentFromDB(domain.Payment{ID: deep.id, CreatedAt: deep.at}, domain.StatusPending))

	box, err := secret.NewBox(secret.SandboxKey())
	if err != nil {
		return nil, err
	}
	db, err := postgres.Open(ctx, b.dbURL, box, 2)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	tp := postgres.NewTxProvider(db, nil)

	m := b.merchant(0, 2)
	goal := "p99 ≤ 20 ms"
	// measure times fn over HTTP for the phase's duration, and read (the
	// same reads) through the adapter alone.
	measure := func(name, note string, fn func(ctx context.Context) error, read func(ctx context.Context, tx ports.Tx) error) benchRow {
		if read != nil {
			p50, p99, err := adapterTimes(ctx, tp, read)
			if err != nil {
				note = "adapter: " + trunc(err.Error(), 80) + "; " + note
			} else {
				note = fmt.Sprintf("SQL alone (adapters/postgres, one transaction) p50 %.2f / p99 %.2f ms; %s", p50, p99, note)
			}
		}
		lat, errs, el, firstErr := loop(ctx, 1, b.o.dur, func(ctx context.Context, _ int) error { return fn(ctx) })
		row := benchRow{Name: name, Clients: 1, Unit: "req/s", Count: int64(len(lat)), Rate: float64(len(lat)) / el.Seconds(),
			P50ms: pct(lat, 50), P99ms: pct(lat, 99), Errors: errs, Goal: goal, Note: note}
		row.GoalMet = ptr(errs == 0 && row.P99ms <= 20)
		if firstErr != nil {
			row.Note = "first error: " + trunc(firstErr.Error(), 120) + "; " + note
		}
		b.logf("reads: %s: p50 %.2f ms p99 %.2f ms (%d requests, %d errors)", name, row.P50ms, row.P99ms, len(lat), errs)
		return row
	}
	var rows []benchRow
	var first listAnswer
	rows = append(rows, measure(fmt.Sprintf("REST GET /transactions first page (%d payments)", n),
		fmt.Sprintf("before: count(*) %.0f ms + the page", old["count(*)"]),
		func(ctx context.Context) error { return signedGet(ctx, m, "/api/v1/transactions?limit=20", &first) },
		func(ctx context.Context, tx ports.Tx) error {
			_, err := tx.Queries().List(ctx, ports.PaymentFilter{ClientID: demoClientID, Limit: 21, CountCap: app.MaxCount})
			return err
		}))
	if first.Meta.Total < n {
		rows[len(rows)-1].Note += fmt.Sprintf("; total %d, want ≥ %d", first.Meta.Total, n)
	}
	cursor := deepCursor
	rows = append(rows, measure("REST GET /transactions?cursor= 90 % deep, following next_cursor",
		fmt.Sprintf("before: OFFSET 900000 %.0f ms + count(*)", old["OFFSET 900000"]),
		func(ctx context.Context) error {
			var a listAnswer
			if err := signedGet(ctx, m, "/api/v1/transactions?limit=20&cursor="+url.QueryEscape(cursor), &a); err != nil {
				return err
			}
			cursor = deepCursor
			if a.Meta.NextCursor != nil {
				cursor = *a.Meta.NextCursor
			}
			return nil
		},
		func(ctx context.Context, tx ports.Tx) error {
			_, err := tx.Queries().List(ctx, ports.PaymentFilter{ClientID: demoClientID, AfterCreated: deep.at, AfterID: deep.id,
				Limit: 21, CountCap: app.MaxCount})
			return err
		}))
	fromT := t0.Add(-30 * 24 * time.Hour).UTC().Truncate(time.Second)
	from := fromT.Format(time.RFC3339)
	var ranged listAnswer
	rows = append(rows, measure("REST GET /transactions?from_date= last 30 days (capped count)",
		fmt.Sprintf("~%d match; total counted up to %d", min(n, 30*24*120), app.MaxCount),
		func(ctx context.Context) error {
			return signedGet(ctx, m, "/api/v1/transactions?limit=20&from_date="+url.QueryEscape(from), &ranged)
		},
		func(ctx context.Context, tx ports.Tx) error {
			_, err := tx.Queries().List(ctx, ports.PaymentFilter{ClientID: demoClientID, From: fromT, Limit: 21, CountCap: app.MaxCount})
			return err
		}))
	if !ranged.Meta.TotalIsCapped && n > 30*24*120 {
		rows[len(rows)-1].Note += "; total_is_capped false: unexpected"
	}
	var dash struct {
		Data struct {
			Total int64 `json:"total_transactions"`
		} `json:"data"`
	}
	rows = append(rows, measure("REST GET /client/dashboard", fmt.Sprintf("before: a scan, %.0f ms", old["dashboard scan"]),
		func(ctx context.Context) error { return signedGet(ctx, m, "/api/v1/client/dashboard", &dash) },
		func(ctx context.Context, tx ports.Tx) error {
			if _, err := tx.Clients().Get(ctx, demoClientID); err != nil {
				return err
			}
			_, err := tx.Queries().Stats(ctx, demoClientID)
			return err
		}))
	if dash.Data.Total < int64(n) {
		rows[len(rows)-1].Note += fmt.Sprintf("; total_transactions %d, want ≥ %d", dash.Data.Total, n)
	}
	rows = append(rows, measure("GraphQL dashboard", "same figures as REST",
		func(ctx context.Context) error {
			var out struct {
				Dashboard struct {
					TotalTransactions json.Number `json:"totalTransactions"`
				} `json:"dashboard"`
			}
			return m.graphql(ctx, "", `{ dashboard { totalTransactions totalSuccess totalFailed totalAmount { amount currency } } }`, nil, &out)
		}, nil))
	return rows, nil
}
