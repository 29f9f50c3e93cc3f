package main

import (
	"encoding/json"
	"net/http"
	"testing"
)

// BKASH_REFUND_API=v2: merchant refunds go through bKash's v2 refund API,
// repeated partial refunds included; v1 refund is not called.
func TestRefundV2PartialRefunds(t *testing.T) {
	t.Parallel()
	ts := startServerWith(t, func(c *config) { c.Bkash.RefundAPI = "v2" })
	txn := paid(t, ts, "500.00")
	for _, amount := range []string{"100.00", "150.50"} {
		code, env := ts.merchantPOST(t, "/api/v1/refund", map[string]any{"transaction_id": txn, "amount": json.Number(amount), "reason": "return"})
		if code != http.StatusCreated {
			t.Fatalf("refund %s: %d %v", amount, code, env)
		}
		ts.waitRefund(t, env["data"].(map[string]any)["refund_id"].(string), "succeeded")
	}
	var status string
	var refunded int64
	ts.queryRow(t, "SELECT status, refunded FROM payments WHERE id = $1", []any{txn}, &status, &refunded)
	if status != "partially_refunded" || refunded != 25050 {
		t.Fatalf("payment %s refunded %d paisa", status, refunded)
	}
	if st := ts.sim.Stats(); st["refund_v2"] != 2 || st["refund"] != 0 || st["refund_status"] != 0 {
		t.Fatalf("stats %v: want two v2 refunds and no v1 refund call", st)
	}
}

// The default is v1, and a bad value is refused at start-up.
func TestRefundAPIConfig(t *testing.T) {
	setEnv(t, map[string]string{"PAYCORE_SANDBOX": "1"})
	c, err := loadConfig()
	if err != nil || c.Bkash.RefundAPI != "" {
		t.Fatalf("default refund API %q, %v; want v1 (empty)", c.Bkash.RefundAPI, err)
	}
	setEnv(t, map[string]string{"PAYCORE_SANDBOX": "1", "BKASH_REFUND_API": "V2"})
	if c, err = loadConfig(); err != nil || c.Bkash.RefundAPI != "v2" {
		t.Fatalf("BKASH_REFUND_API=V2: %q, %v", c.Bkash.RefundAPI, err)
	}
	setEnv(t, map[string]string{"PAYCORE_SANDBOX": "1", "BKASH_REFUND_API": "v3"})
	if _, err = loadConfig(); err == nil || err.Error() != "BKASH_REFUND_API must be v1 or v2" {
		t.Fatalf("BKASH_REFUND_API=v3: %v", err)
	}
}
