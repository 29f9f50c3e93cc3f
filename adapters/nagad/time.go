package nagad

import (
	"strings"
	"time"
)

// Dhaka is Asia/Dhaka, or a fixed +06:00 zone when the system has no time
// zone data (Bangladesh has kept +06:00 without DST since 2009). Nagad's
// datetimes are Dhaka wall time (docs/gateways/nagad.md §10.1).
var Dhaka = func() *time.Location {
	if loc, err := time.LoadLocation("Asia/Dhaka"); err == nil {
		return loc
	}
	return time.FixedZone("+06", 6*60*60)
}()

// DateTimeLayout is Nagad's datetime layout, yyyyMMddHHmmss, zero-padded
// (docs/gateways/nagad.md §10.1), read and written in Dhaka.
const DateTimeLayout = "20060102150405"

// FormatDateTime renders t as Nagad's datetime, in Dhaka: 2024-02-02
// 06:49:53 UTC → "20240202124953".
func FormatDateTime(t time.Time) string { return t.In(Dhaka).Format(DateTimeLayout) }

// ParseDateTime reads a Nagad time in Dhaka: "20240202124953" (the guide's
// layout) or "2021-11-23 23:48:22.0" (what verify sends live, with or
// without fractional seconds; docs/gateways/nagad.md §7.4). ok is false for anything else,
// including "" and null.
func ParseDateTime(s string) (t time.Time, ok bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{DateTimeLayout, "2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999"} {
		if t, err := time.ParseInLocation(layout, s, Dhaka); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
