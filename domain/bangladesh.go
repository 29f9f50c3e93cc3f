package domain

import (
	"strings"
	"time"
)

// Bangladeshi mobile numbers: country code 880, then 1, an operator digit
// 3-9 and 8 subscriber digits. Customers write them 01XXXXXXXXX (the
// national form), 8801XXXXXXXXX or +8801XXXXXXXXX, often with spaces or
// dashes; SMS providers want 8801XXXXXXXXX; bKash pre-fills its wallet field
// from the national form.

// NormalizeMobile returns a Bangladeshi mobile number as 8801XXXXXXXXX. It
// accepts 01XXXXXXXXX, 8801XXXXXXXXX, +8801XXXXXXXXX and the bare
// 1XXXXXXXXX, with spaces and dashes anywhere; the digit after the 1 must
// be 3-9. ok is false for anything else.
func NormalizeMobile(s string) (string, bool) {
	if strings.ContainsAny(s, " -") {
		s = strings.NewReplacer(" ", "", "-", "").Replace(s)
	}
	switch {
	case strings.HasPrefix(s, "+880"):
		s = s[4:]
	case strings.HasPrefix(s, "880"):
		s = s[3:]
	case strings.HasPrefix(s, "0"):
		s = s[1:]
	}
	if len(s) != 10 || s[0] != '1' || s[1] < '3' || s[1] > '9' || !asciiDigits(s[2:]) {
		return "", false
	}
	return "880" + s, true
}

// NationalMobile returns a Bangladeshi mobile number (any form
// NormalizeMobile accepts) in the national form customers type,
// 01XXXXXXXXX.
func NationalMobile(s string) (string, bool) {
	n, ok := NormalizeMobile(s)
	if !ok {
		return "", false
	}
	return "0" + n[3:], true
}

func asciiDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Dhaka is Bangladesh Standard Time, Asia/Dhaka: UTC+6 all year; Bangladesh
// has not observed daylight saving since 2009. It is a fixed zone named
// "Asia/Dhaka", so it needs no tz database on the host or in the binary.
// The gateways write their local timestamps in it and the merchant API's
// dates are read in it.
var Dhaka = time.FixedZone("Asia/Dhaka", 6*60*60)
