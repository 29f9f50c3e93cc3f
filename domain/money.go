package domain

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Money is an exact amount: int64 minor units (paisa for BDT) of one ISO 4217
// currency. The zero value is not a valid Money; build one with NewMoney,
// ParseAmount or ParseAmountJSON. Money never passes through a float.
type Money struct {
	minor    int64
	currency Currency
}

// NewMoney returns minor units of the currency with the given ISO 4217 code.
// Zero is allowed (a sum, a refunded total); it returns ErrNegativeAmount for
// minor < 0 and ErrUnknownCurrency for an unknown code.
func NewMoney(minor int64, code string) (Money, error) {
	c, err := LookupCurrency(code)
	if err != nil {
		return Money{}, err
	}
	if minor < 0 {
		return Money{}, ErrNegativeAmount
	}
	return Money{minor: minor, currency: c}, nil
}

// MustMoney is NewMoney that panics; for constants and tests.
func MustMoney(minor int64, code string) Money {
	m, err := NewMoney(minor, code)
	if err != nil {
		panic(err)
	}
	return m
}

// Minor returns the amount in minor units (paisa for BDT).
func (m Money) Minor() int64 { return m.minor }

// Currency returns the money's currency.
func (m Money) Currency() Currency { return m.currency }

// IsZero reports whether the amount is zero.
func (m Money) IsZero() bool { return m.minor == 0 }

// Decimal writes the amount with exactly the currency's decimals, no
// grouping and no code: 150050 BDT → "1500.50", 7 JPY → "7".
func (m Money) Decimal() string {
	d := m.currency.Decimals
	s := strconv.FormatInt(m.minor, 10)
	if d == 0 {
		return s
	}
	if len(s) <= d {
		s = strings.Repeat("0", d-len(s)+1) + s
	}
	return s[:len(s)-d] + "." + s[len(s)-d:]
}

// String is "1500.50 BDT".
func (m Money) String() string { return m.Decimal() + " " + m.currency.Code }

// Add returns m+o. It returns ErrCurrencyMismatch for different currencies and
// ErrAmountOverflow past int64.
func (m Money) Add(o Money) (Money, error) {
	if m.currency != o.currency {
		return Money{}, ErrCurrencyMismatch
	}
	if o.minor > math.MaxInt64-m.minor {
		return Money{}, ErrAmountOverflow
	}
	return Money{minor: m.minor + o.minor, currency: m.currency}, nil
}

// Sub returns m-o. It returns ErrCurrencyMismatch for different currencies
// and ErrNegativeAmount when o is larger than m.
func (m Money) Sub(o Money) (Money, error) {
	if m.currency != o.currency {
		return Money{}, ErrCurrencyMismatch
	}
	if o.minor > m.minor {
		return Money{}, ErrNegativeAmount
	}
	return Money{minor: m.minor - o.minor, currency: m.currency}, nil
}

// Equal reports whether both amount and currency are the same.
func (m Money) Equal(o Money) bool { return m == o }

// ParseAmount parses a positive decimal amount such as "1500", "1500.5" or
// "1500.50" (a JSON-number spelling with an exponent, "1.5e3", is accepted
// too) exactly into minor units of the currency code. Trailing zeros past the
// currency's decimals are allowed ("10.500" BDT), significant digits are not.
//
// Errors: ErrUnknownCurrency, ErrInvalidAmount (not a decimal number),
// ErrTooManyDecimals ("10.005" BDT), ErrZeroAmount, ErrNegativeAmount,
// ErrAmountOverflow (beyond int64 minor units).
func ParseAmount(s, code string) (Money, error) {
	c, err := LookupCurrency(code)
	if err != nil {
		return Money{}, err
	}
	minor, err := parseMinor(s, c.Decimals)
	if err != nil {
		return Money{}, err
	}
	return Money{minor: minor, currency: c}, nil
}

// ParseAmountJSON parses a JSON value holding an amount: a JSON number
// (1500.00) or a string with a decimal ("1500.00"), exactly as ParseAmount.
// null, booleans, objects and arrays are ErrInvalidAmount.
func ParseAmountJSON(raw json.RawMessage, code string) (Money, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return Money{}, ErrInvalidAmount
		}
		return ParseAmount(s, code)
	}
	if !json.Valid(raw) || !startsLikeJSONNumber(raw) {
		return Money{}, ErrInvalidAmount
	}
	return ParseAmount(string(raw), code)
}

// startsLikeJSONNumber reports whether raw begins as a JSON number does (a
// minus sign or a digit), not as null, a boolean, an object or an array.
func startsLikeJSONNumber(raw []byte) bool {
	return len(raw) > 0 && (raw[0] == '-' || (raw[0] >= '0' && raw[0] <= '9'))
}

// parseMinor turns a decimal (optionally signed, optionally with an
// exponent) into an integer count of 10^-decimals units, exactly.
func parseMinor(s string, decimals int) (int64, error) {
	if s == "" || len(s) > 64 {
		return 0, ErrInvalidAmount
	}
	neg := false
	switch s[0] {
	case '-':
		neg, s = true, s[1:]
	case '+':
		s = s[1:]
	}
	mant, exp := s, 0
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		e, err := strconv.Atoi(s[i+1:])
		if err != nil || e > 64 || e < -64 {
			return 0, ErrInvalidAmount
		}
		mant, exp = s[:i], e
	}
	intPart, frac, _ := strings.Cut(mant, ".")
	if intPart+frac == "" || !allDigits(intPart) || !allDigits(frac) {
		return 0, ErrInvalidAmount
	}
	digits := strings.TrimLeft(intPart+frac, "0")
	// value = digits × 10^(exp − len(frac)); we want value × 10^decimals.
	shift := exp - len(frac) + decimals
	if digits == "" {
		return 0, ErrZeroAmount
	}
	if shift < 0 {
		cut := len(digits) + shift
		if cut < 0 {
			cut = 0
		}
		if strings.TrimLeft(digits[cut:], "0") != "" {
			return 0, ErrTooManyDecimals
		}
		digits = digits[:cut]
		shift = 0
	}
	if neg {
		return 0, ErrNegativeAmount
	}
	if len(digits)+shift > 19 {
		return 0, ErrAmountOverflow
	}
	v, err := strconv.ParseInt(digits+strings.Repeat("0", shift), 10, 64)
	if err != nil {
		return 0, ErrAmountOverflow
	}
	return v, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// FormatMinor writes minor units with the given decimals, for adapters that
// speak decimal strings (bKash amount "599.00"). It panics on negative input.
func FormatMinor(minor int64, decimals int) string {
	if minor < 0 {
		panic(fmt.Sprintf("domain: FormatMinor(%d)", minor))
	}
	return Money{minor: minor, currency: Currency{Decimals: decimals}}.Decimal()
}

// AmountLimits returns a gateway's per-payment limits: lo and hi as given,
// each zero one replaced by its default. Errors (a merchant's configuration
// mistake): limits not both in the defaults' currency, not above zero, or
// hi below lo.
func AmountLimits(lo, hi, defaultLo, defaultHi Money) (Money, Money, error) {
	if lo.IsZero() {
		lo = defaultLo
	}
	if hi.IsZero() {
		hi = defaultHi
	}
	cur := defaultLo.Currency()
	if lo.Currency() != cur || hi.Currency() != cur || lo.Minor() <= 0 || hi.Minor() < lo.Minor() {
		return lo, hi, fmt.Errorf("amount limits must be %s with 0 < minimum ≤ maximum", cur.Code)
	}
	return lo, hi, nil
}
