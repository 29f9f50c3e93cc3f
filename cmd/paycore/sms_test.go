package main

import (
	"context"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/paycore/paycore/adapters/smssim"
	"github.com/paycore/paycore/ports/portstest"
)

// ucs2Segments counts SMS parts independently: 70 UTF-16 units fit one
// SMS, 67 per part beyond that.
func ucs2Segments(s string) int {
	n := len(utf16.Encode([]rune(s)))
	if n <= 70 {
		return 1
	}
	return (n + 66) / 67
}

// A Bangla-speaking merchant's customer gets the alerts in Bangla, intact,
// through BulkSMSBD's wire format at the simulator, with the right count.
func TestBanglaSMSArrivesIntact(t *testing.T) {
	t.Parallel()
	ts := startServerWith(t, func(c *config) { c.SMS.Provider = "bulksmsbd" })
	if _, err := ts.db.Pool.Exec(context.Background(), "UPDATE clients SET language = 'bn' WHERE id = $1", demoClientID); err != nil {
		t.Fatal(err)
	}
	txn := paid(t, ts, "250.00")
	var msgs []smssim.Message
	portstest.WaitFor(t, "two SMS sent", func() bool {
		var sent int
		ts.queryRow(t, "SELECT count(*) FROM notifications WHERE payment_id = $1 AND status = 'sent'", []any{txn}, &sent)
		msgs = ts.smsSim.MessagesTo("01770618575")
		return len(msgs) == 2 && sent == 2
	})
	for _, m := range msgs {
		var body, enc string
		var segs int
		ts.queryRow(t, "SELECT body, encoding, segments FROM notifications WHERE provider_ref = $1 AND payment_id = $2",
			[]any{m.MessageID, txn}, &body, &enc, &segs)
		if m.Text != body || !strings.Contains(m.Text, "অর্ডার") {
			t.Fatalf("text arrived as %q, stored %q", m.Text, body)
		}
		if m.Type != "unicode" || enc != "UCS-2" || m.Segments != ucs2Segments(body) || segs != m.Segments {
			t.Fatalf("type %s encoding %s segments sim %d stored %d independent %d", m.Type, enc, m.Segments, segs, ucs2Segments(body))
		}
	}
}

// The SMS provider is down: the payment succeeds regardless; the SMS is
// retried and, once River's attempts are spent, marked failed.
func TestSMSProviderDownLeavesPaymentAlone(t *testing.T) {
	t.Parallel()
	ts := startServerWith(t, func(c *config) { c.SMS.Provider = "bulksmsbd" })
	ts.smsSim.SetFault(smssim.EndpointSend, smssim.Fault{Mode: smssim.FaultDown})
	txn := paid(t, ts, "75.00")
	var ntf string
	ts.queryRow(t, "SELECT id FROM notifications WHERE payment_id = $1 AND template = 'payment_success'", []any{txn}, &ntf)
	for {
		var id int64
		var state string
		var attempt, max int
		portstest.WaitFor(t, "sms job settled for now", func() bool {
			ts.queryRow(t, `SELECT id, state, attempt, max_attempts FROM river_job WHERE kind = 'sms_send'
				AND args->>'notification_id' = $1`, []any{ntf}, &id, &state, &attempt, &max)
			return state == "retryable" || state == "completed" || state == "discarded"
		})
		if state != "retryable" {
			if attempt != max {
				t.Fatalf("job %s after %d of %d attempts", state, attempt, max)
			}
			break
		}
		if _, err := ts.runner.Client().JobRetry(context.Background(), id); err != nil {
			t.Fatal(err)
		}
		portstest.WaitFor(t, "next attempt", func() bool {
			var a int
			ts.queryRow(t, "SELECT attempt FROM river_job WHERE id = $1", []any{id}, &a)
			return a > attempt
		})
	}
	var status string
	var attempts int
	ts.queryRow(t, "SELECT status, attempts FROM notifications WHERE id = $1", []any{ntf}, &status, &attempts)
	if status != "failed" || attempts != 8 {
		t.Fatalf("notification %s after %d attempts, want failed after 8", status, attempts)
	}
	var pay string
	ts.queryRow(t, "SELECT status FROM payments WHERE id = $1", []any{txn}, &pay)
	if pay != "success" {
		t.Fatalf("payment %s", pay)
	}
}
