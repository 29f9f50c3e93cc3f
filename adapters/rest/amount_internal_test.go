package rest

import (
	"testing"

	"github.com/paycore/paycore/domain"
)

func TestFormatAmount(t *testing.T) {
	for _, tc := range []struct {
		minor  int64
		code   string
		bangla bool
		want   string
	}{
		{0, "BDT", false, "৳0.00"},
		{1, "BDT", false, "৳0.01"},
		{99999, "BDT", false, "৳999.99"},
		{100000, "BDT", false, "৳1,000.00"},
		{1234550, "BDT", false, "৳12,345.50"},
		{12345650, "BDT", false, "৳1,23,456.50"},
		{123456750, "BDT", false, "৳12,34,567.50"},
		{1000000000, "BDT", false, "৳1,00,00,000.00"},
		{10000000000, "BDT", false, "৳10,00,00,000.00"},
		{123456789012, "BDT", false, "৳1,23,45,67,890.12"},
		{12345650, "BDT", true, "৳১,২৩,৪৫৬.৫০"},
		{150000, "BDT", true, "৳১,৫০০.০০"},
		{123456789, "USD", false, "USD 1,234,567.89"},
		{100, "USD", false, "USD 1.00"},
		{1234, "JPY", false, "JPY 1,234"},
	} {
		m, err := domain.NewMoney(tc.minor, tc.code)
		if err != nil {
			t.Fatal(err)
		}
		if got := formatAmount(m, tc.bangla); got != tc.want {
			t.Errorf("formatAmount(%d %s, bangla=%v) = %q, want %q", tc.minor, tc.code, tc.bangla, got, tc.want)
		}
	}
}
