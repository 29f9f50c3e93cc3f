package main

import (
	"context"
	"testing"
	"time"
)

// The periodic maintenance task purges gateway_webhooks past
// PAYCORE_GATEWAY_WEBHOOK_RETENTION, as it does request logs.
func TestGatewayWebhookLogRetention(t *testing.T) {
	t.Parallel()
	ts := startServerWith(t, func(c *config) { c.HookRetention = 30 * 24 * time.Hour })
	ctx := context.Background()
	for _, r := range []struct {
		id  string
		age time.Duration
	}{{"old_1", 31 * 24 * time.Hour}, {"old_2", 400 * 24 * time.Hour}, {"recent", 29 * 24 * time.Hour}, {"now", 0}} {
		if _, err := ts.db.Pool.Exec(ctx, `INSERT INTO gateway_webhooks (gateway, event_id, source_ip, headers, body, verdict, created_at)
			VALUES ('bkash', $1, '203.0.113.1', '{}', '{}', 'bad_signature', $2)`, r.id, time.Now().Add(-r.age)); err != nil {
			t.Fatal(err)
		}
	}
	if err := ts.maintenance(ctx); err != nil {
		t.Fatal(err)
	}
	var left []string
	rows, err := ts.db.Pool.Query(ctx, "SELECT event_id FROM gateway_webhooks ORDER BY created_at")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		left = append(left, id)
	}
	if len(left) != 2 || left[0] != "recent" || left[1] != "now" {
		t.Fatalf("after maintenance gateway_webhooks holds %v, want [recent now]", left)
	}
}
