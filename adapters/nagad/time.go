package nagad

import (
	"strings"
	"time"

	"github.com/paycore/paycore/domain"
)

// DateTimeLayout is Nagad's datetime layout, yyyyMMddHHmmss, zero-padded
// (docs/gateways/nagad.md §10.1), read and written in Dhaka.
const DateTimeLayout = "20060102150405"

// FormatDateTime renders t as Nagad's datetime, in Dhaka: 2024-02-02
// 06:49:53 UTC → "20240202124953".
func FormatDateTime(t time.Time) string { return t.In(domain.Dhaka).Format(DateTimeLayout) }

// DateLayout is the refund's originalRequestDate layout, yyyyMMdd
// (docs/gateways/nagad.md §8.1).
const DateLayout = "20060102"

// FormatDate renders t's date in Dhaka: 2025-01-14 18:30 UTC → "20250115".
func FormatDate(t time.Time) string { return t.In(domain.Dhaka).Format(DateLayout) }

// ParseDateTime reads a Nagad time in Dhaka: "20240202124953" (the guide's
// layout) or "2021-11-23 23:48:22.0" (what verify sends live, with or
// without fractional seconds; docs/gateways/nagad.md §7.4). ok is false for anything else,
// including "" and null.
func ParseDateTime(s string) (t time.Time, ok bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{DateTimeLayout, "2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999"} {
		if t, err := time.ParseInLocation(layout, s, domain.Dhaka); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
