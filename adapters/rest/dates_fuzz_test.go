package rest

import (
	"regexp"
	"strconv"
	"testing"
	"time"
)

// dateShape is what a from_date/to_date may look like at all: a date,
// optionally a time (with a 'T' and a zone for RFC 3339). Go reads a
// one-digit hour ("T0:00:00") and several spaces before the time too:
// harmless, so allowed here.
var dateShape = regexp.MustCompile(`^([0-9]{4})-([0-9]{2})-([0-9]{2})((?:T| +)([0-9]{1,2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})?)?$`)

// FuzzParseDate: the from_date/to_date parser never panics, accepts only
// the documented layouts naming a real calendar date (no 02-30, no hour
// 24) in the years 1970–9998 — never year 0 nor 9999 — and returns a time
// within [minFilterDate, maxFilterDate]. A to_date is the from_date of the
// same text moved forward by a day (bare date) or at most a second, and
// a bare date is midnight in Dhaka. Seeds: testdata/fuzz/FuzzParseDate.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2026-06-18", "2026-06-18 15:00:00", "2026-06-18T15:00:00Z", "2026-06-18T00:00:00+06:00",
		"0000-01-01", "9999-12-31", "2026-02-30", "2026-06-18T00:00:00+99:00", "2026-06-18\x00", "yesterday", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		from, okFrom := parseDate(s, false)
		to, okTo := parseDate(s, true)
		if okFrom != okTo {
			t.Fatalf("parseDate(%q) accepted as from_date %v, as to_date %v", s, okFrom, okTo)
		}
		if !okFrom {
			if !from.IsZero() || !to.IsZero() {
				t.Fatalf("parseDate(%q) refused but returned %v, %v", s, from, to)
			}
			return
		}
		m := dateShape.FindStringSubmatch(s)
		if m == nil {
			t.Fatalf("parseDate(%q) accepted an undocumented layout: %v", s, from)
		}
		year, _ := strconv.Atoi(m[1])
		month, _ := strconv.Atoi(m[2])
		day, _ := strconv.Atoi(m[3])
		if year == 0 || year == 9999 {
			t.Fatalf("parseDate(%q) accepted year %d", s, year)
		}
		// The written date is a real one (time.Date would normalize 02-30).
		if d := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC); d.Year() != year || int(d.Month()) != month || d.Day() != day {
			t.Fatalf("parseDate(%q) accepted an invalid date", s)
		}
		if m[4] != "" {
			hh, _ := strconv.Atoi(m[5])
			mm, _ := strconv.Atoi(m[6])
			ss, _ := strconv.Atoi(m[7])
			if hh > 23 || mm > 59 || ss > 59 {
				t.Fatalf("parseDate(%q) accepted an invalid time", s)
			}
		} else if !from.Equal(time.Date(year, time.Month(month), day, 0, 0, 0, 0, dhaka)) {
			t.Fatalf("parseDate(%q) = %v, not midnight in Dhaka", s, from)
		}
		for _, r := range []time.Time{from, to} {
			if r.Before(minFilterDate) || r.After(maxFilterDate) {
				t.Fatalf("parseDate(%q) = %v, outside [%v, %v]", s, r, minFilterDate, maxFilterDate)
			}
		}
		if !from.Before(maxFilterDate) {
			t.Fatalf("from_date %q = %v, not before %v", s, from, maxFilterDate)
		}
		step := to.Sub(from)
		switch {
		case m[4] == "" && !to.Equal(from.AddDate(0, 0, 1)):
			t.Fatalf("to_date %q = %v, not the day after %v", s, to, from)
		case m[4] != "" && (step < 0 || step > time.Second):
			t.Fatalf("to_date %q = %v, from_date %v", s, to, from)
		}
	})
}
