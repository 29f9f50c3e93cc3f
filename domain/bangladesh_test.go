package domain_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/paycore/paycore/domain"
)

func TestNormalizeMobile(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, want, national string // want "" = refused
	}{
		{in: "01712345678", want: "8801712345678", national: "01712345678"},
		{in: "8801712345678", want: "8801712345678", national: "01712345678"},
		{in: "+8801712345678", want: "8801712345678", national: "01712345678"},
		{in: "1712345678", want: "8801712345678", national: "01712345678"},
		{in: "+880 1712-345678", want: "8801712345678", national: "01712345678"},
		{in: "017-1234-5678", want: "8801712345678", national: "01712345678"},
		{in: " 01712 345 678 ", want: "8801712345678", national: "01712345678"},
		{in: "01312345678", want: "8801312345678", national: "01312345678"},
		{in: "01912345678", want: "8801912345678", national: "01912345678"},
		{in: "01770618575", want: "8801770618575", national: "01770618575"},

		{in: ""},
		{in: "abc"},
		{in: "12345"},
		{in: "01212345678"},   // operator digit 2
		{in: "01012345678"},   // operator digit 0
		{in: "8801212345678"}, // operator digit 2
		{in: "0171234567"},    // 10 digits
		{in: "017123456789"},  // 12 digits
		{in: "880171234567"},  // one short
		{in: "88017123456789"},
		{in: "+01712345678"}, // "+" only with 880
		{in: "+1712345678"},
		{in: "008801712345678"},
		{in: "+14155550100"},
		{in: "14155550100"},
		{in: "01712345678\n"}, // only spaces and dashes are dropped
		{in: "\t01712345678"},
		{in: "01712.345678"},
		{in: "0171234567x"},
		{in: "０1712345678"}, // full-width digit
		{in: "০১৭১২৩৪৫৬৭৮"}, // Bengali digits
		{in: "+880+1712345678"},
	} {
		got, ok := domain.NormalizeMobile(tc.in)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("NormalizeMobile(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.want != "")
		}
		nat, ok := domain.NationalMobile(tc.in)
		if nat != tc.national || ok != (tc.national != "") {
			t.Errorf("NationalMobile(%q) = %q, %v; want %q", tc.in, nat, ok, tc.national)
		}
	}
}

// The rule paycore applied before NormalizeMobile (app.NormalizeBDMobile):
// NormalizeMobile must agree with it on every input.
var legacyMobile = regexp.MustCompile(`^(?:\+?880|0)?1[3-9][0-9]{8}$`)

func legacyNormalize(s string) (string, bool) {
	s = strings.NewReplacer(" ", "", "-", "").Replace(s)
	if !legacyMobile.MatchString(s) {
		return "", false
	}
	return "880" + s[len(s)-10:], true
}

func FuzzNormalizeMobile(f *testing.F) {
	for _, s := range []string{"01712345678", "+8801712345678", "8801712345678", "1712345678", "+880 17-12345678",
		"01212345678", "+01712345678", "880880171234567", "0880171234567", "", "+", "880", "-0-1-7-1-2-3-4-5-6-7-8"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := domain.NormalizeMobile(s)
		want, wantOK := legacyNormalize(s)
		if got != want || ok != wantOK {
			t.Fatalf("NormalizeMobile(%q) = %q, %v; the old rule says %q, %v", s, got, ok, want, wantOK)
		}
		if ok {
			// Normal forms are fixed points, in both forms.
			if again, ok2 := domain.NormalizeMobile(got); again != got || !ok2 {
				t.Fatalf("NormalizeMobile(%q) = %q, %v", got, again, ok2)
			}
			nat, _ := domain.NationalMobile(s)
			if back, ok2 := domain.NormalizeMobile(nat); back != got || !ok2 || len(nat) != 11 {
				t.Fatalf("NationalMobile(%q) = %q, which normalizes to %q", s, nat, back)
			}
		}
	})
}

func TestDhaka(t *testing.T) {
	t.Parallel()
	if domain.Dhaka.String() != "Asia/Dhaka" {
		t.Fatalf("Dhaka is named %q", domain.Dhaka)
	}
	at := time.Date(2025, 11, 24, 15, 20, 0, 0, time.UTC).In(domain.Dhaka)
	if got := at.Format("2006-01-02 15:04:05 -0700"); got != "2025-11-24 21:20:00 +0600" {
		t.Fatalf("15:20 UTC in Dhaka = %s", got)
	}
	// Midnight in Dhaka is 18:00 UTC the day before, summer and winter.
	for _, day := range []string{"2025-01-14", "2025-07-01", "2026-06-18"} {
		d, err := time.ParseInLocation("2006-01-02", day, domain.Dhaka)
		if err != nil {
			t.Fatal(err)
		}
		if got := d.UTC().Format(time.RFC3339); got[11:] != "18:00:00Z" {
			t.Errorf("%s 00:00 Dhaka = %s", day, got)
		}
	}
}

// Where the host has the tz database, the fixed zone agrees with it on
// every day since daylight saving ended (2009-12-31).
func TestDhakaAgreesWithTZData(t *testing.T) {
	t.Parallel()
	loc, err := time.LoadLocation("Asia/Dhaka")
	if err != nil {
		t.Skipf("no tz database: %v", err)
	}
	for at := time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC); at.Year() < 2040; at = at.Add(7*24*time.Hour + 13*time.Hour) {
		_, want := at.In(loc).Zone()
		if _, got := at.In(domain.Dhaka).Zone(); got != want {
			t.Fatalf("%s: offset %d, tz database says %d", at, got, want)
		}
	}
}
