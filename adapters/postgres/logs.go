package postgres

import (
	"context"
	"log/slog"
	"sort"
	"time"

	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

// Recorder writes request logs and gateway calls in the background
// (batched COPY) and answers the queries over them.
type Recorder struct {
	db    *DB
	calls *batcher
	reqs  *batcher
}

// NewRecorder starts the background writers; Close flushes and stops them.
func NewRecorder(db *DB, log *slog.Logger) *Recorder {
	r := &Recorder{
		db: db,
		calls: newBatcher(db, "gateway_calls",
			[]string{"gateway", "operation", "outcome", "http_status", "latency_ms", "created_at"}, log),
		reqs: newBatcher(db, "request_logs",
			[]string{"client_id", "method", "endpoint", "status_code", "request_body", "response_body", "ip", "latency_ms", "created_at"}, log),
	}
	r.calls.start()
	r.reqs.start()
	return r
}

// Close flushes queued rows.
func (r *Recorder) Close() {
	r.calls.close()
	r.reqs.close()
}

var _ ports.GatewayCallStore = (*Recorder)(nil)

// RecordCall implements ports.GatewayCallStore.
func (r *Recorder) RecordCall(c ports.GatewayCall) {
	r.calls.add([]any{string(c.Gateway), c.Operation, c.Outcome, int32(c.HTTPStatus), int32(c.Latency.Milliseconds()), c.At})
}

// CallStats implements ports.GatewayCallStore: counts by outcome, p95
// latency, and 5-minute buckets in which most calls were answered.
func (r *Recorder) CallStats(ctx context.Context, g domain.Gateway, since time.Time) (ports.GatewayCallStats, error) {
	var st ports.GatewayCallStats
	var rows []struct {
		Outcome string `bun:"outcome"`
		Latency int64  `bun:"latency_ms"`
		At      time.Time
	}
	err := r.db.Bun.NewRaw(`SELECT outcome, latency_ms, created_at AS at FROM gateway_calls
		WHERE gateway = ? AND created_at >= ? ORDER BY created_at`, string(g), since).Scan(ctx, &rows)
	if err != nil {
		return st, err
	}
	lat := make([]int64, 0, len(rows))
	type bucket struct{ calls, noAnswer int }
	buckets := map[int64]*bucket{}
	recent := time.Now().Add(-15 * time.Minute)
	for _, c := range rows {
		st.Calls++
		switch c.Outcome {
		case "ok":
			st.OK++
		case "refused":
			st.Refused++
		default:
			st.NoAnswer++
		}
		lat = append(lat, c.Latency)
		k := c.At.Unix() / 300
		if buckets[k] == nil {
			buckets[k] = &bucket{}
		}
		buckets[k].calls++
		if c.Outcome == "no_answer" {
			buckets[k].noAnswer++
		}
		if c.At.After(recent) {
			st.LastWindow.Calls++
			if c.Outcome == "no_answer" {
				st.LastWindow.NoAnswer++
			}
		}
	}
	if len(lat) > 0 {
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		st.P95 = time.Duration(lat[(len(lat)*95+99)/100-1]) * time.Millisecond
	}
	for _, b := range buckets {
		st.Buckets++
		if b.noAnswer*2 < b.calls {
			st.UpBuckets++
		}
	}
	return st, nil
}

// RequestLog is one logged merchant API request (docs/merchant-api.md §10).
type RequestLog struct {
	ClientID     string
	Method       string
	Endpoint     string
	StatusCode   int
	RequestBody  string // redacted and capped by the caller
	ResponseBody string // redacted and capped by the caller
	IP           string
	Latency      time.Duration
	At           time.Time
}

// LogRequest queues one request log row without blocking.
func (r *Recorder) LogRequest(l RequestLog) {
	r.reqs.add([]any{l.ClientID, l.Method, l.Endpoint, int32(l.StatusCode), l.RequestBody, l.ResponseBody, l.IP, int32(l.Latency.Milliseconds()), l.At})
}

// RequestLogs returns up to limit logs, newest first, of one client (all
// when clientID is ""), since a time (zero = any).
func (r *Recorder) RequestLogs(ctx context.Context, clientID string, since time.Time, limit int) ([]RequestLog, error) {
	var rows []struct {
		ClientID     string    `bun:"client_id"`
		Method       string    `bun:"method"`
		Endpoint     string    `bun:"endpoint"`
		StatusCode   int       `bun:"status_code"`
		RequestBody  string    `bun:"request_body"`
		ResponseBody string    `bun:"response_body"`
		IP           string    `bun:"ip"`
		LatencyMS    int64     `bun:"latency_ms"`
		CreatedAt    time.Time `bun:"created_at"`
	}
	q := r.db.Bun.NewSelect().TableExpr("request_logs").Column("client_id", "method", "endpoint", "status_code",
		"request_body", "response_body", "ip", "latency_ms", "created_at").Order("created_at DESC").Limit(int64(limit))
	if clientID != "" {
		q = q.Where("client_id = ?", clientID)
	}
	if !since.IsZero() {
		q = q.Where("created_at >= ?", since)
	}
	if err := q.Scan(ctx, &rows); err != nil {
		return nil, err
	}
	out := make([]RequestLog, len(rows))
	for i, x := range rows {
		out[i] = RequestLog{ClientID: x.ClientID, Method: x.Method, Endpoint: x.Endpoint, StatusCode: x.StatusCode,
			RequestBody: x.RequestBody, ResponseBody: x.ResponseBody, IP: x.IP,
			Latency: time.Duration(x.LatencyMS) * time.Millisecond, At: x.CreatedAt.UTC()}
	}
	return out, nil
}

// PurgeRequestLogs deletes request logs older than cutoff (retention).
func (db *DB) PurgeRequestLogs(ctx context.Context, cutoff time.Time) (int64, error) {
	res, err := db.Bun.NewDelete().TableExpr("request_logs").Where("created_at < ?", cutoff).Exec(ctx)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// PurgeIdempotencyKeys deletes stored idempotent responses older than cutoff.
func (db *DB) PurgeIdempotencyKeys(ctx context.Context, cutoff time.Time) (int64, error) {
	res, err := db.Bun.NewDelete().TableExpr("idempotency_keys").Where("created_at < ?", cutoff).Exec(ctx)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
