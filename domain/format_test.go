package domain_test

import (
	"testing"

	"github.com/paycore/paycore/domain"
)

// FormatBD is the one rule for amounts shown to people in Bangladesh: the
// customer pages and the Bangla SMS use it.
func TestFormatBD(t *testing.T) {
	for _, tc := range []struct {
		minor int64
		code  string
		lang  string
		want  string
	}{
		{0, "BDT", "en", "৳0.00"},
		{1, "BDT", "en", "৳0.01"},
		{99999, "BDT", "en", "৳999.99"},
		{100000, "BDT", "en", "৳1,000.00"},
		{1234550, "BDT", "en", "৳12,345.50"},
		{12345650, "BDT", "en", "৳1,23,456.50"},
		{123456750, "BDT", "en", "৳12,34,567.50"},
		{1000000000, "BDT", "en", "৳1,00,00,000.00"},
		{10000000000, "BDT", "en", "৳10,00,00,000.00"},
		{123456789012, "BDT", "en", "৳1,23,45,67,890.12"},
		{12345650, "BDT", "bn", "৳১,২৩,৪৫৬.৫০"},
		{150000, "BDT", "bn", "৳১,৫০০.০০"},
		{150000, "BDT", "", "৳1,500.00"},
		{123456789, "USD", "en", "USD 1,234,567.89"},
		{123456789, "USD", "bn", "USD ১,২৩৪,৫৬৭.৮৯"},
		{100, "USD", "en", "USD 1.00"},
		{1234, "JPY", "en", "JPY 1,234"},
	} {
		m, err := domain.NewMoney(tc.minor, tc.code)
		if err != nil {
			t.Fatal(err)
		}
		if got := m.FormatBD(tc.lang); got != tc.want {
			t.Errorf("%d %s FormatBD(%q) = %q, want %q", tc.minor, tc.code, tc.lang, got, tc.want)
		}
	}
}

func TestBanglaDigits(t *testing.T) {
	if got, want := domain.BanglaDigits("12:05, 2026-01-09"), "১২:০৫, ২০২৬-০১-০৯"; got != want {
		t.Errorf("BanglaDigits = %q, want %q", got, want)
	}
}
