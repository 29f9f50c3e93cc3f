package bkashsim_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paycore/paycore/adapters/bkashsim"
)

func refundBody(paymentID, trxID, amount string) map[string]string {
	return map[string]string{"paymentID": paymentID, "amount": amount, "trxID": trxID, "sku": "SKU-1", "reason": "customer return"}
}

func TestPartialRefundsThenOverRefundIsRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	tok, _ := e.grant()
	id, trx := e.pay(tok, "250.00", "01770618575")
	e.clock.Advance(59 * time.Minute)

	r := e.call(tok, "/payment/refund", refundBody(id, trx, "100"))
	assert.ElementsMatch(t, []string{
		"statusCode", "statusMessage", "originalTrxID", "refundTrxID", "transactionStatus",
		"amount", "currency", "charge", "completedTime",
	}, r.keys())
	assert.Equal(t, "0000", r.code(t))
	assert.Equal(t, "Successful", r.str(t, "statusMessage"))
	assert.Equal(t, trx, r.str(t, "originalTrxID"))
	first := r.str(t, "refundTrxID")
	assert.Regexp(t, trxIDPattern, first)
	assert.NotEqual(t, trx, first)
	assert.Equal(t, "Completed", r.str(t, "transactionStatus"))
	assert.Equal(t, "100.00", r.str(t, "amount"))
	assert.Equal(t, "BDT", r.str(t, "currency"))
	assert.Equal(t, "0.00", r.str(t, "charge"))
	assert.Equal(t, "2025-11-24T22:19:00:123 GMT+0600", r.str(t, "completedTime"))

	r = e.call(tok, "/payment/refund", refundBody(id, trx, "100.50"))
	require.Equal(t, "0000", r.code(t))
	assert.NotEqual(t, first, r.str(t, "refundTrxID"))

	r = e.call(tok, "/payment/refund", refundBody(id, trx, "49.51"))
	assert.Equal(t, map[string]any{"statusCode": "2072", "statusMessage": "Refund amount not valid"}, r.Body, "cumulative above the paid amount")

	r = e.call(tok, "/payment/refund", refundBody(id, trx, "49.50"))
	assert.Equal(t, "0000", r.code(t), "exactly the rest")
	r = e.call(tok, "/payment/refund", refundBody(id, trx, "0.01"))
	assert.Equal(t, "2072", r.code(t), "nothing left")

	info, _ := e.sim.Payment(id)
	assert.Equal(t, int64(25000), info.RefundedPaisa)
	assert.Equal(t, 3, info.Refunds)
}

func TestEleventhRefundIsRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	tok, _ := e.grant()
	id, trx := e.pay(tok, "100", "01929918378")
	seen := map[string]bool{}
	for i := range bkashsim.MaxRefunds {
		r := e.call(tok, "/payment/refund", refundBody(id, trx, "1.00"))
		require.Equal(t, "0000", r.code(t), "refund %d", i+1)
		seen[r.str(t, "refundTrxID")] = true
	}
	assert.Len(t, seen, bkashsim.MaxRefunds, "every refund has its own trxID")
	r := e.call(tok, "/payment/refund", refundBody(id, trx, "1.00"))
	assert.Equal(t, map[string]any{"statusCode": "2074", "statusMessage": "The transaction cannot be reversed"}, r.Body)
}

func TestRefundWindow(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		window time.Duration
		days   string
	}{
		{0, "15"},
		{7 * 24 * time.Hour, "7"},
		{12 * time.Hour, "0.50"},
	} {
		e := newEnv(t, func(c *bkashsim.Config) { c.RefundWindow = tt.window })
		tok, _ := e.grant()
		id, trx := e.pay(tok, "100", "01770618575")
		window := tt.window
		if window == 0 {
			window = bkashsim.DefaultRefundWindow
		}
		e.clock.Advance(window - time.Hour)
		tok, _ = e.grant()
		require.Equal(t, "0000", e.call(tok, "/payment/refund", refundBody(id, trx, "10")).code(t))
		e.clock.Advance(time.Hour + time.Millisecond)
		tok, _ = e.grant()
		r := e.call(tok, "/payment/refund", refundBody(id, trx, "10"))
		assert.Equal(t, map[string]any{"statusCode": "2071", "statusMessage": fmt.Sprintf("Refund not allowed after %s days", tt.days)}, r.Body)
	}
}

func TestRefundValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	tok, _ := e.grant()
	id, trx := e.pay(tok, "100", "01770618575")
	unpaid := e.create(tok, "100").str(t, "paymentID")
	long := strings.Repeat("x", 256)
	with := func(k, v string) map[string]string {
		b := refundBody(id, trx, "10")
		b[k] = v
		return b
	}
	tests := []struct {
		name string
		body map[string]string
		code string
	}{
		{"zero amount", with("amount", "0"), "2072"},
		{"three decimals", with("amount", "1.234"), "2072"},
		{"amount text", with("amount", "all"), "2072"},
		{"sku too long", with("sku", long), "2075"},
		{"reason empty", with("reason", ""), "2078"},
		{"reason too long", with("reason", long), "2076"},
		{"wrong trxID", with("trxID", "AAAAAAAAAA"), "2077"},
		{"unknown payment", with("paymentID", "TR0011nothere"), "2077"},
		{"unpaid payment", refundBody(unpaid, "", "10"), "2077"},
		{"above paid amount", with("amount", "100.01"), "2072"},
	}
	for _, tt := range tests {
		r := e.call(tok, "/payment/refund", tt.body)
		assert.Equal(t, tt.code, r.code(t), tt.name)
		assert.Len(t, r.Body, 2, tt.name)
	}
	// bKash refuses a refund without sku (bKash errata: theihasan/laravel-bkash PR #8).
	assert.Equal(t, map[string]any{"statusCode": "2073", "statusMessage": "Invalid SKU"},
		e.call(tok, "/payment/refund", with("sku", "")).Body, "sku is required")
	assert.Equal(t, len(tests)+1, e.sim.Stats()[bkashsim.EndpointRefund])
	assert.Equal(t, 0, e.sim.Stats()[bkashsim.EndpointRefundStatus])
}

func TestRefundStatus(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	tok, _ := e.grant()
	id, trx := e.pay(tok, "250.00", "01770618575")
	status := func(pid, tid string) reply {
		return e.call(tok, "/payment/refund", map[string]string{"paymentID": pid, "trxID": tid})
	}

	assert.Equal(t, map[string]any{"statusCode": "2002", "statusMessage": "Invalid Payment ID"}, status(id, trx).Body, "nothing refunded yet")

	first := e.call(tok, "/payment/refund", refundBody(id, trx, "100"))
	e.clock.Advance(time.Minute)
	second := e.call(tok, "/payment/refund", refundBody(id, trx, "20.5"))

	r := status(id, trx)
	assert.Equal(t, "0000", r.code(t))
	assert.Equal(t, trx, r.str(t, "originalTrxID"))
	assert.Equal(t, second.str(t, "refundTrxID"), r.str(t, "refundTrxID"), "the latest refund")
	assert.Equal(t, "20.50", r.str(t, "amount"))
	assert.Equal(t, "Completed", r.str(t, "transactionStatus"))
	assert.Equal(t, "0.00", r.str(t, "charge"))
	assert.Equal(t, second.str(t, "completedTime"), r.str(t, "completedTime"))
	list, ok := r.Body["refundTransactions"].([]any)
	require.True(t, ok, r.Raw)
	require.Len(t, list, 2)
	assert.Equal(t, first.str(t, "refundTrxID"), list[0].(map[string]any)["refundTrxID"])
	assert.Equal(t, "100.00", list[0].(map[string]any)["amount"])

	assert.Equal(t, "2077", status(id, "AAAAAAAAAA").code(t))
	assert.Equal(t, "2002", status("TR0011nothere", trx).code(t))
	assert.Equal(t, 4, e.sim.Stats()[bkashsim.EndpointRefundStatus])
	assert.Equal(t, 2, e.sim.Stats()[bkashsim.EndpointRefund])
}
