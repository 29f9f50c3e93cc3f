package simkit

import (
	"strconv"
	"strings"
)

// maxIntegerDigits bounds amounts to below one trillion taka, far above any
// wallet limit and far below int64 overflow in paisa.
const maxIntegerDigits = 12

// ParsePaisa parses a taka amount as the gateways write it ("599.00",
// "500", "10.5") into paisa: digits with an optional dot and one or two
// decimals, at most 12 integer digits. Signs, exponents, spaces, separators
// and a bare dot are refused.
func ParsePaisa(s string) (paisa int64, ok bool) {
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" || len(whole) > maxIntegerDigits || !AllDigits(whole) {
		return 0, false
	}
	if hasDot && (frac == "" || len(frac) > 2 || !AllDigits(frac)) {
		return 0, false
	}
	n, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, false
	}
	for len(frac) < 2 {
		frac += "0"
	}
	f, _ := strconv.ParseInt(frac, 10, 64)
	return n*100 + f, true
}

// FormatPaisa renders a non-negative paisa amount as taka with two
// decimals ("250.00").
func FormatPaisa(paisa int64) string {
	return strconv.FormatInt(paisa/100, 10) + "." + strconv.FormatInt(100+paisa%100, 10)[1:]
}

// AllDigits reports whether every byte of s is an ASCII digit (true for "").
func AllDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
