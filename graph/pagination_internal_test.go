package graph

import (
	"encoding/base64"
	"math"
	"testing"
	"time"

	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
)

func TestPageArgs(t *testing.T) {
	t.Parallel()
	i32 := func(n int32) *int32 { return &n }
	p := domain.PaymentFromDB(domain.Payment{ID: "txn_41", CreatedAt: time.Date(2026, 8, 22, 10, 0, 0, 0, time.UTC)}, domain.StatusPending)
	c := app.CursorOf(p)
	if size, cursor, err := pageArgs(nil, nil); size != 20 || cursor != "" || err != nil {
		t.Errorf("defaults: %d %q %v", size, cursor, err)
	}
	if size, cursor, err := pageArgs(i32(100), &c); size != 100 || cursor != c || err != nil {
		t.Errorf("100 after txn_41: %d %q %v", size, cursor, err)
	}
	// A cursor of the offset paging this API used before is refused, not
	// misread.
	for _, bad := range []string{"x", base64.RawURLEncoding.EncodeToString([]byte("offset:3"))} {
		_, _, err := pageArgs(i32(0), &bad)
		ve, ok := err.(*domain.ValidationError)
		if !ok || len(ve.Fields) != 2 || ve.Fields["first"] == nil || ve.Fields["after"] == nil {
			t.Errorf("%q: err %v", bad, err)
		}
	}
}

func TestToModelListedPayment(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 8, 22, 10, 0, 0, 0, time.UTC)
	p := domain.PaymentFromDB(domain.Payment{ID: "txn_1", Order: domain.Order{ClientID: "cli_a", OrderID: "o"},
		Amount: domain.MustMoney(150000, "BDT"), Refunded: domain.MustMoney(50000, "BDT"), CreatedAt: now, UpdatedAt: now},
		domain.StatusPartiallyRefunded)
	got := toModelListedPayment(p, "u")
	if got.Attempts != nil || got.Refunded.Amount != "500.00" || got.Status != "PARTIALLY_REFUNDED" {
		t.Errorf("%+v", got)
	}
	if one := toModelPayment(app.PaymentView{Payment: p}, "u"); one.Attempts == nil {
		t.Error("a single payment's attempts are nil")
	}
}

func TestMerchantConverters(t *testing.T) {
	t.Parallel()
	for _, s := range domain.PaymentStatuses {
		if got := toDomainPaymentStatus(toModelPaymentStatus(s)); got != string(s) {
			t.Errorf("%s → %s", s, got)
		}
	}
	for d, m := range refundStatuses {
		if got := toModelRefund(domain.RefundFromDB(domain.Refund{Amount: domain.MustMoney(1, "BDT")}, d)).Status; got != m {
			t.Errorf("%s → %s", d, got)
		}
	}
	h := toModelGatewayHealth(app.GatewayHealth{Code: domain.GatewayNagad, Status: "down", P95Latency: 2500 * time.Microsecond,
		Calls: math.MaxInt64}, false)
	if h.Code != "NAGAD" || h.Status != "DOWN" || h.P95LatencyMs != 2 || h.Calls != math.MaxInt32 || h.WindowHours != 24 {
		t.Errorf("%+v", h)
	}
	if clampInt32(math.MinInt64) != math.MinInt32 || clampInt32(7) != 7 {
		t.Error("clampInt32")
	}
}
