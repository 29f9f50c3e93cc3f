package bkash_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/paycore/paycore/adapters/bkash"
	"github.com/paycore/paycore/domain"
	"github.com/paycore/paycore/ports"
)

var refundReq = bkash.RefundRequest{PaymentID: fxPaymentID, TrxID: fxTrxID, Amount: bdt(10000), SKU: "SKU-1", Reason: "customer return"}

func TestRefundSucceeds(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r, err := e.client.Refund(context.Background(), refundReq)
	if err != nil {
		t.Fatalf("Refund: %v", err)
	}
	eq(t, "refundTrxID", r.RefundTrxID, "CKQ80ZC1AB")
	eq(t, "completed", r.Completed(), true)
	eqMoney(t, "amount", r.Amount, 10000)
	body := e.f.requests("refund")[0]
	eq(t, "amount raw JSON", string(body.body["amount"]), `"100.00"`)
	eq(t, "paymentID", body.str(t, "paymentID"), fxPaymentID)
	eq(t, "trxID", body.str(t, "trxID"), fxTrxID)
	eq(t, "sku", body.str(t, "sku"), "SKU-1")
	eq(t, "reason", body.str(t, "reason"), "customer return")
	eq(t, "refund statuses", e.f.count("refund_status"), 0)
}

func TestRefundWithoutStatusCode(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.f.answer("refund", 200, `{"completedTime":"2025-11-25T10:02:11:908","transactionStatus":"Completed","originalTrxID":"CKQ70ZB4TM","refundTrxID":"CKQ80ZC1AB","amount":"100","currency":"BDT","charge":"0.00"}`)
	r, err := e.client.Refund(context.Background(), refundReq)
	if err != nil {
		t.Fatalf("Refund: %v", err)
	}
	eq(t, "refundTrxID", r.RefundTrxID, "CKQ80ZC1AB")
}

func TestRefundNoAnswerAsksStatus(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *bkash.Config) { c.Timeout = 150 * time.Millisecond })
	e.f.hang("refund", 2*time.Second)
	r, err := e.client.Refund(context.Background(), refundReq)
	if err != nil {
		t.Fatalf("Refund: %v", err)
	}
	eq(t, "refundTrxID", r.RefundTrxID, "CKQ80ZC1AB")
	eq(t, "refunds submitted", e.f.count("refund"), 1)
	eq(t, "refund statuses", e.f.count("refund_status"), 1)
	st := e.f.requests("refund_status")[0]
	eq(t, "status body fields", len(st.body), 2)
	eq(t, "status paymentID", st.str(t, "paymentID"), fxPaymentID)
	eq(t, "status trxID", st.str(t, "trxID"), fxTrxID)
}

func TestRefundOutcomeUnknown(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		status int
		body   string
		prior  []string
	}{
		{"status unheard", 500, `<html/>`, nil},
		{"status says nothing refunded", 200, `{"statusCode":"2003","statusMessage":"Process failed"}`, nil},
		{"status shows an earlier refund", 200, fxRefund, []string{"CKQ80ZC1AB"}},
		{"status shows another amount", 200, strings.Replace(fxRefund, `"100.00"`, `"50.00"`, 1), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.f.answer("refund", 502, `Bad Gateway`)
			e.f.answer("refund_status", tt.status, tt.body)
			req := refundReq
			req.PriorRefundTrxIDs = tt.prior
			_, err := e.client.Refund(context.Background(), req)
			if !errors.Is(err, bkash.ErrNoAnswer) {
				t.Fatalf("err = %v, want ErrNoAnswer", err)
			}
			var re *bkash.RefundError
			if errors.As(err, &re) {
				t.Errorf("unknown outcome reported as a refusal: %v", err)
			}
			eq(t, "refunds submitted", e.f.count("refund"), 1)
			eq(t, "refund statuses", e.f.count("refund_status"), 1)
		})
	}
}

func TestRefundRefused(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body, code, msg string
	}{
		{"2071 with message", `{"statusCode":"2071","statusMessage":"Refund is not allowed after 15 days"}`, "2071", "Refund is not allowed after 15 days"},
		{"2072 without message", `{"statusCode":"2072"}`, "2072", "Refund amount is not valid"},
		{"2082", `{"statusCode":"2082","statusMessage":""}`, "2082", "Not permitted for this merchant"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.f.answer("refund", 200, tt.body)
			_, err := e.client.Refund(context.Background(), refundReq)
			var re *bkash.RefundError
			if !errors.As(err, &re) {
				t.Fatalf("err = %v, want *RefundError", err)
			}
			eq(t, "Code", re.Code, tt.code)
			eq(t, "Message", re.Message, tt.msg)
			var ge *ports.GatewayError
			if !errors.As(err, &ge) || ge.Code != tt.code || ge.Gateway != domain.GatewayBkash {
				t.Errorf("no matching *ports.GatewayError in %v", err)
			}
			eq(t, "refund statuses", e.f.count("refund_status"), 0)
		})
	}
}

func TestRefundPending(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.f.answer("refund", 200, strings.Replace(fxRefund, `"transactionStatus":"Completed"`, `"transactionStatus":"Pending"`, 1))
	r, err := e.client.Refund(context.Background(), refundReq)
	if !errors.Is(err, bkash.ErrRefundPending) {
		t.Fatalf("err = %v, want ErrRefundPending", err)
	}
	eq(t, "refundTrxID kept", r.RefundTrxID, "CKQ80ZC1AB")
}

func TestRefundValidation(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("ক", 256) // 256 characters, 768 bytes
	ok255 := strings.Repeat("ক", 255)
	tests := []struct {
		name string
		edit func(*bkash.RefundRequest)
		ok   bool
	}{
		{"255-character sku and reason", func(r *bkash.RefundRequest) { r.SKU, r.Reason = ok255, ok255 }, true},
		{"empty reason", func(r *bkash.RefundRequest) { r.Reason = " " }, false},
		{"reason too long", func(r *bkash.RefundRequest) { r.Reason = long }, false},
		{"sku too long", func(r *bkash.RefundRequest) { r.SKU = long }, false},
		{"zero amount", func(r *bkash.RefundRequest) { r.Amount = bdt(0) }, false},
		{"not BDT", func(r *bkash.RefundRequest) { r.Amount = domain.MustMoney(100, "USD") }, false},
		{"no trxID", func(r *bkash.RefundRequest) { r.TrxID = "" }, false},
		{"no paymentID", func(r *bkash.RefundRequest) { r.PaymentID = "" }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			req := refundReq
			tt.edit(&req)
			_, err := e.client.Refund(context.Background(), req)
			if tt.ok {
				if err != nil {
					t.Fatalf("Refund: %v", err)
				}
				return
			}
			if !errors.Is(err, bkash.ErrInvalidRequest) {
				t.Fatalf("err = %v, want ErrInvalidRequest", err)
			}
			eq(t, "calls", e.f.total(), 0)
		})
	}
}
