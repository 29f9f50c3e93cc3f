package domain_test

import (
	"encoding/json"
	"errors"
	"math"
	"math/big"
	"regexp"
	"strings"
	"testing"

	"github.com/paycore/paycore/domain"
)

// decimalSyntax is the spelling ParseAmount documents: an optional sign,
// digits with at most one '.', at least one digit, an optional exponent.
var decimalSyntax = regexp.MustCompile(`^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE]([+-]?[0-9]+))?$`)

// exactMinor is the oracle: s read with math/big alone (no float, no
// domain code) and scaled to minor units of a currency with the given
// decimals. It returns the error ParseAmount must give, or the exact count.
func exactMinor(s string, decimals int) (int64, error) {
	m := decimalSyntax.FindStringSubmatch(s)
	if m == nil || len(s) > 64 {
		return 0, domain.ErrInvalidAmount
	}
	mant, exp := m[1], 0
	if m[3] != "" {
		e, ok := new(big.Int).SetString(strings.TrimPrefix(m[3], "+"), 10)
		if !ok || e.CmpAbs(big.NewInt(64)) > 0 {
			return 0, domain.ErrInvalidAmount // the documented exponent limit
		}
		exp = int(e.Int64())
	}
	intPart, frac, _ := strings.Cut(mant, ".")
	num, _ := new(big.Int).SetString("0"+intPart+frac, 10)
	// value × 10^decimals = num × 10^(exp − len(frac) + decimals)
	v := new(big.Rat).SetInt(num)
	scale := new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(abs(exp-len(frac)+decimals))), nil))
	if exp-len(frac)+decimals >= 0 {
		v.Mul(v, scale)
	} else {
		v.Quo(v, scale)
	}
	switch {
	case v.Sign() == 0:
		return 0, domain.ErrZeroAmount
	case !v.IsInt():
		return 0, domain.ErrTooManyDecimals
	case s[0] == '-':
		return 0, domain.ErrNegativeAmount
	case v.Num().Cmp(big.NewInt(math.MaxInt64)) > 0:
		return 0, domain.ErrAmountOverflow
	}
	return v.Num().Int64(), nil
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// FuzzParseAmount checks ParseAmount against exact arithmetic: it accepts
// exactly what math/big accepts (a positive decimal that is a whole number
// of minor units within int64), with the same count of minor units and the
// same error class otherwise; Decimal() parses back to the same Money and
// has the currency's decimals; ParseAmountJSON agrees for a JSON number and
// a JSON string. Seeds: testdata/fuzz/FuzzParseAmount.
func FuzzParseAmount(f *testing.F) {
	for _, s := range []string{"1500", "1500.50", "10.500", "1.5e3", "12345e-2", "+7", "0.01", "92233720368547758.07",
		"92233720368547758.08", "10.005", "1e-3", "0", "-0", "-5", "1e30", "", ".", ".5", "5.", "1.2.3", " 1", "NaN",
		"0.29", "1e+2", "1E-64", "1e65", "00000000000000000000000000000001", "9223372036854775807e-2"} {
		f.Add(s, uint8(0))
	}
	f.Add("7", uint8(1))
	f.Add("1.234", uint8(2))
	codes := []string{"BDT", "JPY", "KWD"}
	f.Fuzz(func(t *testing.T, s string, which uint8) {
		code := codes[int(which)%len(codes)]
		cur, _ := domain.LookupCurrency(code)
		wantMinor, wantErr := exactMinor(s, cur.Decimals)
		m, err := domain.ParseAmount(s, code)
		if wantErr != nil {
			if err == nil {
				t.Fatalf("ParseAmount(%q, %s) = %d minor, exact arithmetic says %v", s, code, m.Minor(), wantErr)
			}
			if !errors.Is(err, wantErr) {
				t.Fatalf("ParseAmount(%q, %s) error = %v, want %v", s, code, err, wantErr)
			}
		} else {
			if err != nil {
				t.Fatalf("ParseAmount(%q, %s) error = %v, exact arithmetic says %d minor", s, code, err, wantMinor)
			}
			if m.Minor() != wantMinor || m.Currency() != cur {
				t.Fatalf("ParseAmount(%q, %s) = %d %v, want %d", s, code, m.Minor(), m.Currency(), wantMinor)
			}
			// Round trip: Decimal has exactly the currency's decimals and reads back the same.
			d := m.Decimal()
			if _, frac, ok := strings.Cut(d, "."); ok != (cur.Decimals > 0) || len(frac) != cur.Decimals {
				t.Fatalf("Decimal() of %q %s = %q: not %d decimals", s, code, d, cur.Decimals)
			}
			if back, err := domain.ParseAmount(d, code); err != nil || !back.Equal(m) {
				t.Fatalf("ParseAmount(Decimal() = %q) = %v, %v; want %v", d, back, err, m)
			}
			if got, _ := exactMinor(d, cur.Decimals); got != m.Minor() {
				t.Fatalf("Decimal() = %q is worth %d minor, not %d", d, got, m.Minor())
			}
		}
		// The JSON forms agree with the plain one.
		if js, merr := json.Marshal(s); merr == nil {
			jm, jerr := domain.ParseAmountJSON(js, code)
			if (jerr == nil) != (err == nil) || (err == nil && !jm.Equal(m)) {
				t.Fatalf("ParseAmountJSON(%s) = %v, %v; ParseAmount = %v, %v", js, jm, jerr, m, err)
			}
		}
		if json.Valid([]byte(s)) && !strings.HasPrefix(strings.TrimSpace(s), `"`) {
			// A JSON number (or null, true, {}…), with JSON's white space.
			jm, jerr := domain.ParseAmountJSON(json.RawMessage(s), code)
			pm, perr := domain.ParseAmount(strings.TrimSpace(s), code)
			if jerr == nil && (perr != nil || !jm.Equal(pm)) {
				t.Fatalf("ParseAmountJSON(%s) = %v; ParseAmount = %v, %v", s, jm, pm, perr)
			}
			if perr == nil && jerr != nil {
				t.Fatalf("ParseAmountJSON(%s) error = %v; ParseAmount = %v", s, jerr, pm)
			}
		}
	})
}
