package domain_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/paycore/paycore/domain"
)

func TestParseAmount(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, code string
		minor          int64
		err            error
	}{
		{"integer", "1500", "BDT", 150000, nil},
		{"two decimals", "1500.50", "BDT", 150050, nil},
		{"one decimal", "0.5", "BDT", 50, nil},
		{"trailing zeros beyond decimals", "10.500", "BDT", 1050, nil},
		{"exponent", "1.5e3", "BDT", 150000, nil},
		{"negative exponent exact", "12345e-2", "BDT", 12345, nil},
		{"leading plus", "+7", "BDT", 700, nil},
		{"zero-decimal currency", "7", "JPY", 7, nil},
		{"three-decimal currency", "1.234", "KWD", 1234, nil},
		{"smallest unit", "0.01", "BDT", 1, nil},
		{"max int64 paisa", "92233720368547758.07", "BDT", 9223372036854775807, nil},
		{"too many decimals", "10.005", "BDT", 0, domain.ErrTooManyDecimals},
		{"too many decimals JPY", "1.5", "JPY", 0, domain.ErrTooManyDecimals},
		{"too many decimals via exponent", "1e-3", "BDT", 0, domain.ErrTooManyDecimals},
		{"zero", "0", "BDT", 0, domain.ErrZeroAmount},
		{"zero decimals", "0.00", "BDT", 0, domain.ErrZeroAmount},
		{"negative", "-5", "BDT", 0, domain.ErrNegativeAmount},
		{"overflow", "92233720368547758.08", "BDT", 0, domain.ErrAmountOverflow},
		{"huge", "1e30", "BDT", 0, domain.ErrAmountOverflow},
		{"unknown currency", "1", "XYZ", 0, domain.ErrUnknownCurrency},
		{"lower-case currency", "1", "bdt", 0, domain.ErrUnknownCurrency},
		{"empty", "", "BDT", 0, domain.ErrInvalidAmount},
		{"letters", "12a", "BDT", 0, domain.ErrInvalidAmount},
		{"comma", "1,500", "BDT", 0, domain.ErrInvalidAmount},
		{"just a dot", ".", "BDT", 0, domain.ErrInvalidAmount},
		{"two dots", "1.2.3", "BDT", 0, domain.ErrInvalidAmount},
		{"spaces", " 1", "BDT", 0, domain.ErrInvalidAmount},
		{"NaN", "NaN", "BDT", 0, domain.ErrInvalidAmount},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m, err := domain.ParseAmount(tt.in, tt.code)
			if !errors.Is(err, tt.err) {
				t.Fatalf("ParseAmount(%q, %s) error = %v, want %v", tt.in, tt.code, err, tt.err)
			}
			if err == nil && m.Minor() != tt.minor {
				t.Fatalf("ParseAmount(%q, %s) = %d, want %d", tt.in, tt.code, m.Minor(), tt.minor)
			}
		})
	}
}

func TestParseAmountJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		raw   string
		minor int64
		err   error
	}{
		{`1500.00`, 150000, nil},
		{`1500`, 150000, nil},
		{`"1500.5"`, 150050, nil},
		{` 0.1 `, 10, nil},
		{`1e2`, 10000, nil},
		{`0.1000000000000000055511151231257827`, 0, domain.ErrTooManyDecimals},
		{`10.001`, 0, domain.ErrTooManyDecimals},
		{`0`, 0, domain.ErrZeroAmount},
		{`-1.00`, 0, domain.ErrNegativeAmount},
		{`null`, 0, domain.ErrInvalidAmount},
		{`true`, 0, domain.ErrInvalidAmount},
		{`{}`, 0, domain.ErrInvalidAmount},
		{`[1]`, 0, domain.ErrInvalidAmount},
		{`"abc"`, 0, domain.ErrInvalidAmount},
		{`1.`, 0, domain.ErrInvalidAmount},
	}
	for _, tt := range tests {
		m, err := domain.ParseAmountJSON(json.RawMessage(tt.raw), "BDT")
		if !errors.Is(err, tt.err) {
			t.Errorf("ParseAmountJSON(%s) error = %v, want %v", tt.raw, err, tt.err)
			continue
		}
		if err == nil && m.Minor() != tt.minor {
			t.Errorf("ParseAmountJSON(%s) = %d, want %d", tt.raw, m.Minor(), tt.minor)
		}
	}
}

func TestMoneyDecimalAndArithmetic(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		minor int64
		code  string
		want  string
	}{
		{150000, "BDT", "1500.00"}, {5, "BDT", "0.05"}, {0, "BDT", "0.00"},
		{7, "JPY", "7"}, {1234, "KWD", "1.234"}, {1, "KWD", "0.001"},
	} {
		if got := domain.MustMoney(tt.minor, tt.code).Decimal(); got != tt.want {
			t.Errorf("Decimal(%d %s) = %q, want %q", tt.minor, tt.code, got, tt.want)
		}
	}
	a, b := domain.MustMoney(500, "BDT"), domain.MustMoney(200, "BDT")
	if s, _ := a.Add(b); s.Minor() != 700 {
		t.Errorf("Add = %d", s.Minor())
	}
	if _, err := b.Sub(a); !errors.Is(err, domain.ErrNegativeAmount) {
		t.Errorf("Sub below zero: %v", err)
	}
	if _, err := a.Add(domain.MustMoney(1, "USD")); !errors.Is(err, domain.ErrCurrencyMismatch) {
		t.Errorf("Add across currencies: %v", err)
	}
	if _, err := domain.MustMoney(9223372036854775807, "BDT").Add(domain.MustMoney(1, "BDT")); !errors.Is(err, domain.ErrAmountOverflow) {
		t.Errorf("Add overflow: %v", err)
	}
	if _, err := domain.NewMoney(-1, "BDT"); !errors.Is(err, domain.ErrNegativeAmount) {
		t.Errorf("NewMoney(-1): %v", err)
	}
	if got := domain.FormatMinor(25000, 2); got != "250.00" {
		t.Errorf("FormatMinor = %q", got)
	}
}

func TestCommission(t *testing.T) {
	t.Parallel()
	c := domain.Client{CommissionBPS: 150}
	if got := c.Commission(domain.MustMoney(100000, "BDT")).Minor(); got != 1500 {
		t.Errorf("150 bps of 1000.00 = %d paisa, want 1500", got)
	}
	if got := c.Commission(domain.MustMoney(33, "BDT")).Minor(); got != 0 {
		t.Errorf("150 bps of 0.33 = %d paisa, want 0 (0.495 rounds down)", got)
	}
	if got := c.Commission(domain.MustMoney(34, "BDT")).Minor(); got != 1 {
		t.Errorf("150 bps of 0.34 = %d paisa, want 1 (0.51 rounds up)", got)
	}
}

func TestAmountLimits(t *testing.T) {
	one, big := domain.MustMoney(100, "BDT"), domain.MustMoney(5_000_000, "BDT")
	lo, hi, err := domain.AmountLimits(domain.Money{}, domain.Money{}, one, big)
	if err != nil || lo != one || hi != big {
		t.Fatalf("defaults: %v %v %v", lo, hi, err)
	}
	if _, _, err := domain.AmountLimits(big, one, one, big); err == nil {
		t.Fatal("maximum below minimum accepted")
	}
	if _, _, err := domain.AmountLimits(domain.MustMoney(100, "USD"), domain.Money{}, one, big); err == nil {
		t.Fatal("limits in another currency accepted")
	}
}
