package graph

import (
	"encoding/base64"
	"math"
	"testing"
	"time"

	"github.com/paycore/paycore/app"
	"github.com/paycore/paycore/domain"
)

func TestCursorRoundTrip(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 1, 9, 10, 99, 12345, maxCursorOffset} {
		c := encodeCursor(n)
		if got, ok := decodeCursor(c); !ok || got != n {
			t.Errorf("%d → %q → %d, %v", n, c, got, ok)
		}
	}
	if c := encodeCursor(3); c != "b2Zmc2V0OjM" {
		t.Errorf("cursor of 3 is %q", c)
	}
	for _, bad := range []string{
		"", "3", "b2Zmc2V0OjM=", "!!!",
		base64.RawURLEncoding.EncodeToString([]byte("offset:")),
		base64.RawURLEncoding.EncodeToString([]byte("offset:-1")),
		base64.RawURLEncoding.EncodeToString([]byte("offset:+1")),
		base64.RawURLEncoding.EncodeToString([]byte("offset:01")),
		base64.RawURLEncoding.EncodeToString([]byte("offset:1x")),
		base64.RawURLEncoding.EncodeToString([]byte("page:1")),
		base64.RawURLEncoding.EncodeToString([]byte("offset:2147483647")),
		base64.RawURLEncoding.EncodeToString([]byte("offset:99999999999999999999")),
	} {
		if n, ok := decodeCursor(bad); ok {
			t.Errorf("%q decoded to %d", bad, n)
		}
	}
}

func TestPageArgs(t *testing.T) {
	t.Parallel()
	i32 := func(n int32) *int32 { return &n }
	c := encodeCursor(41)
	if size, start, err := pageArgs(nil, nil); size != 20 || start != 0 || err != nil {
		t.Errorf("defaults: %d %d %v", size, start, err)
	}
	if size, start, err := pageArgs(i32(100), &c); size != 100 || start != 42 || err != nil {
		t.Errorf("100 after 41: %d %d %v", size, start, err)
	}
	bad := "x"
	_, _, err := pageArgs(i32(0), &bad)
	ve, ok := err.(*domain.ValidationError)
	if !ok || len(ve.Fields) != 2 || ve.Fields["first"] == nil || ve.Fields["after"] == nil {
		t.Errorf("err %v", err)
	}
}

// TestPageForCoversWindow checks every window a client can ask for: the
// page(s) read hold exactly [start, start+first).
func TestPageForCoversWindow(t *testing.T) {
	t.Parallel()
	for first := 1; first <= maxPageSize; first++ {
		for start := 0; start <= 3*maxPageSize; start++ {
			size, page, skip, whole := pageFor(start, first)
			if size < first || size > maxPageSize || page < 1 {
				t.Fatalf("pageFor(%d, %d) = %d, %d", start, first, size, page)
			}
			offset := (page - 1) * size
			if offset+skip != start {
				t.Fatalf("pageFor(%d, %d): offset %d + skip %d", start, first, offset, skip)
			}
			end := offset + size // what was read
			if !whole {
				end += size
			}
			if end < start+first || (whole && start%first == 0 && size != first) {
				t.Fatalf("pageFor(%d, %d) = size %d page %d whole %v", start, first, size, page, whole)
			}
		}
	}
	// Extreme but valid positions do not overflow.
	if size, page, _, _ := pageFor(maxCursorOffset+1, maxPageSize); (page-1)*size > maxCursorOffset+1 || page < 1 {
		t.Errorf("far page %d of %d", page, size)
	}
	if maxCursorOffset+1+2*maxPageSize > math.MaxInt32 {
		t.Error("positions may pass 32 bits")
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
