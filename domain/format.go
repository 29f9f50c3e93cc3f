package domain

import "strings"

// banglaDigits are ০ … ৯, indexed by their value.
var banglaDigits = [10]rune{'০', '১', '২', '৩', '৪', '৫', '৬', '৭', '৮', '৯'}

// FormatBD writes m as people in Bangladesh read it, in language lang
// ("bn" or "en"; anything else is English): taka with the ৳ sign and
// lakh/crore grouping (the last three digits, then pairs: ৳1,23,456.50;
// ৳1,00,00,000.00), in Bangla digits for "bn" (৳১,২৩,৪৫৬.৫০). Other
// currencies keep their code and the international grouping of threes
// (USD 1,234,567.89). The customer pages and the Bangla SMS use it; it is
// for people, never for the API (Decimal).
func (m Money) FormatBD(lang string) string {
	whole, frac, _ := strings.Cut(m.Decimal(), ".") // Money is never negative
	var grouped, prefix string
	if m.currency.Code == BDT.Code {
		grouped, prefix = groupLakh(whole), "৳"
	} else {
		grouped, prefix = groupThrees(whole), m.currency.Code+" "
	}
	out := grouped
	if frac != "" {
		out += "." + frac
	}
	if lang == "bn" {
		out = BanglaDigits(out)
	}
	return prefix + out
}

// BanglaDigits replaces the ASCII digits of s with Bangla ones.
func BanglaDigits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(banglaDigits[r-'0'])
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// groupLakh groups a run of digits the South Asian way: 1234567 →
// 12,34,567.
func groupLakh(d string) string {
	if len(d) <= 3 {
		return d
	}
	head, tail := d[:len(d)-3], d[len(d)-3:]
	var parts []string
	for len(head) > 2 {
		parts = append([]string{head[len(head)-2:]}, parts...)
		head = head[:len(head)-2]
	}
	parts = append([]string{head}, parts...)
	return strings.Join(parts, ",") + "," + tail
}

// groupThrees groups a run of digits in threes: 1234567 → 1,234,567.
func groupThrees(d string) string {
	var parts []string
	for len(d) > 3 {
		parts = append([]string{d[len(d)-3:]}, parts...)
		d = d[:len(d)-3]
	}
	return strings.Join(append([]string{d}, parts...), ",")
}
